// The pure scale-in choice (issue #14): from the planner's count per flavor, this cycle's node list and busy
// IPs, and the scaler's memory, which nodes to drain, delete, put back or keep. Escalator's order: drain idle
// nodes, delete them in a later cycle once the drain has stood and they are still idle. A flavor's `drainTo`
// (drain-ahead) drains more than go now; only `target` says how many are deleted. Nothing here does I/O.

import type { NodeFacts } from '../modelarts/node-facts';
import { type AzCounts, azAllows, azCounts, takeFromAz } from './az-choice';
import { busyKeep, idleMs, staticKeep } from './eligibility';
import { refreshMemory, storedMemory } from './memory';
import type { FlavorScaleIn, KeptWhy, NodeChoice, NodeMemory, ScaleInChoice, ScaleInInput } from './types';

export function chooseScaleIn(input: ScaleInInput): ScaleInChoice {
  const flavors = new Set(input.flavors.map((flavor) => flavor.flavor));
  const memory = refreshMemory(input.memory, input.nodes, flavors, input.busyIps, input.now);
  const choice: ScaleInChoice = {
    drain: [],
    pick: [],
    delete: [],
    undrain: [],
    kept: [],
    reasons: [],
    memory: input.memory,
  };
  const stored = { ...input.memory };
  if (!input.drainAvailable && stored.drainUnavailableSince === undefined) {
    stored.drainUnavailableSince = input.now;
    choice.reasons.push({
      code: 'drain-unavailable',
      message:
        'batch-drain is not available: nodes are deleted only when idle on two reads drainSeconds apart',
    });
  }
  if (stored.stopped === undefined) {
    const sorted = [...input.nodes].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const flavor of input.flavors) {
      chooseFlavor(
        input,
        flavor,
        sorted.filter((node) => node.flavor === flavor.flavor),
        memory,
        choice,
      );
    }
  } else {
    choice.reasons.push({
      code: 'count-not-lowered',
      message: `scale-in stopped: a delete of ${stored.stopped.nodes.join(', ')} did not lower ${stored.stopped.flavor}'s count`,
    });
  }
  choice.memory = storedMemory(stored, memory);
  return choice;
}

/** One node of the flavor as the choice weighs it. */
interface Weighed {
  node: NodeFacts;
  memory: NodeMemory | undefined;
  /** Why it can never go by name this cycle (static) or is busy now; undefined when idle and removable. */
  keep: KeptWhy | undefined;
  idleMs: number | undefined;
}

function chooseFlavor(
  input: ScaleInInput,
  flavor: FlavorScaleIn,
  nodes: readonly NodeFacts[],
  memory: Map<string, NodeMemory>,
  choice: ScaleInChoice,
): void {
  const { now } = input;
  const settings = {
    idleSeconds: flavor.idleSeconds ?? input.settings.idleSeconds,
    drainSeconds: flavor.drainSeconds ?? input.settings.drainSeconds,
  };
  const weighed = nodes.map((node): Weighed => {
    const mem = memory.get(node.name);
    const keep = staticKeep(node, mem) ?? busyKeep(node, input.busyIps);
    return { node, memory: mem, keep, idleMs: idleMs(mem, now) };
  });
  const want = Math.max(flavor.current - flavor.target, 0);
  // Drained ahead only where a drained node can come back: batch-drain and undrain both there.
  const drainTo =
    input.drainAvailable && input.undrainAvailable && flavor.drainTo !== undefined
      ? Math.min(flavor.drainTo, flavor.target)
      : flavor.target;
  const drainWant = Math.max(flavor.current - drainTo, 0);
  const az = azCounts(flavor);
  const settled = new Set<string>();
  const kept = (w: Weighed, why: KeptWhy) => {
    settled.add(w.node.name);
    choice.kept.push({ name: w.node.name, flavor: flavor.flavor, why });
  };
  const out = (w: Weighed): NodeChoice => {
    settled.add(w.node.name);
    const entry: NodeChoice = { name: w.node.name, flavor: flavor.flavor, az: w.node.az };
    if (w.idleMs !== undefined) entry.idleMs = w.idleMs;
    return entry;
  };
  const drainStood = (since: number | undefined) =>
    since !== undefined && since + settings.drainSeconds * 1000 <= now;

  replaceAbnormal(input, flavor, weighed, settings.drainSeconds, { kept, out, choice });

  // Drained by us: the first capacity reused when demand returns, else deleted once idle and the drain stood.
  // A node already being deleted has left the count: it is neither reused nor counted as going.
  const ours = reuseOrder(
    weighed.filter((w) => w.memory?.drainedAt !== undefined && w.node.phase !== 'Deleting'),
  );
  const reused = input.undrainAvailable ? Math.max(ours.length - drainWant, 0) : 0;
  let removing = 0;
  const going: Weighed[] = [];
  for (const [i, w] of ours.entries()) {
    if (i < reused) {
      choice.undrain.push(out(w));
      delete (w.memory as NodeMemory).drainedAt;
      continue;
    }
    if (i - reused < drainWant) {
      removing++;
      takeFromAz(az, w.node.az);
    }
    going.push(w);
  }
  const deletable = (w: Weighed) => w.keep === undefined && drainStood(w.memory?.drainedAt);
  // The target says how many go now, the nearest to going first; the others drained ahead wait for the window.
  // Without undrain every drained node goes once it may: none can come back.
  const ready = going.filter(deletable);
  const leaving = new Set(
    input.undrainAvailable ? ready.slice(ready.length - Math.min(want, ready.length)) : ready,
  );
  for (const w of going) {
    if (w.keep !== undefined) kept(w, w.keep);
    else if (!deletable(w)) kept(w, 'drain-too-recent');
    else if (leaving.has(w)) choice.delete.push(out(w));
    else kept(w, 'drained-ahead');
  }

  // Without batch-drain: nodes picked on an earlier idle read go once read idle again drainSeconds later.
  const picked = reuseOrder(
    weighed.filter((w) => w.memory?.pickedAt !== undefined && !settled.has(w.node.name)),
  );
  for (const w of picked) {
    const mem = w.memory as NodeMemory;
    if (removing >= want || !azAllows(flavor, az, w.node.az)) {
      delete mem.pickedAt;
      continue;
    }
    removing++;
    takeFromAz(az, w.node.az);
    if (w.keep !== undefined) kept(w, w.keep);
    else if (!drainStood(mem.pickedAt)) kept(w, 'drain-too-recent');
    else choice.delete.push(out(w));
  }

  // New nodes: idle long enough, idle longest first, one at a time as the AZ rule allows.
  const idleFor = settings.idleSeconds * 1000;
  const candidates = weighed
    .filter((w) => !settled.has(w.node.name) && w.keep === undefined && (w.idleMs ?? -1) >= idleFor)
    .sort((a, b) => (b.idleMs as number) - (a.idleMs as number));
  const fresh = takeAllowed(flavor, az, candidates, drainWant - removing);
  for (const w of fresh) {
    const mem = w.memory as NodeMemory;
    if (input.drainAvailable) {
      mem.drainedAt = now;
      choice.drain.push(out(w));
    } else {
      mem.pickedAt = now;
      choice.pick.push(out(w));
    }
  }
  removing += fresh.length;
  const chosen = new Set(fresh.map((w) => w.node.name));
  for (const w of weighed) {
    if (settled.has(w.node.name)) continue;
    if (w.keep !== undefined) kept(w, w.keep);
    else if ((w.idleMs ?? -1) < idleFor) kept(w, 'idle-too-short');
    else if (removing < want && !chosen.has(w.node.name)) kept(w, 'az-not-allowed');
    else kept(w, 'not-needed');
  }
  if (removing < want) {
    choice.reasons.push({
      code: 'idle-nodes-short',
      message: `${flavor.flavor}: ${want} node(s) to remove, ${removing} idle node(s) removable`,
    });
  }
}

/**
 * Abnormal nodes (capacity.replaceAbnormalAfterSeconds): one that has been Abnormal that long, could be deleted by
 * name were it Available, and was read idle on two reads at least drainSeconds apart (its idle timer; the cycle
 * reads its workloads again just before the delete) is deleted without a drain, as a node is when batch-drain is
 * missing: batch-drain takes running nodes only. The count drops, and growth replaces it. It is not one of the
 * nodes the planner wants gone.
 */
function replaceAbnormal(
  input: ScaleInInput,
  flavor: FlavorScaleIn,
  weighed: readonly Weighed[],
  drainSeconds: number,
  to: {
    kept: (w: Weighed, why: KeptWhy) => void;
    out: (w: Weighed) => NodeChoice;
    choice: ScaleInChoice;
  },
): void {
  const after = flavor.replaceAbnormalAfterSeconds;
  if (after === undefined) return;
  const replaced: string[] = [];
  for (const w of weighed) {
    if (w.node.phase !== 'Abnormal') continue;
    const keep = staticKeep({ ...w.node, phase: 'Available' }, w.memory) ?? busyKeep(w.node, input.busyIps);
    const since = w.memory?.abnormalSince;
    if (keep !== undefined) to.kept(w, keep);
    else if (since === undefined || input.now - since < after * 1000) to.kept(w, 'abnormal-too-short');
    else if (w.idleMs === undefined || w.idleMs < drainSeconds * 1000) to.kept(w, 'idle-too-short');
    else {
      to.choice.delete.push(to.out(w));
      replaced.push(w.node.name);
    }
  }
  if (replaced.length > 0)
    to.choice.reasons.push({
      code: 'abnormal-replaced',
      message: `${flavor.flavor}: ${replaced.join(', ')} Abnormal for over ${after} s with no workload: deleted by name, growth replaces them`,
    });
}

/** Nodes to put back first: busy ones, then those idle the shortest; the rest are the nearest to going. */
function reuseOrder(nodes: Weighed[]): Weighed[] {
  return nodes.sort((a, b) => {
    if ((a.keep === undefined) !== (b.keep === undefined)) return a.keep === undefined ? 1 : -1;
    return (a.idleMs ?? -1) - (b.idleMs ?? -1);
  });
}

/** Up to `count` of `candidates` (in preference order), each allowed by the AZ rule after the ones before. */
function takeAllowed(flavor: FlavorScaleIn, az: AzCounts, candidates: Weighed[], count: number): Weighed[] {
  const taken: Weighed[] = [];
  const left = [...candidates];
  while (taken.length < count) {
    const index = left.findIndex((w) => azAllows(flavor, az, w.node.az));
    if (index < 0) break;
    const [w] = left.splice(index, 1) as [Weighed];
    takeFromAz(az, w.node.az);
    taken.push(w);
  }
  return taken;
}

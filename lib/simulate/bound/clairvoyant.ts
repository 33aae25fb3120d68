import type { SimJob } from '../trace';
import type { Delays } from '../world';
import { maxWeightMatching } from './assignment';

// The clairvoyant bound: the fewest node-hours that run every job of a trace with zero wait, knowing every
// arrival in advance, under the simulated world's rules. A cap for a policy that never lets a job wait, not a
// floor: a policy that lets jobs wait (and packs them onto fewer nodes) can bill less.
//
// The model, exact at node-slot level:
// - a job that needs k nodes is k slots, each [arrival, arrival + runTime] on one node of its flavor (and of its
//   AZ, when it names one);
// - a node's life is a chain of slots, one after another (a slot may start when the previous one ends). It is
//   billed, as the world bills it, from its request until its deletion completes: requested one provisioning
//   delay before its first slot starts (so that it is ready then), deleted when its last slot ends, and billed
//   the deletion delay after. Between two slots it stays, billed through the gap;
// - the trace's window clips the bill: nothing before 0 (the world's starting nodes are ready at 0, billed from
//   0) and nothing after the end (the world bills nodes still there up to the end).
// So a chain from slot f to slot l costs min(end, e_l + D) - max(0, s_f - P), and the bound is the least total
// over every set of chains covering every slot.
//
// Why a matching gives that least total exactly: a set of chains is a set of links i -> j (slot j right after
// slot i on the same node) in which each slot has at most one successor and one predecessor; since e_i <= s_j
// and run times are positive, no links can form a cycle, so every such set is a set of chains and the other way
// round. Writing alone(i) for the cost of slot i on a node of its own, a chain's cost is the sum of alone() over
// its slots minus, per link, w(i, j) = tail(i) + head(j) - (s_j - e_i), where tail(i) = min(end, e_i + D) - e_i
// is what deleting after i bills and head(j) = s_j - max(0, s_j - P) what creating for j bills (the sum
// telescopes: each link replaces i's deletion and j's creation by the gap). Hence
//   least cost = sum of alone() - the maximum total weight of a matching of successors to predecessors,
// and a link of weight <= 0 (a gap dearer to keep than deleting and creating again) is never worth taking. The
// matching is solved exactly (bound/assignment.ts) per connected group of positive links, which keeps each
// assignment small: slots further apart than P + D never link.
//
// Not modelled: the flavor's max (the built-in scenarios stay below it) and the policy's min; jobs naming an
// AZ and jobs naming none on the same flavor are bounded apart (exact when a flavor's jobs all name an AZ, or
// none do, as in every built-in scenario; otherwise the figure may be a little above the true least).

export interface BoundInput {
  jobs: readonly SimJob[];
  delays: Delays;
  durationSeconds: number;
}

export interface ClairvoyantBound {
  nodeHours: number;
  /** Node slots: one per node of each job that arrived before the end. */
  slots: number;
  /** Nodes created: chains in the optimal cover. */
  nodes: number;
  /** The largest assignment solved (slots in one connected group). */
  largestGroup: number;
}

export interface Slot {
  start: number;
  end: number;
  /** Flavor and AZ: only slots of the same group share a node. */
  group: string;
}

const HOUR = 3600;

/** The bound of a simulation's jobs, delays and window. */
export const setupBound = (setup: BoundInput): ClairvoyantBound =>
  clairvoyantBound({ jobs: setup.jobs, delays: setup.delays, durationSeconds: setup.durationSeconds });

export function clairvoyantBound(input: BoundInput): ClairvoyantBound {
  const slots = slotsOf(input.jobs, input.durationSeconds);
  const cover = leastCover(slots, input.delays, input.durationSeconds);
  return {
    nodeHours: cover.seconds / HOUR,
    slots: slots.length,
    nodes: cover.nodes,
    largestGroup: cover.largestGroup,
  };
}

/** Every node slot of the jobs arriving before the end. */
export function slotsOf(jobs: readonly SimJob[], durationSeconds: number): Slot[] {
  const slots: Slot[] = [];
  for (const job of jobs) {
    if (!(job.arrival < durationSeconds)) continue;
    const slot = {
      start: job.arrival,
      end: job.arrival + job.runTime,
      group: `${job.flavor}\n${job.az ?? ''}`,
    };
    for (let i = 0; i < job.nodes; i++) slots.push({ ...slot });
  }
  return slots;
}

/** What a chain costs, billed as the world bills one node: see the top of this file. */
export function chainSeconds(chain: readonly Slot[], delays: Delays, end: number): number {
  const first = chain[0];
  const last = chain[chain.length - 1];
  if (first === undefined || last === undefined) return 0;
  return (
    Math.min(end, last.end + delays.deletionSeconds) - Math.max(0, first.start - delays.provisioningSeconds)
  );
}

/** The saving of running `to` right after `from` on the same node; <= 0 or undefined: never worth it. */
export function linkWeight(from: Slot, to: Slot, delays: Delays, end: number): number | undefined {
  if (from.group !== to.group || from.end > to.start) return undefined;
  const tail = Math.min(end, from.end + delays.deletionSeconds) - from.end;
  const head = to.start - Math.max(0, to.start - delays.provisioningSeconds);
  return tail + head - (to.start - from.end);
}

export interface Cover {
  seconds: number;
  nodes: number;
  largestGroup: number;
}

export function leastCover(slots: readonly Slot[], delays: Delays, end: number): Cover {
  let seconds = 0;
  for (const slot of slots) seconds += chainSeconds([slot], delays, end);
  const links = positiveLinks(slots, delays, end);
  let saved = 0;
  let matched = 0;
  let largestGroup = 0;
  for (const group of connectedGroups(slots.length, links)) {
    largestGroup = Math.max(largestGroup, group.length);
    if (group.length < 2) continue;
    const index = new Map(group.map((slot, i) => [slot, i]));
    const weights = new Float64Array(group.length * group.length);
    for (const from of group)
      for (const [to, weight] of links[from] ?? [])
        weights[(index.get(from) as number) * group.length + (index.get(to) as number)] = weight;
    const successor = maxWeightMatching(weights, group.length);
    successor.forEach((to, from) => {
      if (to < 0) return;
      saved += weights[from * group.length + to] as number;
      matched++;
    });
  }
  return { seconds: seconds - saved, nodes: slots.length - matched, largestGroup };
}

/** Per slot, its positive links [successor, weight]; slots sorted by start make the scan stop early. */
function positiveLinks(slots: readonly Slot[], delays: Delays, end: number): [number, number][][] {
  const byStart = slots.map((_, i) => i).sort((a, b) => (slots[a] as Slot).start - (slots[b] as Slot).start);
  const reach = delays.provisioningSeconds + delays.deletionSeconds;
  const links: [number, number][][] = slots.map(() => []);
  slots.forEach((from, i) => {
    // Only slots starting in [from.end, from.end + P + D) can link; binary search the first.
    let low = 0;
    let high = byStart.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if ((slots[byStart[mid] as number] as Slot).start < from.end) low = mid + 1;
      else high = mid;
    }
    for (let k = low; k < byStart.length; k++) {
      const j = byStart[k] as number;
      const to = slots[j] as Slot;
      if (to.start - from.end >= reach) break;
      const weight = linkWeight(from, to, delays, end);
      if (weight !== undefined && weight > 0) (links[i] as [number, number][]).push([j, weight]);
    }
  });
  return links;
}

/** The slot indexes joined by links, group by group (union-find). */
function connectedGroups(count: number, links: readonly [number, number][][]): number[][] {
  const parent = Array.from({ length: count }, (_, i) => i);
  const find = (i: number): number => {
    let root = i;
    while (parent[root] !== root) root = parent[root] as number;
    for (let at = i; parent[at] !== root; ) {
      const next = parent[at] as number;
      parent[at] = root;
      at = next;
    }
    return root;
  };
  links.forEach((targets, from) => {
    for (const [to] of targets) parent[find(from)] = find(to);
  });
  const groups = new Map<number, number[]>();
  for (let i = 0; i < count; i++) {
    const root = find(i);
    const group = groups.get(root) ?? [];
    group.push(i);
    groups.set(root, group);
  }
  return [...groups.values()];
}

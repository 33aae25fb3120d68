import { plural } from '../plural';
import type { PatchAz } from './patch';
import type { AzStrategy, FlavorPolicy } from './policy';
import { msg, type Reason, reason } from './reasons';
import type { CheckedBacklog } from './target';

// The per-AZ split of a flavor's new count. No strategy ever moves a node from one AZ to another: a change only
// adds nodes (scale-up) or only removes them (scale-down), because a move is a deletion plus a creation that
// costs a node's start-up time and can lose running work, and ModelArts refuses a change that both grows and
// shrinks. The result always adds up to the new total, and keeps the flavor's AZs in their order.
//
// Ties are broken by AZ name so that the same input always gives the same split: an added node goes to the
// first name among equals, a removed node comes from the last, so the lower-named AZs carry the extra node and a
// balanced flavor looks the same however it got to its size.
//
//   balanced  add to the smallest AZ, remove from the largest (cluster-autoscaler's balancing, both ways).
//   weighted  aim at the largest-remainder split of the total by the weights: add where an AZ is furthest below
//             its share, remove where it is furthest above. AZs absent from the weights have a share of 0: they
//             are drained first and never grown. Weighted AZs the flavor does not list yet are added (at the end,
//             by name) once they get a node.
//   fixed     the AZs in use are the user's: nodes are added and removed only in AZs that have nodes, keeping
//             their proportions as closely as whole nodes allow (the largest-remainder split with the current
//             counts as weights), never emptying one and never starting one. Refused when the new total is
//             below one node per AZ in use (`fixedMinimum` tells the planner the lowest total it can ask for).
//             "Fixed" is about where nodes live (subnets, data locality, per-AZ quotas), so it must not stop
//             a flavor from scaling at all; a split that keeps the exact proportions would refuse almost every
//             one-node change of a multi-AZ flavor.
//   backlog   follow the backlog source's per-AZ split (`need`: the nodes each AZ's own backlog asks for): add
//             where the need most exceeds the nodes, remove where the nodes most exceed it, so that work tied
//             to an AZ gets its nodes there and a scale-down takes the AZ whose nodes sit idle. Without a
//             split it is balanced.
// A flavor without azs (or with an empty list) gets no azs.

export type AzSplit =
  | {
      ok: true;
      azs: PatchAz[] | undefined;
      /** Growth only, with AZs blocked: the added nodes no allowed AZ takes (the split sums to total - unplaced). */
      unplaced?: number;
      /**
       * Blocked AZs the strategy would have grown and that no other AZ stands in for: `fixed` (it never moves, so
       * the flavor waits for them) and `backlog` (work tied to them cannot use nodes elsewhere).
       */
      waitsFor?: string[];
    }
  | { ok: false; reason: Reason };

/** Whether growth must avoid an AZ (sold out, in backoff: lib/capacity/blocked.ts). */
export type IsBlocked = (az: string) => boolean;

/** One AZ of the split being built: exactly {az, count}, so that the result needs no copy. */
type Slot = PatchAz;

export function splitAzs(
  strategy: AzStrategy,
  before: readonly PatchAz[] | undefined,
  total: number,
  need?: Readonly<Record<string, number>>,
  blocked?: IsBlocked,
): AzSplit {
  if (before === undefined || before.length === 0) return { ok: true, azs: undefined };
  const slots: Slot[] = before.map(({ az, count }) => ({ az, count }));
  const sum = sumOf(slots);
  if (sum === total) return { ok: true, azs: slots };
  // Scale-downs never look at capacity: only growth avoids blocked AZs.
  if (blocked !== undefined && total > sum) return placeGrowth(strategy, before, total, need, blocked);
  switch (strategy.type) {
    case 'balanced':
      stepTowards(slots, total, balancedAdd, balancedRemove);
      return { ok: true, azs: slots };
    case 'weighted':
      return splitWeighted(strategy.weights, slots, total);
    case 'fixed':
      return splitFixed(slots, total);
    case 'backlog':
      if (need === undefined) stepTowards(slots, total, balancedAdd, balancedRemove);
      else {
        // Below 1 for any count the split can reach, so the (whole) need always decides first.
        const tie = 1 / (Math.max(sumOf(slots), total) + 1);
        stepTowards(slots, total, belowNeed(need, tie), aboveNeed(need, tie));
      }
      return { ok: true, azs: slots };
  }
}

/** The nodes each AZ's own backlog asks for: its share of the backlog over the backlog one node carries. */
export function nodesPerAz(
  perAz: Readonly<Record<string, number>>,
  targetPerNode: number,
): Record<string, number> {
  const nodes: Record<string, number> = {};
  for (const [az, value] of Object.entries(perAz))
    if (Number.isFinite(value) && value > 0) nodes[az] = Math.ceil(value / targetPerNode);
  return nodes;
}

/** What the 'backlog' strategy reads: the nodes per AZ of a usable backlog split by AZ; undefined otherwise. */
export function backlogNeed(
  policy: FlavorPolicy,
  backlog: CheckedBacklog,
): Record<string, number> | undefined {
  if (policy.azStrategy.type !== 'backlog' || !backlog.ok || backlog.perAz === undefined) return;
  return nodesPerAz(backlog.perAz, policy.targetPerNode);
}

/** What each AZ's own backlog asks for, in nodes: only for the 'backlog' strategy and a backlog split by AZ. */
export interface AzNeed {
  nodes: Record<string, number>;
  /** The fewest nodes the flavor can have this cycle and leave no AZ short (0 when none is). */
  atLeast: number;
  reason?: Reason;
}

/**
 * Work tied to an AZ cannot use another AZ's idle nodes, and no update moves a node between AZs. So while an AZ
 * is short, the flavor grows by the shortfall (the surplus elsewhere goes at a later scale-down, down to the sum
 * of the AZs' needs at most), and it never shrinks below that sum: the next cycle's plan is then the same.
 */
export function azNeed(
  policy: FlavorPolicy,
  flavor: { count: number; azs?: readonly PatchAz[] | undefined },
  backlog: CheckedBacklog,
): AzNeed | undefined {
  const azs = flavor.azs;
  const nodes = azs === undefined || azs.length === 0 ? undefined : backlogNeed(policy, backlog);
  if (azs === undefined || nodes === undefined) return;
  let sum = 0;
  for (const { az } of azs) sum += nodes[az] ?? 0;
  const shortfall = azShortfall(azs, nodes);
  if (shortfall === 0) return { nodes, atLeast: sum };
  const short = azs
    .filter(({ az, count }) => (nodes[az] ?? 0) > count)
    .map(({ az, count }) => `${az} ${count} of ${nodes[az]}`)
    .join(', ');
  const atLeast = Math.max(sum, flavor.count + shortfall);
  return {
    nodes,
    atLeast,
    reason: reason(
      'az-backlog-short',
      msg`AZs short of their own backlog (${short}): at least ${plural(atLeast, 'node')}`,
    ),
  };
}

/** The backlog, raised to what `need.atLeast` nodes carry when it asks for fewer. */
export function withAzNeed(backlog: CheckedBacklog, policy: FlavorPolicy, need: AzNeed): CheckedBacklog {
  if (!backlog.ok) return backlog;
  const floor = need.atLeast * policy.targetPerNode;
  return backlog.value >= floor ? backlog : { ...backlog, value: floor };
}

/**
 * The nodes the AZs of a flavor lack for their own backlog, summed: work tied to an AZ cannot use another AZ's
 * idle nodes, so a flavor whose total is right can still be short in one AZ.
 */
export function azShortfall(
  before: readonly PatchAz[] | undefined,
  need: Readonly<Record<string, number>>,
): number {
  let short = 0;
  for (const { az, count } of before ?? []) short += Math.max(0, needOf(need, az) - count);
  return short;
}

const needOf = (need: Readonly<Record<string, number>>, az: string): number => {
  const value = Object.hasOwn(need, az) ? need[az] : undefined;
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : 0;
};

// Ties on the need fall back to balanced: among AZs short (or over) by as much, the smallest grows and the
// largest shrinks.
const belowNeed =
  (need: Readonly<Record<string, number>>, tie: number): Score =>
  (slot) =>
    needOf(need, slot.az) - slot.count - slot.count * tie;
const aboveNeed =
  (need: Readonly<Record<string, number>>, tie: number): Score =>
  (slot) =>
    slot.count - needOf(need, slot.az) + slot.count * tie;

/** The lowest total a `fixed` flavor can shrink to: one node in every AZ in use (0 without azs). */
export function fixedMinimum(before: readonly { count: number }[] | undefined): number {
  let used = 0;
  if (before !== undefined) for (const az of before) if (az.count > 0) used++;
  return used;
}

const balancedAdd = (slot: Slot): number => -slot.count;
const balancedRemove = (slot: Slot): number => slot.count;

/**
 * Growth with some AZs blocked. The split is first made as if none were; when it adds to no blocked AZ it stands.
 * Otherwise `fixed` waits (it never moves), `backlog` leaves out the nodes for work tied to the blocked AZs (they
 * would sit idle elsewhere) and places the rest, and the others place the whole growth in the allowed AZs. What
 * no allowed AZ can take is `unplaced`. Like every split it only adds: no node moves between AZs.
 */
function placeGrowth(
  strategy: AzStrategy,
  before: readonly PatchAz[],
  total: number,
  need: Readonly<Record<string, number>> | undefined,
  blocked: IsBlocked,
): AzSplit {
  const ideal = splitAzs(strategy, before, total, need);
  if (!ideal.ok || ideal.azs === undefined) return ideal;
  const grown = (slot: Slot) => slot.count > (before.find((b) => b.az === slot.az)?.count ?? 0);
  const wanted = ideal.azs.filter((slot) => grown(slot) && blocked(slot.az)).map((slot) => slot.az);
  if (wanted.length === 0) return ideal;
  const current = sumOf(before);
  const slots: Slot[] = before.map(({ az, count }) => ({ az, count }));
  switch (strategy.type) {
    case 'fixed':
      return { ok: true, azs: slots, unplaced: total - current, waitsFor: wanted };
    case 'weighted':
      return placeWeighted(strategy.weights, slots, total, blocked);
    case 'balanced':
      return placed(slots, total, stepTowards(slots, total, allowed(balancedAdd, blocked), balancedRemove));
    case 'backlog': {
      if (need === undefined) {
        return placed(slots, total, stepTowards(slots, total, allowed(balancedAdd, blocked), balancedRemove));
      }
      // Keep the ideal growth of the allowed AZs; of a blocked AZ's growth, what its own need asks for is not
      // placed, and only the rest (a tie's overflow, work not tied to it) goes elsewhere.
      let tied = 0;
      for (const slot of ideal.azs) {
        const was = before.find((b) => b.az === slot.az)?.count ?? 0;
        if (blocked(slot.az)) tied += Math.min(slot.count - was, Math.max(0, needOf(need, slot.az) - was));
        else (slots.find((s) => s.az === slot.az) as Slot).count = slot.count;
      }
      const tie = 1 / (Math.max(current, total) + 1);
      const reach = total - tied;
      const sum = stepTowards(slots, reach, allowed(belowNeed(need, tie), blocked), aboveNeed(need, tie));
      return { ok: true, azs: slots, unplaced: total - sum, waitsFor: tied > 0 ? wanted : [] };
    }
  }
}

const placed = (slots: Slot[], total: number, sum: number): AzSplit => ({
  ok: true,
  azs: slots,
  unplaced: total - sum,
});

/** An add score that never picks a blocked AZ. */
const allowed =
  (add: Score, blocked: IsBlocked): Score =>
  (slot, i) =>
    blocked(slot.az) ? Number.NEGATIVE_INFINITY : add(slot, i);

function placeWeighted(
  weights: Record<string, number>,
  listed: Slot[],
  total: number,
  blocked: IsBlocked,
): AzSplit {
  const { slots, shares } = weightedSlots(weights, listed, total);
  if (shares === undefined) return placed(listed, total, sumOf(listed));
  const below = belowShare(shares);
  // Only AZs with a weight grow, as without blocking: an AZ with none is never started or grown.
  const add: Score = (slot, i) =>
    weightOf(weights, slot.az) > 0 && !blocked(slot.az) ? below(slot, i) : Number.NEGATIVE_INFINITY;
  const sum = stepTowards(slots, total, add, aboveShare(shares));
  return placed(
    slots.filter((slot, i) => i < listed.length || slot.count > 0),
    total,
    sum,
  );
}

/** The listed AZs plus the weighted AZs not listed yet (at the end, by name), with their largest-remainder shares. */
function weightedSlots(weights: Record<string, number>, listed: Slot[], total: number) {
  const names = new Set(listed.map((slot) => slot.az));
  const added = Object.keys(weights)
    .filter((az) => !names.has(az) && weightOf(weights, az) > 0)
    .sort()
    .map((az): Slot => ({ az, count: 0 }));
  const slots = [...listed, ...added];
  const shares = largestRemainder(
    total,
    slots.map((slot) => ({ az: slot.az, weight: weightOf(weights, slot.az) })),
  );
  return { slots, shares };
}

function splitWeighted(weights: Record<string, number>, listed: Slot[], total: number): AzSplit {
  const { slots, shares } = weightedSlots(weights, listed, total);
  if (shares === undefined) {
    const names = listed.map((slot) => slot.az);
    return refuse(msg`weighted: no AZ of the flavor (${names.join(', ')}) has a positive weight`);
  }
  stepTowards(slots, total, belowShare(shares), aboveShare(shares));
  return { ok: true, azs: slots.filter((slot, i) => i < listed.length || slot.count > 0) };
}

// Scores against each slot's share; `shares` is in the slots' order.
const belowShare =
  (shares: readonly number[]): Score =>
  (slot, i) =>
    (shares[i] as number) - slot.count;
const aboveShare =
  (shares: readonly number[]): Score =>
  (slot, i) =>
    slot.count - (shares[i] as number);

const weightOf = (weights: Record<string, number>, az: string): number => {
  const weight = Object.hasOwn(weights, az) ? weights[az] : undefined;
  return weight !== undefined && weight > 0 && Number.isFinite(weight) ? weight : 0;
};

function splitFixed(slots: Slot[], total: number): AzSplit {
  const used = fixedMinimum(slots);
  if (used === 0) return refuse('fixed: the flavor has no node in any AZ, so there is no AZ to grow in');
  if (total < used)
    return refuse(msg`fixed: ${plural(total, 'node')} cannot keep a node in each of the ${used} AZs in use`);
  const shares = largestRemainder(
    total,
    slots.map((slot) => ({ az: slot.az, weight: slot.count })),
  ) as number[];
  const below = belowShare(shares);
  const above = aboveShare(shares);
  stepTowards(
    slots,
    total,
    (slot, i) => (slot.count > 0 ? below(slot, i) : Number.NEGATIVE_INFINITY),
    (slot, i) => (slot.count > 1 ? above(slot, i) : Number.NEGATIVE_INFINITY),
  );
  return { ok: true, azs: slots };
}

const refuse = (message: string): AzSplit => ({ ok: false, reason: reason('az-split-refused', message) });

type Score = (slot: Slot, index: number) => number;

/**
 * Move the slots to `total` one node at a time: each added node goes to the slot with the highest `add` score
 * (ties: first name), each removed node comes from a non-empty slot with the highest `remove` score (ties: last
 * name). Changes are a handful of nodes over a handful of AZs, so one node at a time is cheap and obviously right.
 */
function stepTowards(slots: Slot[], total: number, add: Score, remove: Score): number {
  let sum = sumOf(slots);
  for (; sum < total; sum++) {
    // No slot may take a node (every AZ blocked): the sum stays short, and the caller says so.
    const chosen = best(slots, add, true);
    if (chosen === undefined) break;
    chosen.count++;
  }
  const removable: Score = (slot, i) => (slot.count > 0 ? remove(slot, i) : Number.NEGATIVE_INFINITY);
  for (; sum > total; sum--) (best(slots, removable, false) as Slot).count--;
  return sum;
}

/** The slot with the highest score; undefined when every score is -Infinity (no slot may be chosen). */
function best(slots: readonly Slot[], score: Score, firstName: boolean): Slot | undefined {
  let chosen = slots[0] as Slot;
  let chosenScore = score(chosen, 0);
  for (let i = 1; i < slots.length; i++) {
    const slot = slots[i] as Slot;
    const s = score(slot, i);
    if (
      s > chosenScore ||
      (s === chosenScore && slot.az !== chosen.az && slot.az < chosen.az === firstName)
    ) {
      chosen = slot;
      chosenScore = s;
    }
  }
  return chosenScore === Number.NEGATIVE_INFINITY ? undefined : chosen;
}

/** The largest remainder split of `total` by weight, in the order given; undefined when no weight is positive. */
export function largestRemainder(
  total: number,
  weighted: readonly { az: string; weight: number }[],
): number[] | undefined {
  let weightSum = 0;
  for (const { weight } of weighted) weightSum += weight;
  if (!(weightSum > 0)) return undefined;
  const quotas = weighted.map(({ az, weight }, index) => {
    const quota = (total * weight) / weightSum;
    const share = Math.floor(quota);
    return { az, index, share, remainder: quota - share };
  });
  let left = total;
  for (const quota of quotas) left -= quota.share;
  const byRemainder = [...quotas].sort(
    (a, b) => b.remainder - a.remainder || compareNames(a.az, b.az) || a.index - b.index,
  );
  for (let k = 0; k < left; k++) (byRemainder[k % byRemainder.length] as (typeof quotas)[number]).share++;
  return quotas.map((quota) => quota.share);
}

const compareNames = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function sumOf(slots: readonly { count: number }[]): number {
  let sum = 0;
  for (const slot of slots) sum += slot.count;
  return sum;
}

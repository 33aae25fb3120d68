// What the cycle writes into a pool's capacity memory (issue #15), pure: backoffs after a PATCH refused as sold
// out or over quota, the conflict wait after a 409, the order a PATCH started, and how concurrent saves combine.

import { type GrownAzs, grownAzs, recordRefusal as recordShared } from '../capacity/record-refusal';
import type { CapacityRefusal } from '../capacity/refusals';
import { type Backoff, type CapacityMemory, type CapacitySettings, WHOLE_FLAVOR } from '../capacity/types';
import type { AzCount } from '../modelarts/schemas';
import type { FlavorDecision, PoolPlan } from '../scaling/plan';

/** A flavor the PATCH grew, and the AZs it grew in (WHOLE_FLAVOR when it lists none). */
export interface Growth {
  flavor: string;
  azs: string[];
}

/** The flavors `poolPlan` grows and where (the shared rule, grownAzs, on the plan's before and after counts). */
export function growthOf(poolPlan: PoolPlan): Growth[] {
  const counts = (pick: (d: FlavorDecision) => [number, AzCount[] | undefined]) =>
    poolPlan.flavors.map((d) => {
      const [count, azs] = pick(d);
      return azs === undefined ? { flavor: d.flavor, count } : { flavor: d.flavor, count, azs };
    });
  const grown = grownAzs(
    counts((d) => [d.current, d.azsBefore]),
    counts((d) => [d.target, d.azsAfter]),
  );
  return Object.entries(grown).map(([flavor, azs]) => ({ flavor, azs }));
}

/** Every AZ the pool's flavors name: the AZs a refusal's message may name. */
export const knownAzs = (poolPlan: PoolPlan): string[] => [
  ...new Set(
    poolPlan.flavors.flatMap((d) => [...(d.azsBefore ?? []), ...(d.azsAfter ?? [])].map((az) => az.az)),
  ),
];

/** A refusal recorded: which flavors and AZs (or quota) now wait, and until when. */
export interface RefusalRecord {
  memory: CapacityMemory;
  /** flavor -> AZs backed off (for a quota: every AZ, as WHOLE_FLAVOR). */
  backedOff: Record<string, string[]>;
  until: number;
}

/** The shared rule (lib/capacity/record-refusal.ts, which the simulator runs too), and what it backed off. */
export function recordRefusal(
  memory: CapacityMemory | undefined,
  refusal: CapacityRefusal,
  growth: readonly Growth[],
  settingsOf: (flavor: string) => CapacitySettings,
  now: number,
): RefusalRecord {
  const grown: GrownAzs = {};
  for (const { flavor, azs } of growth) grown[flavor] = azs;
  const next = recordShared(memory, grown, refusal, now, settingsOf);
  const backedOff: Record<string, string[]> = {};
  let until = now;
  for (const [flavor, backoff] of Object.entries(next.quota ?? {}))
    if (backoff.lastFailureAt === now) {
      backedOff[flavor] = [WHOLE_FLAVOR];
      until = Math.max(until, backoff.until);
    }
  for (const [flavor, azs] of Object.entries(next.azs ?? {}))
    for (const [az, backoff] of Object.entries(azs))
      if (backoff.lastFailureAt === now) {
        backedOff[flavor] = [...(backedOff[flavor] ?? []), az];
        until = Math.max(until, backoff.until);
      }
  return { memory: next, backedOff, until };
}

const later = <T>(a: T | undefined, b: T | undefined, at: (t: T) => number): T | undefined =>
  a === undefined ? b : b === undefined ? a : at(b) >= at(a) ? b : a;

function mergeBackoffs(
  a: Record<string, Backoff> | undefined,
  b: Record<string, Backoff> | undefined,
): Record<string, Backoff> | undefined {
  if (a === undefined || b === undefined) return a ?? b;
  const out: Record<string, Backoff> = {};
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)]))
    out[key] = later(a[key], b[key], (x) => x.lastFailureAt) as Backoff;
  return out;
}

/**
 * Two saves of one pool's capacity memory: each backoff, order and conflict the later of the two (a backoff
 * recorded under the lease is never lost to a save of an unchanged pool); `creatingSince` is the saver's, who
 * read the pool's status last.
 */
export function mergeCapacity(
  stored: CapacityMemory | undefined,
  mine: CapacityMemory | undefined,
): CapacityMemory | undefined {
  if (stored === undefined || mine === undefined) return mine ?? stored;
  const merged: CapacityMemory = {};
  const flavors = new Set([...Object.keys(stored.azs ?? {}), ...Object.keys(mine.azs ?? {})]);
  if (flavors.size > 0) {
    merged.azs = {};
    for (const flavor of flavors)
      merged.azs[flavor] = mergeBackoffs(stored.azs?.[flavor], mine.azs?.[flavor]) as Record<string, Backoff>;
  }
  const quota = mergeBackoffs(stored.quota, mine.quota);
  if (quota !== undefined) merged.quota = quota;
  const order = later(stored.order, mine.order, (o) => o.at);
  if (order !== undefined) merged.order = order;
  if (mine.creatingSince !== undefined) merged.creatingSince = mine.creatingSince;
  const conflict = later(stored.conflict, mine.conflict, (c) => c.until);
  if (conflict !== undefined) merged.conflict = conflict;
  return merged;
}

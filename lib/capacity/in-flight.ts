// Whether the pool's last change is still being carried out (issue #15): after a PATCH, ModelArts works an order,
// and until the pool's status shows the ordered counts another change would race it (the platform answers a
// conflict, or stacks a second order on a half-done first). Pure: the planner holds the pool while this says so.
//
// Evidence only: a flavor the status does not report at all counts as settled (there is nothing to wait on), and
// after `maxNodeProvisionSeconds` the order counts as settled whatever the status says: nodes that never arrive
// are the stuck-creating rule's to report and back off, not a reason to hold the pool forever.

import type { FlavorCount, PoolStatusResources } from '../modelarts/schemas';
import type { CapacityMemory } from './types';

export type Order = NonNullable<CapacityMemory['order']>;

/** A flavor of the order whose status does not show its target yet. */
export interface OrderWait {
  flavor: string;
  target: number;
  /** available + creating + abnormal for the flavor, as the status shows it. */
  seen: number;
}

/**
 * The flavors of `order` still short of (or over) their target at `now`; an empty list when it is settled.
 * `maxNodeProvisionSeconds(flavor)`: the flavor's setting (its policy's capacity, or the default).
 */
export function orderWaits(
  order: Order,
  status: PoolStatusResources | undefined,
  soleFlavor: string | undefined,
  maxNodeProvisionSeconds: (flavor: string) => number,
  now: number,
): OrderWait[] {
  const waits: OrderWait[] = [];
  for (const flavor of Object.keys(order.flavors)) {
    const target = order.flavors[flavor] as number;
    if (now - order.at >= maxNodeProvisionSeconds(flavor) * 1000) continue;
    const sole = flavor === soleFlavor;
    const lists = [status?.available, status?.creating, status?.abnormal];
    if (!lists.some((list) => reports(list, flavor, sole))) continue;
    let seen = 0;
    for (const list of lists) seen += countOf(list, flavor, sole);
    if (seen !== target) waits.push({ flavor, target, seen });
  }
  return waits;
}

// An entry without a flavor is the pool's only flavor's, when it has one; otherwise nobody's.
const matches = (entry: FlavorCount, flavor: string, sole: boolean): boolean =>
  entry.flavor === flavor || (entry.flavor === undefined && sole);

const reports = (list: readonly FlavorCount[] | undefined, flavor: string, sole: boolean): boolean =>
  list?.some((entry) => matches(entry, flavor, sole)) === true;

function countOf(list: readonly FlavorCount[] | undefined, flavor: string, sole: boolean): number {
  let total = 0;
  for (const entry of list ?? []) if (matches(entry, flavor, sole)) total += entry.count ?? 0;
  return total;
}

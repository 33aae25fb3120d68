import { grownAzs, recordRefusal } from '../capacity/record-refusal';
import { capacityRefusal } from '../capacity/refusals';
import { type CapacitySettings, DEFAULT_CAPACITY, type FlavorStockMap } from '../capacity/types';
import type { PoolFlavorResource } from '../modelarts/schemas';
import type { UpdateRefusal } from '../modelarts/update-rules';
import type { PatchBody } from '../scaling/patch';
import type { PoolPolicy } from '../scaling/policy';
import type { PoolHistory } from '../state/store';

// The planner controller's side of capacity (issue #15), as the cycle does it: the stock read each cycle goes to
// the planner for the flavors whose policy is stock-aware, and a PATCH refused as sold out or over quota backs
// off what it grew (lib/capacity/record-refusal.ts) in the history the next cycle plans with. A flavor that is
// not stock-aware (capacity.stockAware false) is today's scaler: it sees no stock and records no backoff.

export const capacityOf = (policy: PoolPolicy, flavor: string): CapacitySettings =>
  (Object.hasOwn(policy.flavors, flavor) ? policy.flavors[flavor]?.capacity : undefined) ?? DEFAULT_CAPACITY;

const aware = (policy: PoolPolicy, flavor: string): boolean => capacityOf(policy, flavor).stockAware;

/** The stock of the stock-aware flavors; undefined when none is (the planner then reads no stock). */
export function awareStock(
  policy: PoolPolicy,
  stock: FlavorStockMap | undefined,
): FlavorStockMap | undefined {
  if (stock === undefined) return undefined;
  const seen = Object.entries(stock).filter(([flavor]) => aware(policy, flavor));
  return seen.length === 0 ? undefined : Object.fromEntries(seen);
}

/**
 * The history after a refused PATCH, as the cycle saves it: the one the plan started from (a refused change
 * records no scale event), with the backoffs the refusal adds for the stock-aware flavors it grew.
 */
export function historyAfterRefusal(
  history: PoolHistory,
  policy: PoolPolicy,
  refusal: UpdateRefusal,
  body: PatchBody,
  before: readonly PoolFlavorResource[],
  now: number,
): PoolHistory {
  const resources = [...before, ...body.spec.resources];
  const knownAzs = [...new Set(resources.flatMap((resource) => (resource.azs ?? []).map(({ az }) => az)))];
  const read = capacityRefusal({ errorCode: refusal.errorCode, errorMsg: refusal.message }, knownAzs);
  if (read === undefined) return history;
  const grown = Object.fromEntries(
    Object.entries(grownAzs(before, body.spec.resources)).filter(([flavor]) => aware(policy, flavor)),
  );
  if (Object.keys(grown).length === 0) return history;
  const capacity = recordRefusal(history.capacity, grown, read, now, (flavor) => capacityOf(policy, flavor));
  return { ...history, capacity };
}

/** The policy with capacity.stockAware set on every flavor (the rest of each flavor's capacity kept). */
export function withStockAware(policy: PoolPolicy, stockAware: boolean | undefined): PoolPolicy {
  if (stockAware === undefined) return policy;
  const flavors = Object.fromEntries(
    Object.entries(policy.flavors).map(([flavor, flavorPolicy]) => [
      flavor,
      { ...flavorPolicy, capacity: { ...(flavorPolicy.capacity ?? DEFAULT_CAPACITY), stockAware } },
    ]),
  );
  return { ...policy, flavors };
}

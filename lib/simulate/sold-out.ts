import { SOLD_OUT_CODES } from '../capacity/refusals';
import type { FlavorStockMap } from '../capacity/types';
import type { PoolFlavorResource } from '../modelarts/schemas';
import type { UpdateRefusal } from '../modelarts/update-rules';
import { type SoldOutWindow, soldOutAt } from './sold-out-window';
import { azTargets, NO_AZ } from './world';

// Sold-out windows: a flavor's AZ has no stock from `from` to `to` (seconds from the start). The simulated
// platform refuses a PATCH that grows a flavor in a sold-out AZ the way ModelArts does (node-apis.md, "Sold out
// and quota"): the whole update is refused, nothing changes, with a sold-out code naming the AZ. A flavor without
// AZs grows wherever the platform finds stock: it is refused only when every AZ it is offered in is sold out.

export { type SoldOutWindow, soldOutAt };

/** The first sold-out code of node-apis.md: the one the simulated platform answers with. */
export const SOLD_OUT_CODE = SOLD_OUT_CODES[0] as string;

/**
 * The AZs the platform offers each flavor in: those the spec names, and those a window names for it. A flavor
 * whose spec names none is offered in the windows' AZs only (none: it never sells out).
 */
export function offeredAzs(
  resources: readonly PoolFlavorResource[],
  windows: readonly SoldOutWindow[],
): Map<string, string[]> {
  const offered = new Map<string, string[]>();
  for (const { flavor, azs } of resources) {
    const named = new Set((azs ?? []).map(({ az }) => az));
    for (const w of windows) if (w.flavor === undefined || w.flavor === flavor) named.add(w.az);
    offered.set(flavor, [...named].sort());
  }
  return offered;
}

/** The stock a GET resourceflavors would answer at `t`: every offered AZ, `normal` unless in a window. */
export function stockAt(
  resources: readonly PoolFlavorResource[],
  windows: readonly SoldOutWindow[],
  t: number,
): FlavorStockMap {
  const stock: FlavorStockMap = {};
  for (const [flavor, azs] of offeredAzs(resources, windows)) {
    if (azs.length === 0) continue;
    stock[flavor] = Object.fromEntries(
      azs.map((az) => [az, soldOutAt(windows, flavor, az, t) ? 'soldout' : 'normal']),
    );
  }
  return stock;
}

/** The refusal of an update that grows a flavor where it is sold out at `t`; undefined when it may go ahead. */
export function refuseSoldOut(
  before: readonly PoolFlavorResource[],
  after: readonly PoolFlavorResource[],
  windows: readonly SoldOutWindow[],
  t: number,
): UpdateRefusal | undefined {
  if (windows.length === 0) return undefined;
  const offered = offeredAzs(after, windows);
  const previous = new Map(before.map((resource) => [resource.flavor, azTargets(resource)]));
  for (const resource of after) {
    const was = previous.get(resource.flavor) ?? new Map<string, number>();
    for (const [az, count] of azTargets(resource)) {
      if (count <= (was.get(az) ?? 0)) continue;
      const flavor = resource.flavor;
      if (az !== NO_AZ && soldOutAt(windows, flavor, az, t))
        return soldOut(`flavor ${flavor} is sold out in ${az}: no node can be added there`);
      const every = offered.get(flavor) ?? [];
      if (az === NO_AZ && every.length > 0 && every.every((name) => soldOutAt(windows, flavor, name, t)))
        return soldOut(`flavor ${flavor} is sold out in every availability zone`);
    }
  }
  return undefined;
}

const soldOut = (message: string): UpdateRefusal => ({ status: 400, errorCode: SOLD_OUT_CODE, message });

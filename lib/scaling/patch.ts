import type { PatchPoolBody, PatchPoolResource, PoolFlavorResource } from '../modelarts/schemas';

// The PATCH body. JSON merge-patch (RFC 7396) replaces arrays whole, so the body lists EVERY flavor of the pool,
// in the pool's order, with absolute counts (sending it twice is harmless) and azs where the flavor has them;
// nothing else, so that no other field of the pool is touched.

// The body's type is the API's (lib/modelarts/schemas.ts, which the client also validates it with), with
// spec.resources set: the one description of a PATCH body.
export type PatchResource = PatchPoolResource;
export type PatchAz = NonNullable<PatchResource['azs']>[number];
export type PatchBody = PatchPoolBody & { spec: { resources: PatchResource[] } };

/** The new count (and split) of one flavor; flavors without one keep theirs. */
export interface FlavorChange {
  count: number;
  azs?: readonly PatchAz[] | undefined;
}

/** The body for `changes`, or undefined when no count changes. */
export function patchBody(
  resources: readonly PoolFlavorResource[],
  changes: ReadonlyMap<string, FlavorChange>,
): PatchBody | undefined {
  let changed = false;
  const body: PatchResource[] = [];
  for (const resource of resources) {
    const change = changes.get(resource.flavor);
    if (change !== undefined && change.count !== resource.count) changed = true;
    const count = change?.count ?? resource.count;
    const azs =
      resource.azs !== undefined && resource.azs.length > 0 ? (change?.azs ?? resource.azs) : undefined;
    body.push(
      azs === undefined
        ? { flavor: resource.flavor, count }
        : { flavor: resource.flavor, count, azs: cleanAzs(azs) },
    );
  }
  return changed ? { spec: { resources: body } } : undefined;
}

/**
 * The per-AZ counts as exactly `{az, count}` entries. The API's own entries usually are already (the schema
 * passes unknown fields through, so they might not be): those are shared rather than copied, which at 10,000
 * pools saves a large part of a cycle's allocations. Plans and their inputs are read-only data.
 */
export function cleanAzs(azs: readonly PatchAz[]): PatchAz[] {
  for (const entry of azs) if (!isAzPair(entry)) return azs.map(({ az, count }) => ({ az, count }));
  return azs as PatchAz[];
}

function isAzPair(entry: object): boolean {
  let keys = 0;
  for (const key in entry) {
    if ((keys === 0 && key !== 'az') || (keys === 1 && key !== 'count') || keys === 2) return false;
    keys++;
  }
  return keys === 2;
}

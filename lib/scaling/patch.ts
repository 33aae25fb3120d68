import type { PoolFlavorResource } from '../modelarts/schemas';
import { msg, type Reason, reason } from './reasons';

// The PATCH body. JSON merge-patch (RFC 7396) replaces arrays whole, so the body lists EVERY flavor of the pool,
// in the pool's order, with absolute counts (sending it twice is harmless) and azs where the flavor has them;
// nothing else, so that no other field of the pool is touched.

// Types, not interfaces, so that they also fit the schema's loose types (which allow extra fields).
export type PatchAz = {
  az: string;
  count: number;
};

export type PatchResource = {
  flavor: string;
  count: number;
  azs?: PatchAz[];
};

export type PatchBody = {
  spec: { resources: PatchResource[] };
};

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

export type Direction = 'scale-up' | 'scale-down' | 'hold' | 'skip';

/**
 * ModelArts refuses one change that grows a flavor while shrinking another. Growing goes first (work is
 * waiting); the scale-downs are held this cycle and happen on the next, once their own rules still agree.
 * Returns the indexes to hold, with the reason to give them.
 */
export function deferMixedDirection(actions: readonly Direction[]): { hold: number[]; reason?: Reason } {
  const ups = actions.filter((a) => a === 'scale-up').length;
  if (ups === 0) return { hold: [] };
  const hold: number[] = [];
  actions.forEach((a, i) => {
    if (a === 'scale-down') hold.push(i);
  });
  if (hold.length === 0) return { hold };
  return {
    hold,
    reason: reason(
      'mixed-direction-deferred',
      msg`${ups} flavor(s) grow this cycle and one update cannot also shrink: this scale-down waits for the next cycle`,
    ),
  };
}

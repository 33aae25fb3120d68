// What ModelArts refuses in an update beyond the body's shape (related-apis.md §8, get-pool.txt controlMode).
// The emulator answers with these refusals; the simulator applies the same rules to the planner's updates.

import { CONTROL_MODE_BITS, EVERY_UPDATE_BLOCKING_BITS, SPEC_UPDATE_BLOCKING_BITS } from './control-mode';
import { ErrorCodes } from './error-codes';
import type { PatchPoolBody, Pool, PoolFlavorResource } from './schemas';

/** The error ModelArts answers an update it refuses with. */
export interface UpdateRefusal {
  status: 400;
  errorCode: string;
  message: string;
}

const refusal = (message: string, errorCode: string = ErrorCodes.badRequest): UpdateRefusal => ({
  status: 400,
  errorCode,
  message,
});

/** Refusals that depend on the pool's state, checked before the patch is applied. */
export function refuseUpdate(pool: Pool, patch: PatchPoolBody): UpdateRefusal | undefined {
  const name = pool.metadata.name;
  const phase = pool.status?.phase;
  if (phase !== 'Running') {
    return refusal(`pool ${name} is not running (phase ${phase ?? 'unknown'})`, ErrorCodes.poolNotRunning);
  }
  const mode = pool.spec.controlMode ?? 0;
  const blocking = patch.spec !== undefined ? SPEC_UPDATE_BLOCKING_BITS : EVERY_UPDATE_BLOCKING_BITS;
  if ((mode & blocking) !== 0) {
    const reasons = CONTROL_MODE_BITS.filter(({ bit }) => (mode & bit & blocking) !== 0).map(
      ({ meaning }) => meaning,
    );
    return refusal(`pool ${name} cannot be updated: ${reasons.join(', ')} (controlMode ${mode})`);
  }
  return undefined;
}

/** Refusals that compare the flavors before and after the patch. */
export function refuseResize(
  pool: Pool,
  before: readonly PoolFlavorResource[],
  after: readonly PoolFlavorResource[],
): UpdateRefusal | undefined {
  const changes = flavorChanges(before, after);
  const grown = changes.filter((change) => change.to > change.from);
  const shrunk = changes.filter((change) => change.to < change.from);
  if (grown.length > 0 && shrunk.length > 0) {
    return refusal(
      `one update cannot grow one flavor and shrink another: grows ${describe(grown)}, shrinks ${describe(shrunk)}`,
    );
  }
  // The console scales a yearly/monthly pool in only by unsubscribing nodes (CBC), never through an update.
  if (shrunk.length > 0 && pool.metadata.annotations?.['os.modelarts/billing.mode'] === '1') {
    return refusal(
      `pool ${pool.metadata.name} is yearly/monthly: scale it in by unsubscribing nodes, not by an update (shrinks ${describe(shrunk)})`,
    );
  }
  return undefined;
}

interface FlavorChange {
  flavor: string;
  from: number;
  to: number;
}

function flavorChanges(
  before: readonly PoolFlavorResource[],
  after: readonly PoolFlavorResource[],
): FlavorChange[] {
  const counts = (resources: readonly PoolFlavorResource[]) =>
    new Map(resources.map((r) => [r.flavor, r.count]));
  const from = counts(before);
  const to = counts(after);
  return [...new Set([...from.keys(), ...to.keys()])].map((flavor) => ({
    flavor,
    from: from.get(flavor) ?? 0,
    to: to.get(flavor) ?? 0,
  }));
}

function describe(changes: FlavorChange[]): string {
  return changes.map(({ flavor, from, to }) => `${flavor} ${from}->${to}`).join(', ');
}

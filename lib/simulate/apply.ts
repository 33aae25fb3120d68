import { mergePatch } from '../modelarts/merge-patch';
import { formatProblems, toFieldProblems } from '../modelarts/schema-error';
import { PatchPoolBodySchema, PoolSchema } from '../modelarts/schemas';
import { refuseResize, type UpdateRefusal } from '../modelarts/update-rules';
import { SimulatorError } from './errors';
import { refuseSoldOut } from './sold-out';
import { copy, reconcile, startJobs, type WorldState } from './world';

// A PATCH body applied to the simulated pool the way the emulator applies it (the same body validation,
// RFC 7396 merge-patch and refusals), after which the nodes move towards the new spec. An update that grows a
// flavor where it is sold out is refused as ModelArts refuses it (lib/simulate/sold-out.ts): the scaler is
// expected to meet that refusal, so patchPool returns it; any other refusal is the scaler's bug, and throws.

export class SimulationError extends SimulatorError {
  override readonly name = 'SimulationError';
}

/** The answer to a PATCH: the state after it, or, refused as sold out, the state unchanged and the refusal. */
export type PatchOutcome =
  | { state: WorldState; refusal?: undefined }
  | { state: WorldState; refusal: UpdateRefusal };

export function patchPool(state: WorldState, body: unknown): PatchOutcome {
  const parsed = PatchPoolBodySchema.safeParse(body);
  if (!parsed.success) {
    throw new SimulationError(
      `the scaler sent an invalid update: ${formatProblems(toFieldProblems(parsed.error.issues))}`,
    );
  }
  const pool = state.pool;
  const merged = PoolSchema.parse({
    ...pool,
    ...(mergePatch({ metadata: pool.metadata, spec: pool.spec }, parsed.data) as object),
  });
  const refusal = refuseResize(pool, pool.spec.resources, merged.spec.resources);
  if (refusal) throw new SimulationError(`ModelArts would refuse the update: ${describeRefusal(refusal)}`);
  const soldOut = refuseSoldOut(pool.spec.resources, merged.spec.resources, state.soldOut, state.now);
  if (soldOut) return { state, refusal: soldOut };
  const next = copy(state);
  next.pool = merged;
  reconcile(next);
  startJobs(next);
  return { state: next };
}

/** patchPool for callers that expect every update to go through: a sold-out refusal throws too. */
export function applyPatch(state: WorldState, body: unknown): WorldState {
  const outcome = patchPool(state, body);
  if (outcome.refusal)
    throw new SimulationError(`ModelArts refused the update: ${describeRefusal(outcome.refusal)}`);
  return outcome.state;
}

const describeRefusal = ({ status, errorCode, message }: UpdateRefusal): string =>
  `${status} ${errorCode}: ${message}`;

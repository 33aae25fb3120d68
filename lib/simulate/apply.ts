import { mergePatch } from '../modelarts/merge-patch';
import { formatProblems, toFieldProblems } from '../modelarts/schema-error';
import { PatchPoolBodySchema, PoolSchema } from '../modelarts/schemas';
import { refuseResize } from '../modelarts/update-rules';
import { SimulatorError } from './errors';
import { copy, reconcile, startJobs, type WorldState } from './world';

// A PATCH body applied to the simulated pool the way the emulator applies it (the same body validation,
// RFC 7396 merge-patch and refusals), after which the nodes move towards the new spec.

export class SimulationError extends SimulatorError {
  override readonly name = 'SimulationError';
}

export function applyPatch(state: WorldState, body: unknown): WorldState {
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
  if (refusal) {
    const { status, errorCode, message } = refusal;
    throw new SimulationError(`ModelArts would refuse the update: ${status} ${errorCode}: ${message}`);
  }
  const next = copy(state);
  next.pool = merged;
  reconcile(next);
  startJobs(next);
  return next;
}

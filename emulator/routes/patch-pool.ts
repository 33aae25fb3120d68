import { ErrorCodes } from '../../lib/modelarts/error-codes';
import { mergePatch } from '../../lib/modelarts/merge-patch';
import { formatProblems, toFieldProblems } from '../../lib/modelarts/schema-error';
import { PatchPoolBodySchema, type Pool, PoolSchema } from '../../lib/modelarts/schemas';
import { refuseResize, refuseUpdate } from '../../lib/modelarts/update-rules';
import { quotaRefusal, soldOutRefusal } from '../capacity';
import { placedResources, placeResize } from '../placement';
import { ApiError, badRequest, type EmulatorState, jsonBody, poolNotFound, type Route } from '../route';

// update-pool.txt requires merge-patch; the official SDKs send application/json, which ModelArts takes too.
const PATCH_MEDIA_TYPES = ['application/merge-patch+json', 'application/json'];

export const patchPool: Route = {
  name: 'patchPool',
  method: 'PATCH',
  path: '/v2/{project_id}/pools/{pool_name}',
  auth: 'modelarts',
  handle({ params, headers, body, state }) {
    const name = params.pool_name as string;
    const pool = state.pools.get(name);
    if (!pool) throw poolNotFound(name);

    const mediaType = (headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    if (!PATCH_MEDIA_TYPES.includes(mediaType)) {
      throw badRequest(
        `Content-Type must be application/merge-patch+json, got "${headers['content-type'] ?? ''}"`,
      );
    }
    const parsed = PatchPoolBodySchema.safeParse(jsonBody(body));
    if (!parsed.success)
      throw badRequest(`invalid update: ${formatProblems(toFieldProblems(parsed.error.issues))}`);

    if (state.pools.capacity.conflictWhileOrder && state.pools.orderRunning(name)) {
      throw new ApiError(
        409,
        ErrorCodes.operationsConflict,
        `pool ${name} has an order in progress, retry later`,
      );
    }
    const refusal = refuseUpdate(pool, parsed.data);
    if (refusal) throw ApiError.refusing(refusal);
    const merged = PoolSchema.safeParse({
      ...pool,
      ...(mergePatch({ metadata: pool.metadata, spec: pool.spec }, parsed.data) as object),
    });
    if (!merged.success) {
      throw badRequest(
        `the update leaves an invalid pool: ${formatProblems(toFieldProblems(merged.error.issues))}`,
      );
    }
    const resizeRefusal = refuseResize(pool, pool.spec.resources, merged.data.spec.resources);
    if (resizeRefusal) throw ApiError.refusing(resizeRefusal);
    const placed = placeOrRefuse(state, pool, merged.data);
    return { status: 200, body: state.pools.update(name, merged.data, placed) };
  },
};

/** Where the resize puts the nodes; a refusal if it needs more than the quota or a sold-out AZ. */
function placeOrRefuse(state: EmulatorState, before: Pool, after: Pool) {
  const name = before.metadata.name;
  const rules = state.pools.capacity;
  const placements = placeResize(state.pools.nodes(name)?.nodes ?? [], after.spec.resources, (flavor, az) =>
    state.flavorStock.soldOut(flavor, az),
  );
  const refusal =
    quotaRefusal(rules, state.pools.all(), before, after.spec.resources) ?? soldOutRefusal(rules, placements);
  if (refusal) {
    // OTC's docs list ScalingFailed among the pool phases; whether a refused scale-out leads there is a rule.
    if (rules.scalingFailed) state.pools.setPhase(name, 'ScalingFailed');
    throw refusal;
  }
  return placedResources(placements);
}

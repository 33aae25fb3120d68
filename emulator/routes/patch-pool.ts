import { mergePatch } from '../../lib/modelarts/merge-patch';
import { formatProblems, toFieldProblems } from '../../lib/modelarts/schema-error';
import { PatchPoolBodySchema, PoolSchema } from '../../lib/modelarts/schemas';
import { refuseResize, refuseUpdate } from '../../lib/modelarts/update-rules';
import { ApiError, badRequest, jsonBody, poolNotFound, type Route } from '../route';

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
    return { status: 200, body: state.pools.update(name, merged.data) };
  },
};

import { randomBytes, randomUUID } from 'node:crypto';
import { ErrorCodes } from '../../lib/modelarts/error-codes';
import { formatProblems, toFieldProblems } from '../../lib/modelarts/schema-error';
import { CreatePoolBodySchema, parsePool } from '../../lib/modelarts/schemas';
import { ApiError, badRequest, jsonBody, type Route } from '../route';

export const createPool: Route = {
  name: 'createPool',
  method: 'POST',
  path: '/v2/{project_id}/pools',
  auth: 'modelarts',
  handle({ body, state }) {
    const parsed = CreatePoolBodySchema.safeParse(jsonBody(body));
    if (!parsed.success)
      throw badRequest(`invalid pool: ${formatProblems(toFieldProblems(parsed.error.issues))}`);
    const { metadata, spec, ...rest } = parsed.data;
    const displayName = metadata.labels['os.modelarts/name'];
    if (state.pools.findByDisplayName(displayName)) {
      throw new ApiError(
        409,
        ErrorCodes.poolExists,
        `Pool already exists: a pool is already named "${displayName}".`,
      );
    }
    // The documented form: the display name and 32 lower-case hex digits.
    const name = `${displayName}-${randomUUID().replaceAll('-', '')}`;
    const pool = parsePool({
      ...rest,
      metadata: {
        name,
        creationTimestamp: new Date(state.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        labels: {
          'os.modelarts/workspace.id': '0',
          ...metadata.labels,
          'os.modelarts/resource.id': `maos-${displayName}-${randomBytes(3).toString('hex').slice(0, 5)}`,
          'os.modelarts/tenant.project.id': state.projectId,
        },
        annotations: { 'os.modelarts/billing.mode': '0', ...metadata.annotations },
      },
      spec,
      status: {
        phase: 'Creating',
        root: name,
        scope: spec.scope.map((scopeType) => ({ scopeType, state: 'Enabling' })),
      },
    });
    return { status: 200, body: state.pools.create(pool) };
  },
};

import type { Pool } from '../../lib/modelarts/schemas';
import { type LabelRequirement, matchesLabels, parseLabelSelector } from '../label-selector';
import { badRequest, type Route } from '../route';

// ListPools' `status` filter speaks of creation outcome, not phase (list-pools.rst Table 2).
const PHASES_BY_STATUS: Record<string, (phase: string | undefined) => boolean> = {
  creating: (phase) => phase === 'Creating' || phase === 'Waiting',
  failed: (phase) => phase === 'CreationFailed' || phase === 'Error',
  created: (phase) => !['Creating', 'Waiting', 'CreationFailed', 'Error'].includes(phase ?? ''),
};

export const listPools: Route = {
  name: 'listPools',
  method: 'GET',
  path: '/v2/{project_id}/pools',
  auth: 'modelarts',
  handle({ query, state }) {
    const workspaceId = query.get('workspaceId') ?? '0';
    const selector = labelRequirements(query.get('labelSelector'));
    const status = query.get('status');
    const statusMatches = status === null ? () => true : PHASES_BY_STATUS[status];
    if (!statusMatches) throw badRequest(`status must be one of created, failed, creating; got "${status}"`);
    const parent = query.get('parent');

    const items = state.pools.all().filter((pool: Pool) => {
      const labels = pool.metadata.labels ?? {};
      // A pool without the label belongs to the default workspace, "0".
      return (
        (labels['os.modelarts/workspace.id'] ?? '0') === workspaceId &&
        matchesLabels(selector, labels) &&
        statusMatches(pool.status?.phase) &&
        (parent === null || (pool.status?.parent ?? '') === parent)
      );
    });
    return { status: 200, body: { kind: 'PoolList', apiVersion: 'v2', items } };
  },
};

function labelRequirements(selector: string | null): LabelRequirement[] {
  if (selector === null) return [];
  try {
    return parseLabelSelector(selector);
  } catch (error) {
    throw badRequest((error as Error).message);
  }
}

import { poolNotFound, type Route } from '../route';

export const getPool: Route = {
  name: 'getPool',
  method: 'GET',
  path: '/v2/{project_id}/pools/{pool_name}',
  auth: 'modelarts',
  handle({ params, state }) {
    const name = params.pool_name as string;
    const pool = state.pools.get(name);
    if (!pool) throw poolNotFound(name);
    return { status: 200, body: pool };
  },
};

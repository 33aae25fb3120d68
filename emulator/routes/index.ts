import type { Route } from '../route';
import { createPool } from './create-pool';
import { getPool } from './get-pool';
import { iamToken } from './iam';
import { listPools } from './list-pools';
import { patchPool } from './patch-pool';
import { workloadRoutes } from './workloads';

/** Every API route the emulator serves. A new route file needs one line here. */
export const routes: readonly Route[] = [
  listPools,
  getPool,
  createPool,
  patchPool,
  iamToken,
  ...workloadRoutes,
];

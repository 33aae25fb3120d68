import type { AdminExtension, Route } from '../route';
import { handleCapacityAdmin } from './capacity';
import { createPool } from './create-pool';
import { handleFlavorsAdmin, listFlavors } from './flavors';
import { getPool } from './get-pool';
import { iamToken } from './iam';
import { listPools } from './list-pools';
import { handleNodesAdmin, nodeRoutes } from './nodes';
import { patchPool } from './patch-pool';
import { handleWorkloadsAdmin, workloadRoutes, workloadsOf } from './workloads';

/** Every API route the emulator serves. A new route file needs one line here. */
export const routes: readonly Route[] = [
  listPools,
  getPool,
  createPool,
  patchPool,
  iamToken,
  ...workloadRoutes,
  ...nodeRoutes,
  listFlavors,
];

/** Admin routes added by route files, tried before the emulator's own /__admin/ routes. */
export const adminExtensions: readonly AdminExtension[] = [
  { handle: handleWorkloadsAdmin, reset: (state) => workloadsOf(state).reset() },
  // Node state and rules are the pool store's, which the emulator resets itself.
  { handle: handleNodesAdmin },
  { handle: handleFlavorsAdmin, reset: (state) => state.flavorStock.reset() },
  // Capacity rules and node faults are the pool store's too.
  { handle: handleCapacityAdmin },
];

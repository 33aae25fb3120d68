// Which workload statuses keep a node busy: shared by the host-IP read and the node model (lib/nodes), and
// free of I/O so that the model stays pure.

/**
 * Workload statuses in which a job holds its nodes (node-apis.md, "Telling that a node is idle"). A status
 * the API adds later is in neither list and counts as holding: see `holdsNodes`.
 */
export const NODE_HOLDING_STATUSES = ['Running', 'Creating', 'Pending', 'Terminating', 'Abnormal'] as const;

/** Statuses in which a job surely holds no node: finished, or not yet scheduled. */
export const NODE_FREE_STATUSES = ['Queue', 'Completed', 'Terminated', 'Failed'] as const;

/** Whether a job in this status keeps its nodes busy. An unknown or missing status does: never guess idle. */
export function holdsNodes(status: string | undefined): boolean {
  return !(NODE_FREE_STATUSES as readonly (string | undefined)[]).includes(status);
}

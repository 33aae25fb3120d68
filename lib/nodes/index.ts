// One model of a pool's individual nodes and the jobs on them, shared by the emulator and the simulator.

export {
  type CountDownNode,
  type CountDownStanding,
  countDownOrder,
} from './count-down';
export {
  busyHostIps,
  busyIps,
  failJobsOn,
  type JobPlacement,
  jobsOn,
  placeJob,
  setJobStatus,
  setJobs,
} from './jobs';
export {
  DEFAULT_AZ,
  emptyNodePool,
  type NewNode,
  orderNodes,
  type ResizeResult,
  resizeNodes,
  settleNodes,
  statusResources,
} from './lifecycle';
export { nodeIp, nodeName } from './naming';
export {
  type DeleteOptions,
  deleteNodesByName,
  drainNodes,
  MAX_DRAIN_NAMES,
  type NodeUpdate,
  undrainNodes,
  updateNode,
} from './operations';
export { describeRefusal, type NodeChange, type NodeRefusal } from './refusals';
export { type SeedOptions, seedNodePool } from './seed';
export { lowerSpecCounts } from './spec';
export { type AzTally, type FlavorTally, tallyNodes } from './tally';
export * from './types';

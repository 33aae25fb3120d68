// The individual nodes of a pool and the jobs placed on them, as plain data. The emulator serves this model over
// HTTP and the simulator can run it directly; every function over it is pure (time comes in as an argument).

/** `status.phase` of a node (node-apis.md; `Checking` comes from the Go SDK). */
export const NODE_PHASES = ['Available', 'Creating', 'Deleting', 'Abnormal', 'Checking'] as const;
export type NodePhase = (typeof NODE_PHASES)[number];

/** Pay-per-use nodes can be deleted by name; yearly/monthly ones leave only by an unsubscribe order. */
export type NodeBilling = 'pay-per-use' | 'yearly-monthly';

export interface PoolNode {
  /** `metadata.name`, e.g. `os-node-created-zlncn`: what batch-drain and batch-delete take. */
  readonly name: string;
  /** `status.privateIp`: what a workload's `hostIps` and `nodes[].hostIp` name. Never reused in a pool. */
  readonly privateIp: string;
  readonly az: string;
  readonly flavor: string;
  readonly phase: NodePhase;
  readonly billing: NodeBilling;
  /** Annotation `os.modelarts.node/lock.action`: refused by batch-drain and batch-delete (not by a count-down). */
  readonly deleteLocked: boolean;
  /** Annotation `os.modelarts.node/drain`: takes no new jobs; jobs already on it keep running. */
  readonly drained: boolean;
  /** When the node was drained (epoch ms). */
  readonly drainedAt?: number;
  /** When the node was ordered (epoch ms). */
  readonly createdAt: number;
  /** When a `Creating` node becomes `Available`, or a `Deleting` one is gone (epoch ms). */
  readonly phaseEndsAt?: number;
}

/** A job as far as nodes are concerned: which nodes it was placed on, and whether it still holds them. */
export interface NodeJob {
  /** The workload's `uid`. */
  readonly id: string;
  readonly flavor: string;
  /** Workload status (`Running`, `Failed`, ...): see `holdsNodes`. */
  readonly status: string;
  /** IPs of the nodes the job was placed on, kept after the job ends or the nodes go. */
  readonly hostIps: readonly string[];
}

/** A pool's nodes and jobs. */
export interface NodePool {
  /** The pool's `metadata.name`: node names derive from it, so two pools do not share names. */
  readonly pool: string;
  /** Oldest first: the order nodes were ordered in. */
  readonly nodes: readonly PoolNode[];
  readonly jobs: readonly NodeJob[];
  /** Counter behind new names and IPs; it only grows, so neither is ever reused. */
  readonly nextSerial: number;
}

/** When a change happens and how long node transitions (creating, deleting) take. */
export interface NodeClock {
  now: number;
  transitionMs: number;
}

export { holdsNodes, NODE_FREE_STATUSES, NODE_HOLDING_STATUSES } from '../modelarts/node-holding';

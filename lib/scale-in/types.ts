// The contract of idle-node scale-in (issue #14): which nodes of a flavor to drain, delete or put back, from the
// planner's count, the node list, the workloads on the nodes' IPs and what the scaler remembers per node. The
// choice is pure (lib/scale-in/choose.ts); the cycle does the reads and writes under the pool's lease, and the
// simulator runs the same choice on its own nodes.

import type { NodeFacts } from '../modelarts/node-facts';
import type { PatchAz } from '../scaling/patch';
import type { AzStrategy } from '../scaling/policy';

/** `idle-nodes`: drain and delete chosen idle nodes by name. `count`: lower the count, the platform picks. */
export type ScaleDownMethod = 'idle-nodes' | 'count';

export interface ScaleInSettings {
  method: ScaleDownMethod;
  /** A node is deletable once idle this long by its own timer (the flavor's window must pass too). */
  idleSeconds: number;
  /** A drain stands this long before the drained node is deleted (default: one cycle interval). */
  drainSeconds: number;
}

/** What the scaler remembers about one node, kept in the pool's history item (written under its lease). */
export interface NodeMemory {
  flavor: string;
  /** First seen idle, on the run of idle readings that is still unbroken (epoch ms). */
  idleSince?: number;
  /** When the scaler drained it: only nodes drained by the scaler are ever deleted or undrained by it. */
  drainedAt?: number;
  /** Without batch-drain: when the node was picked, idle; it is deleted on a second idle read drainSeconds later. */
  pickedAt?: number;
  /** First read Abnormal, on the run of Abnormal readings that is still unbroken (replaceAbnormalAfterSeconds). */
  abnormalSince?: number;
}

/** A pool's scale-in memory: per node name, and the pool-wide stops. */
export interface ScaleInMemory {
  nodes: Record<string, NodeMemory>;
  /** A delete that did not lower the count stops scale-in for the pool until an operator resets it. */
  stopped?: { at: number; flavor: string; nodes: string[]; countBefore: number; countAfter: number };
  /**
   * ModelArts answered a drain, undrain or delete with a conflict (another operation on the pool): scale-in
   * waits until `until`, the wait doubling with each conflict in a row; a write that goes through clears it.
   */
  conflict?: { failures: number; until: number };
  /** When batch-drain was found missing (reported once, then the two-read rule applies). */
  drainUnavailableSince?: number;
  /** When undrain was found missing: drained nodes are then deleted once idle, and growth replaces them. */
  undrainUnavailableSince?: number;
}

/** One flavor the planner wants lower (or that has drained nodes to reuse). */
export interface FlavorScaleIn {
  flavor: string;
  /** spec.resources[].count now. */
  current: number;
  /** What the planner wants; nodes to remove = current - target (0 or less: reuse drained nodes). */
  target: number;
  /**
   * Drain ahead (lib/scaling/drain-ahead.ts): the count to drain down to now, below `target`. Only `target` says
   * how many go; nodes drained beyond it wait for the window, or are put back first when the backlog returns.
   */
  drainTo?: number;
  azStrategy: AzStrategy['type'];
  azsBefore?: PatchAz[];
  /** The planner's split of `target` (used by weighted and backlog as per-AZ quotas). */
  azsAfter?: PatchAz[];
  /** The flavor's own settings, when they differ from the input's (the planner sets them per flavor). */
  idleSeconds?: number;
  drainSeconds?: number;
  /** capacity.replaceAbnormalAfterSeconds: an idle node Abnormal this long is deleted by name (growth replaces it). */
  replaceAbnormalAfterSeconds?: number;
}

export type KeptWhy =
  | 'busy'
  | 'accelerators-busy'
  | 'not-available'
  | 'delete-locked'
  | 'prepaid'
  | 'billing-unknown'
  | 'drained-by-others'
  | 'idle-too-short'
  | 'drain-too-recent'
  | 'drained-ahead'
  | 'az-not-allowed'
  | 'not-needed'
  | 'no-ip'
  | 'abnormal-too-short';

export interface NodeChoice {
  name: string;
  flavor: string;
  az: string | undefined;
  /** How long it has been idle by its own timer (ms), when known. */
  idleMs?: number;
}

export interface KeptNode {
  name: string;
  flavor: string;
  why: KeptWhy;
}

export interface ScaleInChoice {
  drain: NodeChoice[];
  /** Without batch-drain: nodes picked idle this cycle, deleted on a second idle read drainSeconds later. */
  pick: NodeChoice[];
  delete: NodeChoice[];
  undrain: NodeChoice[];
  kept: KeptNode[];
  /** `idle-nodes-short` (fewer deletable idle nodes than wanted, with the counts), `drain-unavailable`, ... */
  reasons: { code: string; message: string }[];
  memory: ScaleInMemory;
}

export interface ScaleInInput {
  now: number;
  settings: ScaleInSettings;
  flavors: FlavorScaleIn[];
  /** Every node of the pool, as listed this cycle. */
  nodes: NodeFacts[];
  /** IPs with a workload that holds a node (lib/modelarts/node-holding.ts), read this cycle. */
  busyIps: ReadonlySet<string>;
  memory: ScaleInMemory;
  /** false once batch-drain answered missing: the two-read rule replaces the drain. */
  drainAvailable: boolean;
  /** false once undrain answered missing: drained nodes are deleted and replaced by growth instead. */
  undrainAvailable: boolean;
}

// The cycle's inputs and results. The steps live beside this file: read-pools, read-backlogs, prepare,
// apply-pool, report; lib/cycle.ts runs them in order.

import type { CapacityMemory } from '../capacity/types';
import type { Config, ConnectionConfig, PoolConfig } from '../config/types';
import type { PushedBacklog } from '../metrics/pushed';
import type { BacklogSourceDeps } from '../metrics/registry';
import type { ModelArtsClient } from '../modelarts/client';
import type { Pool } from '../modelarts/schemas';
import type { KeptNode, NodeChoice } from '../scale-in/types';
import type { Plan, PoolInput, PoolPlan } from '../scaling/plan';
import type { PoolHistory, StateStore } from '../state/store';

export interface DecisionRecord {
  at: number;
  key: string;
  pool: string;
  flavor?: string;
  current?: number;
  /** Nodes of the flavor the pool reports available. */
  available?: number;
  target?: number;
  desired?: number;
  backlog?: number;
  backlogSource?: string;
  action: string;
  reasons: string[];
  outcome: PoolOutcome['status'];
  dryRun: boolean;
  error?: string;
  /** Idle-node scale-in of this flavor: the nodes drained, deleted, put back, and why the others stay. */
  drained?: string[];
  deleted?: string[];
  undrained?: string[];
  kept?: { name: string; why: string }[];
}

export interface CycleDeps {
  /** Built once per cold start by the caller, one per connection name. */
  clients: (connectionName: string) => ModelArtsClient;
  store: StateStore;
  sources?: BacklogSourceDeps;
  now: () => number;
  /** Lease owner id: unique per invocation. */
  owner: string;
  /** One structured record per pool and flavor. */
  log?: (record: DecisionRecord) => void;
  /**
   * The global stop, read again before every write (PATCH, drain, delete) so that a switch turned on during a
   * long cycle stops it within the reader's cache age. True: engaged (or unreadable).
   */
  killSwitch?: () => Promise<boolean>;
  /** When the platform ends this invocation (epoch ms, on `now`'s clock): no attempt may outlive it. */
  invocationEndsAt?: number;
  /**
   * Told what each pool came to once the cycle's outcomes are known (not in a dry run): lib/notify. It bounds
   * its own time and never rejects; the cycle catches anyway, so a failure to notify changes no outcome.
   */
  notify?: (notice: CycleNotice) => Promise<void>;
}

/** What the notifier is told: every pool's outcome, with the plan it settled on and its history as loaded. */
export interface CycleNotice {
  at: number;
  pools: NoticePool[];
  /** When the invocation ends (CycleDeps.invocationEndsAt): the notifier's budget ends before it. */
  endsAt?: number;
}

export interface NoticePool {
  outcome: PoolOutcome;
  /** Absent for a pool that could not be read or whose history could not be loaded. */
  plan?: PoolPlan;
  /** The history as loaded at the start of the cycle (absent: not loaded). */
  loaded?: PoolHistory;
}

/** A pool as a LIST answered it, carried by the invocation (the fan-out message). */
export interface ListedPool {
  connection: string;
  pool: Pool;
  /** When the LIST answered: epoch ms on the sender's clock. */
  listedAt: number;
}

/** A minimum node count for a flavor, carried by the invocation (webhook). */
export interface MinCount {
  pool: string;
  flavor: string;
  minCount: number;
}

/**
 * What an invocation carries besides the pools it names: backlog values that overlay the read ones, and
 * minimum counts. `raiseOnly` is the webhook's rule: what it carries can raise a flavor's backlog and target,
 * never lower them, and it never scales a pool in.
 */
export interface Push {
  /** Names the carrier in decision records: `pushed:<origin>`. */
  origin: string;
  raiseOnly?: boolean;
  backlogs?: PushedBacklog[];
  minCounts?: MinCount[];
}

export interface CycleOptions {
  /** Plan only: no PATCH, no state written. config.dryRun forces it too. */
  dryRun?: boolean;
  /** Only these pool names (worker, webhook, a manual plan of a few pools): read with one GET each. */
  pools?: string[];
  /**
   * With `pools`: those pools as a LIST answered them shortly before (the fan-out message). A pool is planned
   * on its listed answer instead of a GET unless the answer is older than MAX_LISTED_AGE_MS. What may change
   * is still read again under the lease before any write.
   */
  listed?: ListedPool[];
  push?: Push;
  /** The kill switch as read at the start of the invocation (deps.killSwitch is read again before writes). */
  killSwitch?: boolean;
  /** Cancels backlog reads still running (the invocation's deadline). */
  signal?: AbortSignal;
}

export type PoolStatus =
  | 'patched'
  /** Idle-node scale-in: nodes drained (and maybe others deleted or put back) this cycle. */
  | 'drained'
  | 'deleted'
  | 'undrained'
  /** A delete by name did not lower the count: scale-in stopped for the pool (an alarm). */
  | 'count-not-lowered'
  /** The PATCH was refused as sold out or over quota, or answered a conflict: the pool waits (history.capacity). */
  | 'backed-off'
  | 'dry-run'
  | 'unchanged'
  | 'skipped'
  | 'lease-busy'
  | 'lease-lost'
  | 'failed';

export interface PoolOutcome {
  key: string;
  pool: string;
  connection: string;
  status: PoolStatus;
  error?: string;
  /** For a failure from the ModelArts API: the HTTP status and error_code, so callers can react by kind. */
  httpStatus?: number;
  errorCode?: string;
  patch?: PoolPlan['patch'];
  /** Idle-node scale-in: the nodes named this cycle (sent, or for a dry run, to be sent). */
  scaleIn?: ScaleInReport;
}

export interface ScaleInReport {
  drained: NodeChoice[];
  deleted: NodeChoice[];
  undrained: NodeChoice[];
  /** Without batch-drain: picked idle, deleted on a second idle read. */
  picked: NodeChoice[];
  kept: KeptNode[];
}

/** Something worth a warning that fails nothing: a selector that matches no pool, say. */
export interface CycleWarning {
  /** `stock-unknown`: the connection's flavor stock could not be read; its pools grow as if it were unknown. */
  code: 'selector-matches-no-pool' | 'stock-unknown' | 'stuck-creating-unread';
  connection: string;
  message: string;
}

export interface CycleResult {
  at: number;
  dryRun: boolean;
  plan: Plan;
  outcomes: PoolOutcome[];
  warnings: CycleWarning[];
}

/** A pool as read at the start of the cycle: it only tells what may change. */
export interface Snapshot {
  connection: ConnectionConfig;
  poolConfig: PoolConfig;
  pool: Pool;
  key: string;
  readAt: number;
}

export interface Prepared {
  snapshot: Snapshot;
  input: PoolInput;
  /** The history's revision when loaded: saves are conditional on it. */
  revision: number;
  /** What this cycle learnt about capacity before planning (stuck-creating.ts), applied again under the lease. */
  capacityUpdate?: (memory: CapacityMemory | undefined) => CapacityMemory | undefined;
}

export interface Settled {
  outcome: PoolOutcome;
  plan: PoolPlan;
}

export type { Config };

// What a backlog source reports for one (pool, flavor). Times are epoch milliseconds.

/** A reading observed longer ago than this is stale (no scale-down on it), unless the config says otherwise. */
export const DEFAULT_STALE_AFTER_SECONDS = 300;

/**
 * A queued job the planner may find it can never serve (issue #15, `unservable-job`): one that needs more than
 * one node, or is tied to an AZ. `weight` is its share of the backlog's `value` (1 in a backlog counted in jobs,
 * its nodes in one counted in nodes), so that leaving it out takes exactly that much off.
 */
export interface QueuedJob {
  /** The job's name, where the source knows it. */
  name?: string;
  /** Nodes it needs at once. */
  nodes: number;
  /** The AZ it must run in, when the source names one. */
  az?: string;
  weight: number;
}

export interface BacklogValue {
  ok: true;
  /** Queued plus running work, in the unit the flavor's policy is written in (jobs or nodes). */
  value: number;
  /** Per-AZ split of `value`, when the source knows it. */
  perAz?: Record<string, number>;
  observedAt: number;
  /** Queued jobs that need more than one node or a given AZ, when the source lists jobs (modelarts-workloads). */
  jobs?: QueuedJob[];
  /** Where it came from, for decision records: "static", "sqs:queue-name", "pushed:webhook", ... */
  source: string;
}

export interface BacklogFailure {
  ok: false;
  reason: 'failed' | 'stale' | 'missing';
  source: string;
  /** A secret-free description of what went wrong. */
  message: string;
}

export type Backlog = BacklogValue | BacklogFailure;

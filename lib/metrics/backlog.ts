// What a backlog source reports for one (pool, flavor). Times are epoch milliseconds.

/** A reading observed longer ago than this is stale (no scale-down on it), unless the config says otherwise. */
export const DEFAULT_STALE_AFTER_SECONDS = 300;

export interface BacklogValue {
  ok: true;
  /** Queued plus running work, in the unit the flavor's policy is written in (jobs or nodes). */
  value: number;
  /** Per-AZ split of `value`, when the source knows it. */
  perAz?: Record<string, number>;
  observedAt: number;
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

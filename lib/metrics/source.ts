// The port every backlog source implements. A cycle groups requests by query key, reads each query
// once, then picks every request's backlog out of the shared answer.

import type { QueuedJob } from './backlog';

/** Which backlog is wanted: a pool's flavor, optionally narrowed to one AZ. */
export interface BacklogTarget {
  pool: string;
  flavor: string;
  az?: string;
  /** The ModelArts connection the pool belongs to, when the config has several. */
  connection?: string;
  /** What the backlog counts, for sources that can count either (modelarts-workloads). Default jobs. */
  unit?: BacklogUnit;
}

export type BacklogUnit = 'jobs' | 'nodes';

export interface ReadContext {
  /** Aborted when the read times out or the cycle is cancelled. */
  signal: AbortSignal;
  /** Epoch ms at which the cycle reads (an injected clock, so requests are reproducible). */
  now: number;
}

/** What a source knows about one (pool, flavor); `read.ts` narrows it to an AZ and stamps the source. */
export interface SourceReading {
  value: number;
  perAz?: Record<string, number>;
  observedAt: number;
  /** Queued jobs that need more than one node or a given AZ (see BacklogValue.jobs). */
  jobs?: QueuedJob[];
}

export interface BacklogSource<Answer = unknown> {
  readonly type: string;
  /** Targets with equal keys share one read per cycle. */
  queryKey(target: BacklogTarget): string;
  /** Secret-free origin for decision records: "sqs:jobs", "prometheus:prom.internal:9090". */
  describe(target: BacklogTarget): string;
  /** Performs the query for `target`'s key; throws BacklogSourceError. */
  read(target: BacklogTarget, context: ReadContext): Promise<Answer>;
  /** Extracts one target's reading from a shared answer; throws BacklogSourceError. */
  pick(answer: Answer, target: BacklogTarget): SourceReading;
}

// The pool's own job queue as backlog: one paged listing per pool per cycle, split by the jobs'
// flavor, counting queued (Queue, Pending) jobs and every job that holds nodes (Creating, Running,
// Abnormal, Terminating), in jobs or in the nodes they ask for (the request's unit, so flavors counted
// either way still share the pool's listing). Queued jobs that need more than one node, or name an AZ, are
// listed too (BacklogValue.jobs), so that the planner can leave out those the flavor can never run.

import { z } from 'zod';
import { ModelArtsError } from '../../modelarts/errors';
import {
  listAllWorkloads,
  MAX_WORKLOAD_PAGE_SIZE,
  WORKLOAD_STATUSES,
  WORKLOAD_TYPES,
  type Workload,
  type WorkloadStatus,
  type WorkloadsApi,
  workloadNodeCount,
} from '../../modelarts/workloads';
import type { QueuedJob } from '../backlog';
import { BacklogSourceConfigError, BacklogSourceError, describeCause } from '../errors';
import type { BacklogSource, BacklogTarget } from '../source';

/**
 * Queued jobs plus every job still on nodes. Leaving out a state whose jobs hold nodes (a job being
 * created, an abnormal one, one terminating) lets a scale-down go below the nodes in use.
 */
export const DEFAULT_COUNTED_STATUSES = [
  'Queue',
  'Pending',
  'Creating',
  'Running',
  'Abnormal',
  'Terminating',
] as const satisfies readonly WorkloadStatus[];

export const ModelArtsWorkloadsSourceConfigSchema = z.strictObject({
  type: z.literal('modelarts-workloads'),
  statuses: z
    .array(z.enum(WORKLOAD_STATUSES))
    .min(1)
    .default([...DEFAULT_COUNTED_STATUSES])
    .describe(
      `Job states that count as backlog, from ${WORKLOAD_STATUSES.join(', ')}. ` +
        `Default ${DEFAULT_COUNTED_STATUSES.join(', ')}: queued jobs and every job that holds nodes.`,
    ),
  jobTypes: z
    .array(z.enum(WORKLOAD_TYPES))
    .min(1)
    .optional()
    .describe('Only these job types (default: all).'),
  pageSize: z.number().int().min(1).max(MAX_WORKLOAD_PAGE_SIZE).default(MAX_WORKLOAD_PAGE_SIZE),
  maxPages: z
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(20)
    .describe('A pool listing longer than this fails rather than under-counting.'),
});

export type ModelArtsWorkloadsSourceConfig = z.infer<typeof ModelArtsWorkloadsSourceConfigSchema>;

export interface ModelArtsWorkloadsSourceDeps {
  /** The API of the pools' connection: one API, or one per connection name. */
  workloads?: WorkloadsApi | ((connection: string | undefined) => WorkloadsApi | undefined);
}

export interface FlavorBacklog {
  jobs: number;
  /** Sum of the nodes each counted job occupies or asks for. */
  nodes: number;
  /** Counted queued jobs (Queue, Pending) that need more than one node or name an AZ. */
  queued: QueuedWorkload[];
}

/** A queued job the planner may not be able to serve; its weight depends on the unit it is read in. */
export type QueuedWorkload = Omit<QueuedJob, 'weight'>;

/** Jobs waiting for nodes: only these can be demand that never runs. */
const QUEUED_STATUSES: ReadonlySet<string> = new Set<WorkloadStatus>(['Queue', 'Pending']);

/**
 * The AZ a workload is tied to. The workload API documents no such field; a listing that carries a string `az`
 * (a proxy, a later API version) is taken at its word.
 */
const azOf = (workload: Workload): string | undefined => {
  const az = (workload as { az?: unknown }).az;
  return typeof az === 'string' && az !== '' ? az : undefined;
};

function queuedWorkload(workload: Workload, nodes: number): QueuedWorkload | undefined {
  if (!QUEUED_STATUSES.has(workload.status ?? '')) return undefined;
  const az = azOf(workload);
  if (nodes <= 1 && az === undefined) return undefined;
  // jobName is the job as the user named it; name is the Kubernetes job's.
  const name = workload.jobName ?? workload.name;
  return { ...(name !== undefined ? { name } : {}), nodes, ...(az !== undefined ? { az } : {}) };
}

/** Backlog per flavor from a pool's jobs: pure, so the arithmetic is testable on its own. */
export function backlogByFlavor(
  workloads: readonly Workload[],
  statuses: readonly string[],
): Map<string, FlavorBacklog> {
  const counted = new Set(statuses);
  const byFlavor = new Map<string, FlavorBacklog>();
  for (const workload of workloads) {
    if (workload.flavor === undefined || workload.status === undefined || !counted.has(workload.status))
      continue;
    const sums = byFlavor.get(workload.flavor) ?? { jobs: 0, nodes: 0, queued: [] };
    const nodes = workloadNodeCount(workload);
    sums.jobs += 1;
    sums.nodes += nodes;
    const queued = queuedWorkload(workload, nodes);
    if (queued) sums.queued.push(queued);
    byFlavor.set(workload.flavor, sums);
  }
  return byFlavor;
}

const where = (target: BacklogTarget) =>
  target.connection === undefined ? target.pool : `${target.connection}/${target.pool}`;

// The client's errors are secret-free by construction and say what failed; anything else is described by kind.
const describeFailure = (error: unknown) =>
  error instanceof ModelArtsError ? error.message : describeCause(error);

export function createModelArtsWorkloadsSource(
  config: ModelArtsWorkloadsSourceConfig,
  deps: ModelArtsWorkloadsSourceDeps = {},
): BacklogSource<{ byFlavor: Map<string, FlavorBacklog>; readAt: number }> {
  const { workloads } = deps;
  if (!workloads)
    throw new BacklogSourceConfigError('modelarts-workloads source needs deps.workloads (a WorkloadsApi)');
  const apiFor = (target: BacklogTarget) => {
    const api = typeof workloads === 'function' ? workloads(target.connection) : workloads;
    if (!api) throw new BacklogSourceError('modelarts-workloads', where(target), 'no ModelArts connection');
    return api;
  };
  // One state can be filtered by the server, which keeps finished jobs out of the pages.
  const [onlyStatus] = config.statuses.length === 1 ? config.statuses : [];
  return {
    type: 'modelarts-workloads',
    queryKey: where,
    describe: (target) => `modelarts-workloads:${where(target)}`,
    async read(target, { signal, now }) {
      try {
        const jobs = await listAllWorkloads(
          apiFor(target),
          target.pool,
          {
            ...(config.jobTypes ? { type: config.jobTypes } : {}),
            ...(onlyStatus ? { status: onlyStatus } : {}),
            pageSize: config.pageSize,
            maxPages: config.maxPages,
          },
          { signal },
        );
        return { byFlavor: backlogByFlavor(jobs, config.statuses), readAt: now };
      } catch (error) {
        if (error instanceof BacklogSourceError) throw error;
        throw new BacklogSourceError('modelarts-workloads', where(target), describeFailure(error), {
          cause: error,
        });
      }
    },
    pick: ({ byFlavor, readAt }, target) => {
      const sums = byFlavor.get(target.flavor);
      const unit = target.unit ?? 'jobs';
      const jobs = (sums?.queued ?? []).map((job) => ({ ...job, weight: unit === 'nodes' ? job.nodes : 1 }));
      return { value: sums?.[unit] ?? 0, observedAt: readAt, ...(jobs.length > 0 ? { jobs } : {}) };
    },
  };
}

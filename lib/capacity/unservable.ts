// Demand that can never run must not hold nodes (issue #15, `unservable-job`). A queued job that needs more nodes
// than its flavor may ever have, or than the one AZ it is tied to can hold, waits forever; counted as backlog it
// would keep the pool at its maximum with idle nodes. So the planner leaves such jobs out of the backlog, by
// their weight (their share of its value), and reports them. Pure: the backlog comes in checked.

import type { QueuedJob } from '../metrics/backlog';
import { plural } from '../plural';
import type { FlavorPolicy } from '../scaling/policy';
import { type Reason, reason } from '../scaling/reasons';
import type { CheckedBacklog } from '../scaling/target';

/** A flavor's AZ split as the pool's spec lists it. */
type AzCounts = readonly { az: string; count: number }[];

export interface UnservableJob extends QueuedJob {
  /** `over-max`: more nodes than the flavor's max; `over-az`: more than its AZ can hold. */
  why: 'over-max' | 'over-az';
  /** The most nodes the job could get: the flavor's max, or its AZ's cap. */
  limit: number;
}

export interface ServableBacklog {
  /** The backlog without the unservable jobs (the same object when none is). */
  backlog: CheckedBacklog;
  unservable: UnservableJob[];
}

/**
 * The most nodes the flavor can have in `az`. `fixed` never starts an AZ and never empties one, so an AZ in use
 * gets max minus one node for each other AZ in use, and an AZ not in use none; `weighted` never grows an AZ of
 * weight 0 (or absent from the weights); otherwise max.
 */
export function azCap(policy: FlavorPolicy, azs: AzCounts | undefined, az: string): number {
  const strategy = policy.azStrategy;
  if (strategy.type === 'weighted') {
    const weight = Object.hasOwn(strategy.weights, az) ? strategy.weights[az] : undefined;
    return weight !== undefined && weight > 0 ? policy.max : 0;
  }
  if (strategy.type === 'fixed' && azs !== undefined && azs.length > 0) {
    const inUse = azs.filter((entry) => entry.count > 0);
    if (!inUse.some((entry) => entry.az === az)) return 0;
    return Math.max(0, policy.max - (inUse.length - 1));
  }
  return policy.max;
}

/** Why `job` can never run, or undefined when it can. */
function unservable(
  job: QueuedJob,
  policy: FlavorPolicy,
  azs: AzCounts | undefined,
): UnservableJob | undefined {
  if (job.nodes > policy.max) return { ...job, why: 'over-max', limit: policy.max };
  if (job.az === undefined) return undefined;
  const cap = azCap(policy, azs, job.az);
  return job.nodes > cap ? { ...job, why: 'over-az', limit: cap } : undefined;
}

/**
 * The backlog with the jobs the flavor can never run left out: `value` (and the AZ's `perAz` share, for a job
 * tied to an AZ) lowered by each one's weight, never below 0, and no `perAz` share above the new value.
 */
export function leaveOutUnservable(
  backlog: CheckedBacklog,
  policy: FlavorPolicy,
  azs: AzCounts | undefined,
): ServableBacklog {
  if (!backlog.ok || backlog.jobs === undefined || backlog.jobs.length === 0)
    return { backlog, unservable: [] };
  const kept: QueuedJob[] = [];
  const found: UnservableJob[] = [];
  for (const job of backlog.jobs) {
    const why = unservable(job, policy, azs);
    if (why) found.push(why);
    else kept.push(job);
  }
  if (found.length === 0) return { backlog, unservable: [] };
  const value = Math.max(
    0,
    found.reduce((left, job) => left - job.weight, backlog.value),
  );
  const reduced = { ...backlog, value, jobs: kept };
  if (backlog.perAz !== undefined) {
    const perAz = { ...backlog.perAz };
    for (const job of found) {
      if (job.az !== undefined && perAz[job.az] !== undefined)
        perAz[job.az] = Math.max(0, (perAz[job.az] as number) - job.weight);
    }
    for (const az of Object.keys(perAz)) perAz[az] = Math.min(perAz[az] as number, value);
    reduced.perAz = perAz;
  }
  return { backlog: reduced, unservable: found };
}

/** Jobs named in a reason; the rest are counted. */
const LISTED = 5;

const describeJob = (job: UnservableJob): string => {
  const who = job.name === undefined ? 'a job' : job.name;
  return job.why === 'over-max'
    ? `${who} needs ${plural(job.nodes, 'node')}, the flavor's max is ${job.limit}`
    : `${who} needs ${plural(job.nodes, 'node')} in ${job.az}, which can hold at most ${job.limit}`;
};

/** Reason `unservable-job`, naming the jobs (name where known), the nodes each needs and the limit. */
export function unservableReason(flavor: string, jobs: readonly UnservableJob[]): Reason {
  const listed = jobs.slice(0, LISTED).map(describeJob);
  if (jobs.length > LISTED) listed.push(`and ${jobs.length - LISTED} more`);
  return reason(
    'unservable-job',
    `${plural(jobs.length, 'queued job')} of ${flavor} can never run, left out of the backlog: ${listed.join('; ')}`,
  );
}

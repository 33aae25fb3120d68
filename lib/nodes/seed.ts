// A pool's nodes as a seed describes them: its `status.resources` tallies become nodes, and the jobs already
// running lend their host IPs to the nodes of their flavor, so that the workload list and the node list agree.

import { holdsNodes } from '../modelarts/node-holding';
import type { PoolStatusResources } from '../modelarts/schemas';
import { DEFAULT_AZ, emptyNodePool, type NewNode, type NodeState, orderNodes } from './lifecycle';
import { azTallyOf } from './tally';
import type { NodeBilling, NodeClock, NodeJob, NodePhase, NodePool } from './types';

export interface SeedOptions {
  clock: NodeClock;
  billing: NodeBilling;
  /** When the seed's settled nodes were ordered (the pool's creation time). */
  createdAt: number;
  /** Jobs already placed: their host IPs become the flavor's Available nodes' addresses, busy ones first. */
  jobs?: readonly NodeJob[];
}

/**
 * The nodes a seed pool's `status.resources` describes: its Creating and Deleting nodes start their transition
 * at `clock.now`, so they settle `transitionMs` later.
 */
export function seedNodePool(
  pool: string,
  resources: PoolStatusResources | undefined,
  options: SeedOptions,
): NodePool {
  const { clock, billing, createdAt, jobs = [] } = options;
  const ipsByFlavor = seedIps(jobs);
  const phases: [NodeState, NodePhase][] = [
    ['available', 'Available'],
    ['abnormal', 'Abnormal'],
    ['creating', 'Creating'],
    ['deleting', 'Deleting'],
  ];
  const wanted: NewNode[] = [];
  for (const [state, phase] of phases) {
    const inFlight = phase === 'Creating' || phase === 'Deleting';
    for (const entry of resources?.[state] ?? []) {
      if (!entry.flavor) continue;
      for (const [az, count] of Object.entries(azTallyOf(entry, DEFAULT_AZ))) {
        for (let i = 0; i < count; i++) {
          const ip = phase === 'Available' ? ipsByFlavor.get(entry.flavor)?.shift() : undefined;
          wanted.push({
            flavor: entry.flavor,
            az,
            phase,
            billing,
            createdAt: inFlight ? clock.now : createdAt,
            ...(inFlight ? { phaseEndsAt: clock.now + clock.transitionMs } : {}),
            ...(ip === undefined ? {} : { privateIp: ip }),
          });
        }
      }
    }
  }
  return { ...orderNodes(emptyNodePool(pool), wanted), jobs: [...jobs] };
}

/** Per flavor, the distinct host IPs of its jobs, those of jobs still holding nodes first. */
function seedIps(jobs: readonly NodeJob[]): Map<string, string[]> {
  const byFlavor = new Map<string, string[]>();
  const busyFirst = [...jobs].sort((a, b) => Number(holdsNodes(b.status)) - Number(holdsNodes(a.status)));
  for (const job of busyFirst) {
    const ips = byFlavor.get(job.flavor) ?? [];
    for (const ip of job.hostIps) if (!ips.includes(ip)) ips.push(ip);
    byFlavor.set(job.flavor, ips);
  }
  return byFlavor;
}

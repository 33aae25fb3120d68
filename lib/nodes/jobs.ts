// Jobs on nodes: where a new job lands, which nodes a job keeps busy, and what happens to jobs whose nodes go.

import { holdsNodes } from '../modelarts/node-holding';
import { type NodeChange, refuse } from './refusals';
import type { NodeJob, NodePool, PoolNode } from './types';

/**
 * The IPs on which some job holds a node: the one rule for a busy node, which the emulator's pools and the
 * simulator's running jobs both go through.
 */
export function busyHostIps(jobs: readonly Pick<NodeJob, 'status' | 'hostIps'>[]): Set<string> {
  const busy = new Set<string>();
  for (const job of jobs) if (holdsNodes(job.status)) for (const ip of job.hostIps) busy.add(ip);
  return busy;
}

/** The IPs on which some job of the pool holds a node. */
export const busyIps = (pool: NodePool): Set<string> => busyHostIps(pool.jobs);

/** The jobs that hold `node`. */
export function jobsOn(pool: NodePool, node: PoolNode): NodeJob[] {
  return pool.jobs.filter((job) => holdsNodes(job.status) && job.hostIps.includes(node.privateIp));
}

/** Fails every job holding a node at one of `ips`: the job dies with its node. */
export function failJobsOn(pool: NodePool, ips: ReadonlySet<string>): { pool: NodePool; killed: string[] } {
  const killed: string[] = [];
  const jobs = pool.jobs.map((job) => {
    if (!holdsNodes(job.status) || !job.hostIps.some((ip) => ips.has(ip))) return job;
    killed.push(job.id);
    return { ...job, status: 'Failed' };
  });
  return killed.length === 0 ? { pool, killed } : { pool: { ...pool, jobs }, killed };
}

export interface JobPlacement {
  id: string;
  flavor: string;
  status: string;
  /** Place on exactly these nodes (each must be Available, not drained, of the job's flavor). */
  nodeNames?: readonly string[];
  /** Otherwise, on this many nodes (default 1), least busy first. */
  nodeCount?: number;
}

/** Nodes a new job may land on: the scheduler skips drained nodes and anything not Available. */
const schedulable = (node: PoolNode, flavor: string) =>
  node.flavor === flavor && node.phase === 'Available' && !node.drained;

/**
 * Adds a job (replacing one with the same id) on the nodes it names, or on the least busy schedulable nodes of
 * its flavor, oldest first. With fewer such nodes than asked, it takes those there are, sharing nodes with
 * other jobs before it goes without: a job needing more nodes than the pool has is the platform's problem.
 */
export function placeJob(pool: NodePool, placement: JobPlacement): NodeChange {
  const { id, flavor, status, nodeNames } = placement;
  let chosen: PoolNode[];
  if (nodeNames !== undefined) {
    chosen = [];
    for (const name of nodeNames) {
      const node = pool.nodes.find((candidate) => candidate.name === name);
      if (!node) return refuse({ reason: 'unknown-node', node: name });
      if (node.flavor !== flavor) return refuse({ reason: 'wrong-flavor', node: name, flavor });
      if (node.phase !== 'Available')
        return refuse({ reason: 'not-available', node: name, phase: node.phase });
      if (node.drained) return refuse({ reason: 'drained', node: name });
      chosen.push(node);
    }
  } else {
    const load = (node: PoolNode) => jobsOn(pool, node).length;
    chosen = pool.nodes
      .filter((node) => schedulable(node, flavor))
      .map((node, order) => ({ node, order, load: load(node) }))
      .sort((a, b) => a.load - b.load || a.order - b.order)
      .slice(0, placement.nodeCount ?? 1)
      .map(({ node }) => node);
  }
  const job: NodeJob = { id, flavor, status, hostIps: chosen.map((node) => node.privateIp) };
  const jobs = [...pool.jobs.filter((other) => other.id !== id), job];
  return { ok: true, pool: { ...pool, jobs }, killed: [], nodes: chosen };
}

/** Records a job's new status (a job that ends frees its nodes); undefined when no such job. */
export function setJobStatus(pool: NodePool, id: string, status: string): NodePool | undefined {
  if (!pool.jobs.some((job) => job.id === id)) return undefined;
  return { ...pool, jobs: pool.jobs.map((job) => (job.id === id ? { ...job, status } : job)) };
}

/** Replaces every job, placements included, as given. */
export const setJobs = (pool: NodePool, jobs: readonly NodeJob[]): NodePool => ({ ...pool, jobs: [...jobs] });

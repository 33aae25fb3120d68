// A workload document as the node model sees it, and back: the model owns a job's status and placement, the
// workload store owns everything else the list API shows.

import { hostIpsOf, type Workload } from '../lib/modelarts/workloads';
import type { NodeJob } from '../lib/nodes';

/** The model's view of a workload; undefined for one without uid, flavor or status. */
export function nodeJobOf(workload: Workload): NodeJob | undefined {
  const { uid, flavor, status } = workload;
  if (!uid || !flavor || !status) return undefined;
  return { id: uid, flavor, status, hostIps: hostIpsOf(workload) };
}

/** The workload as the API shows it once the model has placed it: its status, `hostIps` and `nodes[].hostIp`. */
export function withPlacement(workload: Workload, job: NodeJob | undefined): Workload {
  if (!job) return workload;
  const nodes = workload.nodes ?? [];
  const slots = Math.max(nodes.length, job.hostIps.length);
  return {
    ...workload,
    status: job.status,
    hostIps: job.hostIps.join(','),
    nodes: Array.from({ length: slots }, (_, i) => {
      const { hostIp: _ip, ...rest } = nodes[i] ?? {};
      const ip = job.hostIps[i];
      return ip === undefined ? rest : { ...rest, hostIp: ip };
    }),
  };
}

export function seedJobs(workloads: Record<string, readonly Workload[]>): Record<string, NodeJob[]> {
  return Object.fromEntries(
    Object.entries(workloads).map(([pool, jobs]) => [
      pool,
      jobs.map(nodeJobOf).filter((job): job is NodeJob => job !== undefined),
    ]),
  );
}

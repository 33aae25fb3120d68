import type { FlavorCount, Pool } from '../modelarts/schemas';
import { NO_AZ, type SimNode, type WorldState } from './world';

// What the scaler sees of the simulated world: the pool as GET would return it, and each flavor's backlog.

export type BacklogUnit = 'jobs' | 'nodes';

/**
 * The pool with status.resources as ModelArts reports it: `creating`, `available` (ready nodes, idle or busy)
 * and `deleting` (nodes being deleted, and draining nodes: the spec no longer counts them).
 */
export function poolView(state: WorldState): Pool {
  const byPhase = { creating: new Map<string, SimNode[]>(), available: new Map(), deleting: new Map() };
  for (const node of state.nodes) {
    const phase = node.phase === 'ready' ? 'available' : node.phase === 'creating' ? 'creating' : 'deleting';
    const list: SimNode[] = byPhase[phase].get(node.flavor) ?? [];
    list.push(node);
    byPhase[phase].set(node.flavor, list);
  }
  const order = state.pool.spec.resources.map((resource) => resource.flavor);
  const resources: Record<string, FlavorCount[]> = {};
  for (const [phase, byFlavor] of Object.entries(byPhase)) {
    const entries = order.flatMap((flavor) => {
      const nodes: SimNode[] = byFlavor.get(flavor) ?? [];
      return nodes.length === 0 ? [] : [flavorCount(flavor, nodes)];
    });
    if (entries.length > 0) resources[phase] = entries;
  }
  return { ...state.pool, status: { ...state.pool.status, phase: 'Running', resources } };
}

function flavorCount(flavor: string, nodes: SimNode[]): FlavorCount {
  const perAz = new Map<string, number>();
  for (const node of nodes) perAz.set(node.az, (perAz.get(node.az) ?? 0) + 1);
  if (perAz.has(NO_AZ)) return { flavor, count: nodes.length };
  const azs = [...perAz.keys()].sort().map((az) => ({ az, count: perAz.get(az) ?? 0 }));
  return { flavor, count: nodes.length, azs };
}

/** Queued plus running work of a flavor, in jobs or in the nodes they ask for. */
export function backlogOf(state: WorldState, flavor: string, unit: BacklogUnit): number {
  const size = (job: number) => (unit === 'jobs' ? 1 : (state.jobs[job]?.nodes ?? 0));
  let backlog = 0;
  for (const job of state.queues[flavor] ?? []) backlog += size(job);
  for (const run of state.running) if (state.jobs[run.job]?.flavor === flavor) backlog += size(run.job);
  return backlog;
}

/**
 * The backlog of a flavor split by AZ, as a source reading per-AZ metrics would report it: work running on the
 * AZ's nodes, and queued work tied to the AZ. Queued work free to run anywhere belongs to no AZ (it is in the
 * flavor's total only), and neither does work on draining nodes, which the spec no longer counts.
 */
export function backlogByAz(state: WorldState, flavor: string, unit: BacklogUnit): Record<string, number> {
  const perAz: Record<string, number> = {};
  const add = (az: string, value: number) => {
    perAz[az] = (perAz[az] ?? 0) + value;
  };
  for (const job of state.queues[flavor] ?? []) {
    const { az, nodes } = state.jobs[job] ?? {};
    if (az !== undefined) add(az, unit === 'jobs' ? 1 : (nodes ?? 0));
  }
  const byId = new Map(state.nodes.map((node) => [node.id, node]));
  for (const run of state.running) {
    if (state.jobs[run.job]?.flavor !== flavor) continue;
    const nodes = run.nodes.map((id) => byId.get(id)).filter((node) => node?.phase === 'ready');
    if (unit === 'jobs') {
      const first = nodes[0];
      if (first !== undefined) add(first.az, 1);
    } else for (const node of nodes) if (node !== undefined) add(node.az, 1);
  }
  return perAz;
}

/** Node counts of a moment, for the chart. */
export interface NodeCounts {
  /** Nodes up: idle, busy, or draining (finishing a job before their deletion). */
  available: number;
  /** Nodes running a job. */
  busy: number;
}

export function nodeCounts(state: WorldState): NodeCounts {
  let available = 0;
  let busy = 0;
  for (const node of state.nodes) {
    if (node.phase === 'ready' || node.phase === 'draining') available++;
    if (node.job !== undefined) busy++;
  }
  return { available, busy };
}

import type { NodeFacts } from '../modelarts/node-facts';
import type { Pool } from '../modelarts/schemas';
import { busyHostIps } from '../nodes/jobs';
import { copy, NO_AZ, removeNodes, type SimNode, startJobs, type WorldState } from './world';

// The simulated nodes as the node API would list them, and the scaler's by-name operations on them: drain,
// undrain and delete. A delete removes exactly the named nodes (with the deletion delay) and lowers the count
// by itself, as the product expects ModelArts to do; a drained node takes no new job.

/** The names and IPs of the simulated nodes: stable, one per node id. */
export const simNodeName = (id: number): string => `sim-node-${id}`;
export const simNodeIp = (id: number): string => `10.${(id >> 16) & 255}.${(id >> 8) & 255}.${id & 255}`;

const API_PHASE: Record<SimNode['phase'], string> = {
  creating: 'Creating',
  ready: 'Available',
  draining: 'Deleting',
  deleting: 'Deleting',
};

/** Every node of the pool as the scale-in choice reads it: pay-per-use, unlocked, with its own IP and AZ. */
export function nodeFactsOf(state: WorldState, startAt: number): NodeFacts[] {
  return state.nodes.map((node) => ({
    name: simNodeName(node.id),
    flavor: node.flavor,
    phase: API_PHASE[node.phase],
    az: node.az === NO_AZ ? undefined : node.az,
    privateIp: simNodeIp(node.id),
    createdAt: startAt + node.requestedAt * 1000,
    drained: node.drained === true,
    deleteLocked: false,
    billing: 'pay-per-use',
    acceleratorsBusy: node.job !== undefined,
    taints: [],
  }));
}

/** The IPs a running job holds, as the workloads read reports them: by the emulator's rule (busyHostIps). */
export function busyIpsOf(state: WorldState): Set<string> {
  return busyHostIps(state.running.map((run) => ({ status: 'Running', hostIps: run.nodes.map(simNodeIp) })));
}

export interface NamedOperations {
  drain: readonly string[];
  undrain: readonly string[];
  delete: readonly string[];
}

/** The state after the scaler's by-name operations; names of nodes no longer there are ignored. */
export function applyNamed(state: WorldState, operations: NamedOperations): WorldState {
  if (operations.drain.length + operations.undrain.length + operations.delete.length === 0) return state;
  const next = copy(state);
  const byName = new Map(next.nodes.map((node) => [simNodeName(node.id), node]));
  const pick = (names: readonly string[]) =>
    names.flatMap((name) => {
      const node = byName.get(name);
      return node === undefined ? [] : [node];
    });
  for (const node of pick(operations.drain)) node.drained = true;
  for (const node of pick(operations.undrain)) delete node.drained;
  const deleted = pick(operations.delete).filter(
    (node) => node.phase === 'ready' || node.phase === 'creating',
  );
  next.pool = withoutNodes(next.pool, deleted);
  removeNodes(next, deleted);
  startJobs(next);
  return next;
}

/** The spec once `nodes` are gone: each flavor's count, and its AZ's, lower by the nodes it loses. */
function withoutNodes(pool: Pool, nodes: readonly SimNode[]): Pool {
  if (nodes.length === 0) return pool;
  const resources = pool.spec.resources.map((resource) => {
    const gone = nodes.filter((node) => node.flavor === resource.flavor);
    if (gone.length === 0) return resource;
    const azs = resource.azs?.map(({ az, count }) => ({
      az,
      count: count - gone.filter((node) => node.az === az).length,
    }));
    const count = resource.count - gone.length;
    return azs === undefined ? { ...resource, count } : { ...resource, count, azs };
  });
  return { ...pool, spec: { ...pool.spec, resources } };
}

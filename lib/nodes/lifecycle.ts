// How a pool's nodes move. A resize (the pool's `spec.resources`) orders new nodes, which turn Available after the
// transition, or removes nodes in an order that ignores the jobs on them (countDownOrder, shared with the
// simulator), failing those jobs: that is what lowering a count lets the platform do. Everything is computed from
// timestamps when read: no timer runs.

import type { FlavorCount, PoolFlavorResource, PoolStatusResources } from '../modelarts/schemas';
import { type CountDownNode, type CountDownStanding, countDownOrder } from './count-down';
import { failJobsOn } from './jobs';
import { nodeIp, nodeName, usedIps } from './naming';
import { type AzTally, azTallyOf, type FlavorTally, spread, tallyNodes } from './tally';
import type { NodeBilling, NodeClock, NodePhase, NodePool, PoolNode } from './types';

/** Where nodes go when neither the spec nor the pool's current nodes name an AZ. */
export const DEFAULT_AZ = 'cn-north-7a';

/** The `status.resources` entries. */
export type NodeState = 'creating' | 'available' | 'abnormal' | 'deleting';

/** Phases of the nodes a pool will have once every transition ends (Deleting nodes are already leaving). */
const PLANNED: ReadonlySet<NodePhase> = new Set(['Available', 'Abnormal', 'Checking', 'Creating']);

export const emptyNodePool = (pool: string): NodePool => ({ pool, nodes: [], jobs: [], nextSerial: 0 });

export interface NewNode {
  flavor: string;
  az: string;
  phase: NodePhase;
  billing: NodeBilling;
  createdAt: number;
  phaseEndsAt?: number;
  /** An address to take instead of the next free one (a seed job's host IP). */
  privateIp?: string;
}

/** Adds nodes, naming them and giving each the next unused address unless it brings its own. */
export function orderNodes(pool: NodePool, wanted: readonly NewNode[]): NodePool {
  const names = new Set(pool.nodes.map((node) => node.name));
  const ips = usedIps(pool);
  let serial = pool.nextSerial;
  const added: PoolNode[] = [];
  for (const { privateIp, ...spec } of wanted) {
    let ip = privateIp;
    if (ip === undefined) {
      while (ips.has(nodeIp(serial))) serial++;
      ip = nodeIp(serial);
    }
    const name = nodeName(pool.pool, serial, names);
    serial++;
    names.add(name);
    ips.add(ip);
    added.push({ ...spec, name, privateIp: ip, deleteLocked: false, drained: false });
  }
  return { ...pool, nodes: [...pool.nodes, ...added], nextSerial: serial };
}

/** Ends every transition due by `now`: created nodes become Available, deleted ones leave the pool. */
export function settleNodes(pool: NodePool, now: number): NodePool {
  const due = (node: PoolNode) => node.phaseEndsAt !== undefined && node.phaseEndsAt <= now;
  if (!pool.nodes.some(due)) return pool;
  const nodes: PoolNode[] = [];
  for (const node of pool.nodes) {
    if (!due(node)) nodes.push(node);
    else if (node.phase === 'Creating') {
      const { phaseEndsAt: _, ...rest } = node;
      nodes.push({ ...rest, phase: 'Available' });
    }
  }
  return { ...pool, nodes };
}

export interface ResizeResult {
  pool: NodePool;
  /** Ids of the jobs that were running on a removed node, now Failed. */
  killed: string[];
  /** Nodes cancelled while being created or now being deleted. */
  removed: PoolNode[];
}

/**
 * Moves the nodes towards `resources` as a count change does: growth orders nodes; shrinkage takes nodes in
 * countDownOrder (nodes still being created, then abnormal ones, then available ones, newest first, whatever runs
 * on them) and fails the jobs there. Flavors missing from `resources` go to 0. A flavor with `azs` is matched AZ by AZ;
 * one without keeps its current spread, growing the emptiest AZ and shrinking the fullest.
 */
export function resizeNodes(
  pool: NodePool,
  resources: readonly PoolFlavorResource[],
  clock: NodeClock,
  billing: NodeBilling,
): ResizeResult {
  const planned = tallyNodes(pool.nodes, (node) => PLANNED.has(node.phase));
  const wanted = new Map(resources.map((resource) => [resource.flavor, resource]));
  const defaultAz = firstAz(planned) ?? DEFAULT_AZ;
  const grow: NewNode[] = [];
  const leaving = new Set<string>();
  const countDown = countDownView(pool.nodes);
  for (const flavor of new Set([...Object.keys(planned), ...wanted.keys()])) {
    const current = planned[flavor] ?? {};
    const resource = wanted.get(flavor);
    const targets = resource?.azs
      ? azTallyOf(resource, DEFAULT_AZ)
      : spread(resource?.count ?? 0, current, defaultAz);
    for (const az of new Set([...Object.keys(current), ...Object.keys(targets)])) {
      const diff = (targets[az] ?? 0) - (current[az] ?? 0);
      for (let i = 0; i < diff; i++) {
        grow.push({
          flavor,
          az,
          phase: 'Creating',
          billing,
          createdAt: clock.now,
          phaseEndsAt: clock.now + clock.transitionMs,
        });
      }
      for (const { node } of countDownOrder(countDown, flavor, az, -diff)) leaving.add(node.name);
    }
  }
  const removed = pool.nodes.filter((node) => leaving.has(node.name));
  const nodes = pool.nodes.flatMap((node): PoolNode[] => {
    if (!leaving.has(node.name)) return [node];
    if (node.phase === 'Creating') return [];
    return [{ ...node, phase: 'Deleting', phaseEndsAt: clock.now + clock.transitionMs }];
  });
  const failed = failJobsOn({ ...pool, nodes }, new Set(removed.map((node) => node.privateIp)));
  return { pool: orderNodes(failed.pool, grow), killed: failed.killed, removed };
}

/** Where each phase stands in a count-down. A Checking node is not usable yet: abnormal. */
const STANDING_OF: Record<NodePhase, CountDownStanding> = {
  Creating: 'creating',
  Available: 'available',
  Abnormal: 'abnormal',
  Checking: 'abnormal',
  Deleting: 'leaving',
};

/** The nodes as a count-down sees them; the list is oldest first, so its index is the creation order. */
const countDownView = (nodes: readonly PoolNode[]): (CountDownNode & { node: PoolNode })[] =>
  nodes.map((node, created) => ({
    flavor: node.flavor,
    az: node.az,
    standing: STANDING_OF[node.phase],
    created,
    node,
  }));

/** Which `status.resources` entry a node counts in. A Checking node is not usable yet: abnormal. */
const STATUS_OF: Record<NodePhase, NodeState> = {
  Creating: 'creating',
  Available: 'available',
  Abnormal: 'abnormal',
  Checking: 'abnormal',
  Deleting: 'deleting',
};

/** `status.resources` as the docs show it: one entry per flavor with its AZ split; empty states left out. */
export function statusResources(pool: NodePool, flavorOrder: readonly string[]): PoolStatusResources {
  const resources: PoolStatusResources = {};
  for (const state of ['creating', 'available', 'abnormal', 'deleting'] as const) {
    const tally = tallyNodes(pool.nodes, (node) => STATUS_OF[node.phase] === state);
    const entries = flavorCounts(tally, flavorOrder);
    if (entries.length > 0) resources[state] = entries;
  }
  return resources;
}

function flavorCounts(tally: FlavorTally, flavorOrder: readonly string[]): FlavorCount[] {
  const rank = (flavor: string) => {
    const index = flavorOrder.indexOf(flavor);
    return index === -1 ? flavorOrder.length : index;
  };
  const flavors = Object.keys(tally).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return flavors.map((flavor) => {
    const azs = Object.entries(tally[flavor] as AzTally)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([az, count]) => ({ az, count }));
    return { flavor, count: azs.reduce((sum, az) => sum + az.count, 0), azs };
  });
}

function firstAz(tally: FlavorTally): string | undefined {
  return Object.values(tally)
    .flatMap((azs) => Object.keys(azs))
    .sort()[0];
}

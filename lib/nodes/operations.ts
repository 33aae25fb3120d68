// Operations on named nodes: batch-drain and batch-delete with the limits node-apis.md documents, and the
// changes an operator makes by hand (lock, billing, phase). All or nothing: a refusal changes nothing.

import { failJobsOn } from './jobs';
import { type NodeChange, type NodeRefusal, refuse } from './refusals';
import type { NodeBilling, NodeClock, NodePhase, NodePool, PoolNode } from './types';

/** batch-drain takes at most 10 nodes per call (BatchDrainPoolNodes). */
export const MAX_DRAIN_NAMES = 10;

/** The named nodes, each once, in the order named; or why the list is refused. */
function namedNodes(pool: NodePool, names: readonly string[], max?: number): PoolNode[] | NodeRefusal {
  const unique = [...new Set(names)];
  if (unique.length === 0) return { reason: 'no-nodes' };
  if (max !== undefined && unique.length > max) return { reason: 'too-many', max, given: unique.length };
  const nodes: PoolNode[] = [];
  for (const name of unique) {
    const node = pool.nodes.find((candidate) => candidate.name === name);
    if (!node) return { reason: 'unknown-node', node: name };
    nodes.push(node);
  }
  return nodes;
}

function withNodes(pool: NodePool, changed: readonly PoolNode[]): NodePool {
  const byName = new Map(changed.map((node) => [node.name, node]));
  return { ...pool, nodes: pool.nodes.map((node) => byName.get(node.name) ?? node) };
}

/**
 * Drains nodes: they take no new jobs, and the jobs on them run on. Each must be running (Available) and not
 * locked; a node drained already stays as it is.
 */
export function drainNodes(pool: NodePool, names: readonly string[], now: number): NodeChange {
  const nodes = namedNodes(pool, names, MAX_DRAIN_NAMES);
  if (!Array.isArray(nodes)) return refuse(nodes);
  for (const node of nodes) {
    if (node.phase !== 'Available')
      return refuse({ reason: 'not-available', node: node.name, phase: node.phase });
    if (node.deleteLocked) return refuse({ reason: 'locked', node: node.name });
  }
  const drained = nodes.map((node) => (node.drained ? node : { ...node, drained: true, drainedAt: now }));
  return { ok: true, pool: withNodes(pool, drained), killed: [], nodes: drained };
}

/** Undoes a drain. No undrain API is documented: the emulator offers this only when told to. */
export function undrainNodes(pool: NodePool, names: readonly string[]): NodeChange {
  const nodes = namedNodes(pool, names, MAX_DRAIN_NAMES);
  if (!Array.isArray(nodes)) return refuse(nodes);
  const undrained = nodes.map(({ drainedAt: _, ...node }) => ({ ...node, drained: false }));
  return { ok: true, pool: withNodes(pool, undrained), killed: [], nodes: undrained };
}

export interface DeleteOptions {
  /** Names per call; undocumented, so unlimited unless set. */
  maxNames?: number;
}

/**
 * Deletes exactly the named nodes: they turn Deleting and leave after the transition, failing the jobs on them
 * (deletion "interrupts jobs on those nodes"). Pay-per-use, unlocked nodes only, and every flavor keeps at least
 * one node. A node already being deleted is left as it is.
 */
export function deleteNodesByName(
  pool: NodePool,
  names: readonly string[],
  clock: NodeClock,
  options: DeleteOptions = {},
): NodeChange {
  const nodes = namedNodes(pool, names, options.maxNames);
  if (!Array.isArray(nodes)) return refuse(nodes);
  for (const node of nodes) {
    if (node.deleteLocked) return refuse({ reason: 'locked', node: node.name });
    if (node.billing !== 'pay-per-use') return refuse({ reason: 'yearly-monthly', node: node.name });
  }
  const going = new Set(nodes.map((node) => node.name));
  for (const flavor of new Set(nodes.map((node) => node.flavor))) {
    const left = pool.nodes.filter(
      (node) => node.flavor === flavor && node.phase !== 'Deleting' && !going.has(node.name),
    );
    if (left.length === 0) return refuse({ reason: 'last-node', flavor });
  }
  const deleting = nodes
    .filter((node) => node.phase !== 'Deleting')
    .map((node): PoolNode => ({ ...node, phase: 'Deleting', phaseEndsAt: clock.now + clock.transitionMs }));
  const failed = failJobsOn(withNodes(pool, deleting), new Set(deleting.map((node) => node.privateIp)));
  return { ok: true, pool: failed.pool, killed: failed.killed, nodes: deleting };
}

/** What an operator can change on a node by hand. */
export interface NodeUpdate {
  deleteLocked?: boolean;
  billing?: NodeBilling;
  /** Transitions (Creating, Deleting) only come from resizes and deletes. */
  phase?: Exclude<NodePhase, 'Creating' | 'Deleting'>;
  drained?: boolean;
}

export function updateNode(pool: NodePool, name: string, update: NodeUpdate, now: number): NodeChange {
  const nodes = namedNodes(pool, [name]);
  if (!Array.isArray(nodes)) return refuse(nodes);
  const [node] = nodes as [PoolNode];
  let changed: PoolNode = { ...node };
  if (update.deleteLocked !== undefined) changed = { ...changed, deleteLocked: update.deleteLocked };
  if (update.billing !== undefined) changed = { ...changed, billing: update.billing };
  if (update.phase !== undefined) {
    if (node.phase === 'Creating' || node.phase === 'Deleting')
      return refuse({ reason: 'not-available', node: name, phase: node.phase });
    changed = { ...changed, phase: update.phase };
  }
  if (update.drained === true && !node.drained) changed = { ...changed, drained: true, drainedAt: now };
  if (update.drained === false) {
    const { drainedAt: _, ...rest } = changed;
    changed = { ...rest, drained: false };
  }
  return { ok: true, pool: withNodes(pool, [changed]), killed: [], nodes: [changed] };
}

// The scaler's per-node memory brought up to this cycle's read: nodes no longer listed are forgotten, idle
// timers start on the first idle read and stop on a busy one, and a drain someone else lifted is no longer ours.

import type { NodeFacts } from '../modelarts/node-facts';
import { readIdle } from './eligibility';
import type { NodeMemory, ScaleInMemory } from './types';

/**
 * The memory of every listed node after this read. Idle timers run only for the flavors being scaled in
 * (`flavors`): a node of another flavor keeps only its drain, so that a flavor's timers start when the planner
 * first wants it lower.
 */
export function refreshMemory(
  memory: ScaleInMemory,
  nodes: readonly NodeFacts[],
  flavors: ReadonlySet<string>,
  busyIps: ReadonlySet<string>,
  now: number,
): Map<string, NodeMemory> {
  const next = new Map<string, NodeMemory>();
  for (const node of nodes) {
    const before = memory.nodes[node.name];
    const entry: NodeMemory = { flavor: node.flavor };
    if (before?.drainedAt !== undefined && node.drained) entry.drainedAt = before.drainedAt;
    // An Abnormal node's idle timer runs too, for the two idle reads its replacement needs.
    const asRead = node.phase === 'Abnormal' ? { ...node, phase: 'Available' } : node;
    if (flavors.has(node.flavor) && readIdle(asRead, busyIps)) {
      entry.idleSince = before?.idleSince ?? now;
      if (before?.pickedAt !== undefined && before.idleSince !== undefined) entry.pickedAt = before.pickedAt;
    }
    if (flavors.has(node.flavor) && node.phase === 'Abnormal')
      entry.abnormalSince = before?.abnormalSince ?? now;
    if (entry.drainedAt !== undefined || entry.idleSince !== undefined || entry.abnormalSince !== undefined)
      next.set(node.name, entry);
  }
  return next;
}

/** The memory as stored: node names in order, so that the same state always saves the same item. */
export function storedMemory(memory: ScaleInMemory, nodes: ReadonlyMap<string, NodeMemory>): ScaleInMemory {
  const sorted: Record<string, NodeMemory> = {};
  for (const name of [...nodes.keys()].sort()) sorted[name] = nodes.get(name) as NodeMemory;
  const stored: ScaleInMemory = { nodes: sorted };
  if (memory.stopped !== undefined) stored.stopped = memory.stopped;
  if (memory.conflict !== undefined) stored.conflict = memory.conflict;
  if (memory.drainUnavailableSince !== undefined) stored.drainUnavailableSince = memory.drainUnavailableSince;
  if (memory.undrainUnavailableSince !== undefined) {
    stored.undrainUnavailableSince = memory.undrainUnavailableSince;
  }
  return stored;
}

// Which nodes of a flavor may leave, read from this cycle's facts and the scaler's memory. Every doubt keeps the
// node: a node the scaler cannot prove idle, its own and deletable by name is never drained or deleted.

import type { NodeFacts } from '../modelarts/node-facts';
import type { KeptWhy, NodeMemory } from './types';

/** Whether the node is idle on this read: Available, no holding workload on its IP, no accelerator taken. */
export function readIdle(node: NodeFacts, busyIps: ReadonlySet<string>): boolean {
  return (
    node.phase === 'Available' &&
    node.privateIp !== undefined &&
    !busyIps.has(node.privateIp) &&
    node.acceleratorsBusy !== true
  );
}

/**
 * Why the node can never be removed by name, whatever its timers say; undefined when it can. Yearly/monthly
 * nodes leave by an unsubscribe order, not by batch-delete; a node whose billing cannot be read might be one,
 * and a delete cannot be taken back, so it is kept too. A node drained by someone else (no drainedAt in the
 * scaler's memory) is theirs to remove or put back.
 */
export function staticKeep(node: NodeFacts, memory: NodeMemory | undefined): KeptWhy | undefined {
  if (node.phase !== 'Available') return 'not-available';
  if (node.privateIp === undefined) return 'no-ip';
  if (node.deleteLocked) return 'delete-locked';
  if (node.billing === 'yearly-monthly') return 'prepaid';
  if (node.billing !== 'pay-per-use') return 'billing-unknown';
  if (node.drained && memory?.drainedAt === undefined) return 'drained-by-others';
  return undefined;
}

/** Why a statically removable node is kept on this read (busy now), or undefined when it is idle. */
export function busyKeep(node: NodeFacts, busyIps: ReadonlySet<string>): KeptWhy | undefined {
  if (node.privateIp !== undefined && busyIps.has(node.privateIp)) return 'busy';
  if (node.acceleratorsBusy === true) return 'accelerators-busy';
  return undefined;
}

/** How long the node has been idle by its own timer (ms), or undefined when it is not idle. */
export function idleMs(memory: NodeMemory | undefined, now: number): number | undefined {
  return memory?.idleSince === undefined ? undefined : now - memory.idleSince;
}

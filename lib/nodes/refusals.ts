// Why the platform refuses a node operation, as data: the emulator turns each into an HTTP answer, the simulator
// counts them.

import type { NodePhase, NodePool, PoolNode } from './types';

export type NodeRefusal =
  | { reason: 'no-nodes' }
  | { reason: 'too-many'; max: number; given: number }
  | { reason: 'unknown-node'; node: string }
  | { reason: 'not-available'; node: string; phase: NodePhase }
  | { reason: 'locked'; node: string }
  | { reason: 'drained'; node: string }
  | { reason: 'wrong-flavor'; node: string; flavor: string }
  | { reason: 'yearly-monthly'; node: string }
  | { reason: 'last-node'; flavor: string };

/** The result of a node operation: the new pool, or the refusal and no change at all. */
export type NodeChange =
  | {
      ok: true;
      pool: NodePool;
      /** Jobs that failed because their node went. */
      killed: readonly string[];
      /** The nodes the operation acted on. */
      nodes: readonly PoolNode[];
    }
  | { ok: false; refusal: NodeRefusal };

export const refuse = (refusal: NodeRefusal): NodeChange => ({ ok: false, refusal });

/** One line saying why; an unknown node reads `"<name>" not found`, as batch-delete's docs write it. */
export function describeRefusal(refusal: NodeRefusal): string {
  switch (refusal.reason) {
    case 'no-nodes':
      return 'no node names given';
    case 'too-many':
      return `at most ${refusal.max} nodes per call, got ${refusal.given}`;
    case 'unknown-node':
      return `"${refusal.node}" not found`;
    case 'not-available':
      return `node ${refusal.node} is not running (phase ${refusal.phase})`;
    case 'locked':
      return `node ${refusal.node} is locked`;
    case 'drained':
      return `node ${refusal.node} is drained and takes no new jobs`;
    case 'wrong-flavor':
      return `node ${refusal.node} is not of flavor ${refusal.flavor}`;
    case 'yearly-monthly':
      return `node ${refusal.node} is billed yearly/monthly: unsubscribe it instead of deleting it`;
    case 'last-node':
      return `the pool must keep at least one node of flavor ${refusal.flavor}`;
  }
}

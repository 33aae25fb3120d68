// Nodes that do not come up (issue #15 fault injection): the next N nodes ordered of a flavor (in one AZ or any)
// either never finish creating (they stay Creating, with their creationTimestamp, until a count-down cancels
// them) or come up Abnormal. Set at start (EmulatorOptions.nodeFaults), from a test (addNodeFault) or over HTTP
// (POST /__admin/node-faults); reset restores the starting faults.

import { z } from 'zod';
import type { NodePool, PoolNode } from '../lib/nodes';

export const NodeFaultSchema = z.strictObject({
  flavor: z.string().min(1),
  /** Only nodes ordered in this AZ; absent: any AZ. */
  az: z.string().min(1).optional(),
  /** How many of the next nodes ordered it takes. */
  count: z.number().int().positive(),
  /** `stuck`: Creating forever; `abnormal`: Abnormal once created. */
  outcome: z.enum(['stuck', 'abnormal']).default('stuck'),
});
export type NodeFault = z.output<typeof NodeFaultSchema>;
export type NodeFaultInput = z.input<typeof NodeFaultSchema>;

export class NodeFaults {
  #queue: NodeFault[] = [];
  /** Nodes (by name: names are unique across pools) that turn Abnormal once created. */
  readonly #abnormal = new Set<string>();

  constructor(private readonly starting: readonly NodeFaultInput[] = []) {
    this.reset();
  }

  reset(): void {
    this.#queue = this.starting.map((fault) => NodeFaultSchema.parse(fault));
    this.#abnormal.clear();
  }

  /** Queues a fault after those waiting; throws a ZodError naming a bad field. */
  add(fault: unknown): NodeFault[] {
    this.#queue.push(NodeFaultSchema.parse(fault));
    return this.pending();
  }

  /** The faults still waiting for nodes. */
  pending(): NodeFault[] {
    return this.#queue.map((fault) => ({ ...fault }));
  }

  /** Applies the waiting faults, in order, to nodes a resize just ordered (those of `pool` not in `before`). */
  ordered(before: NodePool, pool: NodePool): NodePool {
    if (this.#queue.length === 0) return pool;
    const old = new Set(before.nodes.map((node) => node.name));
    const nodes = pool.nodes.map((node) => (old.has(node.name) ? node : this.#strike(node)));
    this.#queue = this.#queue.filter((fault) => fault.count > 0);
    return { ...pool, nodes };
  }

  /** Turns the nodes marked abnormal that have come up (Available) Abnormal. */
  arrived(pool: NodePool): NodePool {
    if (this.#abnormal.size === 0) return pool;
    const due = pool.nodes.filter((node) => node.phase === 'Available' && this.#abnormal.has(node.name));
    if (due.length === 0) return pool;
    for (const node of due) this.#abnormal.delete(node.name);
    const names = new Set(due.map((node) => node.name));
    return {
      ...pool,
      nodes: pool.nodes.map((node) => (names.has(node.name) ? { ...node, phase: 'Abnormal' } : node)),
    };
  }

  #strike(node: PoolNode): PoolNode {
    if (node.phase !== 'Creating') return node;
    const fault = this.#queue.find(
      (candidate) =>
        candidate.count > 0 &&
        candidate.flavor === node.flavor &&
        (candidate.az === undefined || candidate.az === node.az),
    );
    if (!fault) return node;
    fault.count -= 1;
    if (fault.outcome === 'abnormal') {
      this.#abnormal.add(node.name);
      return node;
    }
    const { phaseEndsAt: _, ...stuck } = node;
    return stuck;
  }
}

import type { Pool } from '../lib/modelarts/schemas';
import { type NodeState, nodeStateFromStatus, reconcile, settle, statusResources } from './node-lifecycle';

interface PoolRecord {
  /** The pool as stored; its status.resources is recomputed from `nodes` on every read. */
  doc: Pool;
  nodes: NodeState;
  /** A pool created through the API turns Running at this time; seeded and admin-set phases stay put. */
  runningAt?: number;
}

/** The emulator's pools, with node lifecycle and phase computed lazily from the injected clock. */
export class PoolStore {
  readonly #records = new Map<string, PoolRecord>();

  constructor(
    private readonly seed: readonly Pool[],
    private readonly now: () => number,
    private readonly transitionMs: number,
  ) {
    this.reset();
  }

  /** Back to the seed pools, with their in-flight nodes starting now. */
  reset(): void {
    this.#records.clear();
    for (const pool of this.seed) {
      this.#records.set(pool.metadata.name, {
        doc: structuredClone(pool),
        nodes: nodeStateFromStatus(pool.status?.resources, this.now()),
      });
    }
  }

  /** Every pool, as GET would return it now, in creation order. */
  all(): Pool[] {
    return [...this.#records.keys()].map((name) => this.get(name) as Pool);
  }

  /** The pool as GET would return it now. */
  get(name: string): Pool | undefined {
    const record = this.#settled(name);
    if (!record) return undefined;
    const pool = structuredClone(record.doc);
    const flavors = pool.spec.resources.map((resource) => resource.flavor);
    pool.status = { ...pool.status, resources: statusResources(record.nodes, flavors) };
    return pool;
  }

  findByDisplayName(displayName: string): Pool | undefined {
    for (const name of this.#records.keys()) {
      const pool = this.get(name);
      if (pool?.metadata.labels?.['os.modelarts/name'] === displayName) return pool;
    }
    return undefined;
  }

  /** Adds a pool in phase Creating whose nodes are all being created; it turns Running after the transition. */
  create(doc: Pool): Pool {
    const now = this.now();
    const empty: NodeState = { available: {}, abnormal: {}, ops: [] };
    this.#records.set(doc.metadata.name, {
      doc: structuredClone(doc),
      nodes: reconcile(empty, doc.spec.resources, now),
      runningAt: now + this.transitionMs,
    });
    return this.get(doc.metadata.name) as Pool;
  }

  /** Stores a pool's new metadata and spec and starts moving its nodes towards spec.resources. */
  update(name: string, doc: Pool): Pool | undefined {
    const record = this.#settled(name);
    if (!record) return undefined;
    record.doc = { ...structuredClone(doc), status: record.doc.status };
    record.nodes = reconcile(record.nodes, doc.spec.resources, this.now());
    return this.get(name);
  }

  setControlMode(name: string, controlMode: number): Pool | undefined {
    const record = this.#settled(name);
    if (!record) return undefined;
    record.doc.spec.controlMode = controlMode;
    return this.get(name);
  }

  setPhase(name: string, phase: string): Pool | undefined {
    const record = this.#settled(name);
    if (!record) return undefined;
    record.doc.status = { ...record.doc.status, phase };
    delete record.runningAt;
    return this.get(name);
  }

  #settled(name: string): PoolRecord | undefined {
    const record = this.#records.get(name);
    if (!record) return undefined;
    const now = this.now();
    record.nodes = settle(record.nodes, now, this.transitionMs);
    if (record.runningAt !== undefined && record.runningAt <= now) {
      const scope = record.doc.status?.scope?.map((entry) =>
        entry.state === 'Enabling' ? { ...entry, state: 'Enabled' } : entry,
      );
      record.doc.status = { ...record.doc.status, phase: 'Running', ...(scope ? { scope } : {}) };
      delete record.runningAt;
    }
    return record;
  }
}

import type { Pool } from '../lib/modelarts/schemas';
import type { Workload } from '../lib/modelarts/workloads';
import {
  deleteNodesByName,
  drainNodes,
  emptyNodePool,
  type JobPlacement,
  lowerSpecCounts,
  type NodeBilling,
  type NodeChange,
  type NodeClock,
  type NodeJob,
  type NodePool,
  type NodeUpdate,
  placeJob,
  resizeNodes,
  seedNodePool,
  setJobs,
  settleNodes,
  statusResources,
  undrainNodes,
  updateNode,
} from '../lib/nodes';
import { changeNodeApiRules, DEFAULT_NODE_API_RULES, type NodeApiRules } from './node-rules';
import { seedJobs } from './workload-jobs';

interface PoolRecord {
  /** The pool as stored; its status.resources is recomputed from `nodes` on every read. */
  doc: Pool;
  nodes: NodePool;
  /** A pool created through the API turns Running at this time; seeded and admin-set phases stay put. */
  runningAt?: number;
}

export interface PoolStoreOptions {
  /** Jobs already running when the emulator starts, per pool: the seed nodes take their host IPs. */
  workloads?: Record<string, readonly Workload[]>;
  /** How the node APIs answer where the docs leave it open. */
  rules?: Partial<NodeApiRules>;
}

const billingOf = (pool: Pool): NodeBilling =>
  pool.metadata.annotations?.['os.modelarts/billing.mode'] === '1' ? 'yearly-monthly' : 'pay-per-use';

/** The emulator's pools, with their nodes and phase computed lazily from the injected clock. */
export class PoolStore {
  readonly #records = new Map<string, PoolRecord>();
  readonly #seedJobs: Record<string, NodeJob[]>;
  #rules: NodeApiRules;

  constructor(
    private readonly seed: readonly Pool[],
    private readonly now: () => number,
    private readonly transitionMs: number,
    private readonly options: PoolStoreOptions = {},
  ) {
    this.#seedJobs = seedJobs(options.workloads ?? {});
    this.#rules = this.#startingRules();
    this.reset();
  }

  /** Back to the seed pools, with their in-flight nodes starting now, and to the starting node API rules. */
  reset(): void {
    this.#records.clear();
    this.#rules = this.#startingRules();
    for (const pool of this.seed) {
      const name = pool.metadata.name;
      const created = Date.parse(pool.metadata.creationTimestamp ?? '');
      this.#records.set(name, {
        doc: structuredClone(pool),
        nodes: seedNodePool(name, pool.status?.resources, {
          clock: this.#clock(),
          billing: billingOf(pool),
          createdAt: Number.isNaN(created) ? this.now() : created,
          jobs: this.#seedJobs[name] ?? [],
        }),
      });
    }
  }

  get rules(): NodeApiRules {
    return { ...this.#rules };
  }

  /** Changes some rules; throws (naming the field) on a bad value. */
  setRules(rules: Partial<NodeApiRules>): NodeApiRules {
    this.#rules = changeNodeApiRules(this.#rules, rules);
    return this.rules;
  }

  #startingRules(): NodeApiRules {
    return changeNodeApiRules(DEFAULT_NODE_API_RULES, this.options.rules ?? {});
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
    const { pool: nodes } = resizeNodes(
      emptyNodePool(doc.metadata.name),
      doc.spec.resources,
      this.#clock(),
      billingOf(doc),
    );
    this.#records.set(doc.metadata.name, {
      doc: structuredClone(doc),
      nodes,
      runningAt: now + this.transitionMs,
    });
    return this.get(doc.metadata.name) as Pool;
  }

  /**
   * Stores a pool's new metadata and spec and moves its nodes towards spec.resources, as ModelArts does for a
   * count change: the nodes removed are the platform's pick, and the jobs on them fail.
   */
  update(name: string, doc: Pool): Pool | undefined {
    const record = this.#settled(name);
    if (!record) return undefined;
    record.doc = { ...structuredClone(doc), status: record.doc.status };
    record.nodes = resizeNodes(record.nodes, doc.spec.resources, this.#clock(), billingOf(doc)).pool;
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

  /** The pool's nodes and jobs now; undefined when there is no such pool. */
  nodes(name: string): NodePool | undefined {
    return this.#settled(name)?.nodes;
  }

  drain(name: string, nodeNames: readonly string[]): NodeChange | undefined {
    return this.#change(name, (nodes) => drainNodes(nodes, nodeNames, this.now()));
  }

  undrain(name: string, nodeNames: readonly string[]): NodeChange | undefined {
    return this.#change(name, (nodes) => undrainNodes(nodes, nodeNames));
  }

  /** batch-delete: the named nodes go, and the spec's counts drop with them when the rules say so. */
  deleteNodes(name: string, nodeNames: readonly string[]): NodeChange | undefined {
    const maxNames = this.#rules.maxDeleteNames ?? undefined;
    const change = this.#change(name, (nodes) =>
      deleteNodesByName(nodes, nodeNames, this.#clock(), maxNames === undefined ? {} : { maxNames }),
    );
    const record = this.#records.get(name);
    if (change?.ok && record && this.#rules.deleteLowersCount) {
      record.doc.spec.resources = lowerSpecCounts(record.doc.spec.resources, change.nodes);
    }
    return change;
  }

  setNode(name: string, nodeName: string, update: NodeUpdate): NodeChange | undefined {
    return this.#change(name, (nodes) => updateNode(nodes, nodeName, update, this.now()));
  }

  placeJob(name: string, placement: JobPlacement): NodeChange | undefined {
    return this.#change(name, (nodes) => placeJob(nodes, placement));
  }

  setJobs(name: string, jobs: readonly NodeJob[]): void {
    const record = this.#settled(name);
    if (record) record.nodes = setJobs(record.nodes, jobs);
  }

  #change(name: string, operation: (nodes: NodePool) => NodeChange): NodeChange | undefined {
    const record = this.#settled(name);
    if (!record) return undefined;
    const change = operation(record.nodes);
    if (change.ok) record.nodes = change.pool;
    return change;
  }

  #clock(): NodeClock {
    return { now: this.now(), transitionMs: this.transitionMs };
  }

  #settled(name: string): PoolRecord | undefined {
    const record = this.#records.get(name);
    if (!record) return undefined;
    const now = this.now();
    record.nodes = settleNodes(record.nodes, now);
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

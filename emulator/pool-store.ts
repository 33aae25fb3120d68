import type { Pool, PoolFlavorResource } from '../lib/modelarts/schemas';
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
import { type CapacityRules, changeCapacityRules, DEFAULT_CAPACITY_RULES } from './capacity-rules';
import { type NodeFaultInput, NodeFaults } from './node-faults';
import { changeNodeApiRules, DEFAULT_NODE_API_RULES, type NodeApiRules } from './node-rules';
import { seedJobs } from './workload-jobs';

interface PoolRecord {
  /** The pool as stored; its status.resources is recomputed from `nodes` on every read. */
  doc: Pool;
  nodes: NodePool;
  /** A pool created through the API turns Running at this time; seeded and admin-set phases stay put. */
  runningAt?: number;
  /** The order the last resizing PATCH started. */
  order?: Order;
  /** The nodes the running order will resize to once its nodes start (`orderSeconds` after the PATCH). */
  pending?: PoolFlavorResource[];
}

/** An order (label os.modelarts/order.name): it runs until its nodes have started and finished creating or leaving. */
interface Order {
  name: string;
  /** When its nodes start: the PATCH plus `orderSeconds`. */
  startsAt: number;
  /** The nodes it ordered or removed, once started. */
  nodes: Set<string>;
}

export const ORDER_LABEL = 'os.modelarts/order.name';

export interface PoolStoreOptions {
  /** Jobs already running when the emulator starts, per pool: the seed nodes take their host IPs. */
  workloads?: Record<string, readonly Workload[]>;
  /** How the node APIs answer where the docs leave it open. */
  rules?: Partial<NodeApiRules>;
  /** How a scale-out short of capacity is answered, and the orders PATCHes start. */
  capacity?: Partial<CapacityRules>;
  /** Nodes that will not come up: the next ones ordered of a flavor stay Creating or turn Abnormal. */
  nodeFaults?: readonly NodeFaultInput[];
}

const billingOf = (pool: Pool): NodeBilling =>
  pool.metadata.annotations?.['os.modelarts/billing.mode'] === '1' ? 'yearly-monthly' : 'pay-per-use';

/** The emulator's pools, with their nodes and phase computed lazily from the injected clock. */
export class PoolStore {
  readonly #records = new Map<string, PoolRecord>();
  readonly #seedJobs: Record<string, NodeJob[]>;
  #rules: NodeApiRules;
  #capacity: CapacityRules;
  #orders = 0;
  readonly faults: NodeFaults;

  constructor(
    private readonly seed: readonly Pool[],
    private readonly now: () => number,
    private readonly transitionMs: number,
    private readonly options: PoolStoreOptions = {},
  ) {
    this.#seedJobs = seedJobs(options.workloads ?? {});
    this.#rules = this.#startingRules();
    this.#capacity = this.#startingCapacity();
    this.faults = new NodeFaults(options.nodeFaults);
    this.reset();
  }

  /** Back to the seed pools, with their in-flight nodes starting now, and to the starting node API rules. */
  reset(): void {
    this.#records.clear();
    this.#rules = this.#startingRules();
    this.#capacity = this.#startingCapacity();
    this.faults.reset();
    this.#orders = 0;
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

  get capacity(): CapacityRules {
    return structuredClone(this.#capacity);
  }

  /** Changes some capacity rules; throws (naming the field) on a bad value. */
  setCapacity(rules: unknown): CapacityRules {
    this.#capacity = changeCapacityRules(this.#capacity, rules);
    return this.capacity;
  }

  #startingCapacity(): CapacityRules {
    return changeCapacityRules(DEFAULT_CAPACITY_RULES, this.options.capacity ?? {});
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
    if (record.order && (this.#capacity.keepOrderLabel || this.#running(record)))
      pool.metadata.labels = { ...pool.metadata.labels, [ORDER_LABEL]: record.order.name };
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
    const record: PoolRecord = {
      doc: structuredClone(doc),
      nodes: emptyNodePool(doc.metadata.name),
      runningAt: now + this.transitionMs,
    };
    this.#resize(record, doc.spec.resources, now);
    this.#records.set(doc.metadata.name, record);
    return this.get(doc.metadata.name) as Pool;
  }

  /**
   * Stores a pool's new metadata and spec and moves its nodes towards `placed` (spec.resources with the AZs the
   * emulator picked; default spec.resources), as ModelArts does for a count change: the nodes removed are the
   * platform's pick, and the jobs on them fail. A change of spec.resources starts an order, whose nodes start
   * `orderSeconds` later; a PATCH while one waits replaces what it will resize to.
   */
  update(
    name: string,
    doc: Pool,
    placed: readonly PoolFlavorResource[] = doc.spec.resources,
  ): Pool | undefined {
    const record = this.#settled(name);
    if (!record) return undefined;
    const resized = JSON.stringify(record.doc.spec.resources) !== JSON.stringify(doc.spec.resources);
    record.doc = { ...structuredClone(doc), status: record.doc.status };
    if (!resized) {
      // No new order: the nodes already match, or the waiting order will resize them.
      if (record.pending === undefined) this.#resize(record, placed, this.now());
      return this.get(name);
    }
    const now = this.now();
    record.order = {
      name: this.#orderName(now),
      startsAt: now + this.#capacity.orderSeconds * 1000,
      nodes: new Set(),
    };
    record.pending = [...placed];
    this.#settled(name);
    return this.get(name);
  }

  /** Whether the pool's last order still runs: its nodes have not started, or some still create or leave. */
  orderRunning(name: string): boolean {
    const record = this.#settled(name);
    return record !== undefined && this.#running(record);
  }

  #running(record: PoolRecord): boolean {
    const order = record.order;
    if (!order) return false;
    if (record.pending !== undefined) return true;
    return record.nodes.nodes.some(
      (node) => order.nodes.has(node.name) && (node.phase === 'Creating' || node.phase === 'Deleting'),
    );
  }

  #orderName(now: number): string {
    // Huawei order ids look like CS2305161627JO9SN: a date and a serial. The format is the emulator's.
    const stamp = new Date(now).toISOString().replace(/\D/g, '').slice(2, 12);
    this.#orders += 1;
    return `CS${stamp}${this.#orders.toString(36).toUpperCase().padStart(5, '0')}`;
  }

  /** Resizes the nodes as of `at`, then lets the node faults strike the nodes ordered; returns the nodes touched. */
  #resize(record: PoolRecord, resources: readonly PoolFlavorResource[], at: number): string[] {
    const before = record.nodes;
    const result = resizeNodes(
      before,
      resources,
      { now: at, transitionMs: this.transitionMs },
      billingOf(record.doc),
    );
    record.nodes = this.faults.ordered(before, result.pool);
    const old = new Set(before.nodes.map((node) => node.name));
    return [
      ...record.nodes.nodes.filter((node) => !old.has(node.name)).map((node) => node.name),
      ...result.removed.map((node) => node.name),
    ];
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
    if (record.pending !== undefined && record.order && record.order.startsAt <= now) {
      const touched = this.#resize(record, record.pending, record.order.startsAt);
      for (const node of touched) record.order.nodes.add(node);
      delete record.pending;
    }
    record.nodes = this.faults.arrived(settleNodes(record.nodes, now));
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

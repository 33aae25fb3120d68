// The contract of capacity-aware scaling (issue #15): what the scaler knows about where a flavor can grow. Flavor
// stock comes from GET /v1/{project}/resourceflavors (read once per cycle per connection); backoffs come from
// PATCHes refused as sold out or over quota, and from nodes stuck in Creating. The planner reads both and places
// growth only in AZs that can take it; the cycle and the simulator write the backoffs.

/**
 * `normal` or `soldout` as documented, or a word the API adds later (read as "not known to be in stock"). Defined
 * here, not in lib/modelarts/flavors.ts (which re-exports it), so that the pure core imports nothing from the
 * network client, not even a type (test/architecture.test.ts).
 */
export type AzStock = 'normal' | 'soldout' | (string & {});

/** flavor -> AZ -> stock, as the last stock read gave it. A flavor or AZ it does not name is not known sold out. */
export type FlavorStockMap = Record<string, Record<string, AzStock>>;

/** The AZ key of a flavor as a whole (a change to a flavor that lists no azs): see CapacityMemory.azs. */
export const WHOLE_FLAVOR = '*';

/** Why growth avoids an AZ for a while. */
export type BackoffCause = 'sold-out' | 'quota' | 'stuck-creating';

/**
 * One backoff (cluster-autoscaler's node-group backoff): no growth until `until`; the wait doubles with each
 * failure in a row, and the row is forgotten once `resetSeconds` pass without a failure.
 */
export interface Backoff {
  cause: BackoffCause;
  /** Failures in the current row (1 after the first). */
  failures: number;
  /** Epoch ms: no growth before this. */
  until: number;
  /** Epoch ms of the last failure: the row resets `resetSeconds` after it. */
  lastFailureAt: number;
  /** The error code that caused it (`ModelArts.6716`), or the quota named in the refusal. */
  code?: string;
}

/** What a pool remembers about capacity, kept in its history item (written under its lease). */
export interface CapacityMemory {
  /** flavor -> AZ -> backoff (sold out, stuck creating). */
  azs?: Record<string, Record<string, Backoff>>;
  /** flavor -> backoff in every AZ: quota is per project, not per AZ. */
  quota?: Record<string, Backoff>;
  /**
   * The last PATCH's change: until the pool's status shows it carried out (or `maxNodeProvisionSeconds` pass), the
   * pool counts as in flight and no new change is made. `order` is the label os.modelarts/order.name of the answer.
   */
  order?: { at: number; name?: string; flavors: Record<string, number> };
  /**
   * flavor -> when the pool's status first showed nodes of it Creating, in the run that is still unbroken: once
   * older than `maxNodeProvisionSeconds` the node list is read to find the stuck nodes and their AZs.
   */
  creatingSince?: Record<string, number>;
  /** A PATCH answered with a conflict (409, ModelArts.5044): no change until `until`, doubling in a row. */
  conflict?: { failures: number; until: number };
}

/** The flavor's capacity settings (config `capacity:`, inherited like the rest of the flavor policy). */
export interface CapacitySettings {
  /** Growth avoids AZs known sold out, and AZs in backoff (false: today's behaviour, for comparison). */
  stockAware: boolean;
  backoff: {
    /** The first wait after a failure (cluster-autoscaler: 5 min). */
    initialSeconds: number;
    /** The longest wait (cluster-autoscaler: 30 min). */
    maxSeconds: number;
    /** A row of failures is forgotten this long after the last one (cluster-autoscaler: 3 h). */
    resetSeconds: number;
  };
  /** A node still Creating after this is stuck (cluster-autoscaler's max-node-provision-time, 15 min). */
  maxNodeProvisionSeconds: number;
  /** idle-nodes only: an Abnormal node is deleted by name (and so replaced by growth) after this; absent: never. */
  replaceAbnormalAfterSeconds?: number;
}

export const DEFAULT_CAPACITY: CapacitySettings = {
  stockAware: true,
  backoff: { initialSeconds: 300, maxSeconds: 1800, resetSeconds: 10_800 },
  maxNodeProvisionSeconds: 900,
};

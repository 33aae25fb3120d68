// The StateStore port: what the scaler remembers between cycles. Times are epoch milliseconds.

export interface Recommendation {
  at: number;
  count: number;
}

/** A change the scaler made (or saw made) to a flavor's requested count. */
export interface ScaleEvent {
  at: number;
  from: number;
  to: number;
}

export interface FlavorHistory {
  /** Every recommendation inside the longest stabilization window, oldest first. */
  recommendations: Recommendation[];
  /** Changes inside the longest step-policy period and cooldown, oldest first. */
  events: ScaleEvent[];
}

export interface PoolHistory {
  flavors: Record<string, FlavorHistory>;
  /** When the scaler last PATCHed the pool: a plan made from a pool read before this is out of date. */
  lastPatchAt?: number;
}

export const emptyHistory = (): PoolHistory => ({ flavors: {} });

/** `next` as it should be stored over `stored`: lastPatchAt never moves back. */
export function mergeHistory(stored: PoolHistory | undefined, next: PoolHistory): PoolHistory {
  const lastPatchAt = Math.max(
    stored?.lastPatchAt ?? Number.NEGATIVE_INFINITY,
    next.lastPatchAt ?? Number.NEGATIVE_INFINITY,
  );
  const { lastPatchAt: _ignored, ...rest } = next;
  return Number.isFinite(lastPatchAt) ? { ...rest, lastPatchAt } : rest;
}

export interface StateStore {
  /** The pool's history; an empty history when none is stored. */
  load(poolKey: string): Promise<PoolHistory>;
  /**
   * Store the history. `lastPatchAt` only moves forward: a history without it (or with an older one) keeps
   * the stored value, so a cycle that changed nothing, or saved a history it loaded before another
   * invocation's PATCH, can never erase the record that makes later stale snapshots re-read the pool.
   */
  save(poolKey: string, history: PoolHistory): Promise<void>;
  /**
   * Take the pool's lease for `ttlMs` if it is free, expired, or already held by `owner`.
   * Returns false when another owner holds it. Two concurrent callers never both get true.
   */
  acquireLease(poolKey: string, owner: string, ttlMs: number, now: number): Promise<boolean>;
  /** Release the lease if `owner` holds it; a no-op otherwise. */
  releaseLease(poolKey: string, owner: string): Promise<void>;
}

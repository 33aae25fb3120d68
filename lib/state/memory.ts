import { canTakeLease, checkLeaseRequest, type Lease } from './lease';
import { emptyHistory, mergeHistory, type PoolHistory, type StateStore } from './store';

/** State kept in this process only (tests, one-off dry runs). Copies in and out, so callers cannot alias it. */
export function createMemoryStateStore(): StateStore {
  const histories = new Map<string, PoolHistory>();
  const leases = new Map<string, Lease>();
  return {
    async load(poolKey) {
      const history = histories.get(poolKey);
      return history ? structuredClone(history) : emptyHistory();
    },
    async save(poolKey, history) {
      histories.set(poolKey, structuredClone(mergeHistory(histories.get(poolKey), history)));
    },
    // The check and the set run without an await between them, so racing callers cannot both win.
    async acquireLease(poolKey, owner, ttlMs, now) {
      checkLeaseRequest(owner, ttlMs, now);
      if (!canTakeLease(leases.get(poolKey), owner, now)) return false;
      leases.set(poolKey, { owner, expiresAt: now + ttlMs });
      return true;
    },
    async releaseLease(poolKey, owner) {
      if (leases.get(poolKey)?.owner === owner) leases.delete(poolKey);
    },
  };
}

import {
  canTakeLease,
  checkLeaseRequest,
  checkRevision,
  type HistoryItem,
  readHistoryItem,
  stillHeld,
  takeLease,
} from './lease';
import { loadEach } from './load-many';
import {
  emptyHistory,
  HISTORY_FORMAT,
  type LeaseToken,
  mergeHistory,
  readSharedItem,
  type SharedItem,
  type StateStore,
  type StoredHistory,
} from './store';

/** State kept in this process only (tests, one-off dry runs). Copies in and out, so callers cannot alias it. */
export function createMemoryStateStore(): StateStore & { items: Map<string, HistoryItem> } {
  const items = new Map<string, HistoryItem>();
  const leases = new Map<string, LeaseToken>();
  const shared = new Map<string, SharedItem>();
  const loadOne = (poolKey: string): StoredHistory => {
    const item = items.get(poolKey);
    if (!item) return { history: emptyHistory(), revision: 0 };
    return { history: structuredClone(readHistoryItem(poolKey, item)), revision: item.revision ?? 0 };
  };
  return {
    /** The raw items, for tests that plant a foreign or newer one. */
    items,
    async load(poolKey) {
      return loadOne(poolKey);
    },
    async loadMany(poolKeys) {
      return loadEach(poolKeys, loadOne);
    },
    // The check and the set run without an await between them, so racing savers cannot both win.
    async save(poolKey, history, revision) {
      const item = items.get(poolKey);
      checkRevision(poolKey, item, revision);
      const stored = item ? readHistoryItem(poolKey, item) : undefined;
      const next = (item?.revision ?? 0) + 1;
      items.set(poolKey, {
        format: HISTORY_FORMAT,
        revision: next,
        history: structuredClone(mergeHistory(stored, history)),
      });
      return next;
    },
    async reset(poolKey) {
      items.delete(poolKey);
    },
    async acquireLease(poolKey, owner, ttlMs, now) {
      checkLeaseRequest(owner, ttlMs, now);
      const lease = leases.get(poolKey);
      if (!canTakeLease(lease, owner, now)) return undefined;
      const taken = takeLease(lease, owner, ttlMs, now);
      leases.set(poolKey, taken);
      return { ...taken };
    },
    async fenceLease(poolKey, held, ttlMs, now) {
      checkLeaseRequest(held.owner, ttlMs, now);
      if (!stillHeld(leases.get(poolKey), held, now)) return undefined;
      const renewed = { ...held, expiresAt: now + ttlMs };
      leases.set(poolKey, renewed);
      return { ...renewed };
    },
    async releaseLease(poolKey, owner) {
      const lease = leases.get(poolKey);
      // The version stays behind, so the next holder's lease is a newer one.
      if (lease?.owner === owner) leases.set(poolKey, { ...lease, expiresAt: 0 });
    },
    async loadShared(key) {
      return structuredClone(readSharedItem(shared.get(key)));
    },
    async saveShared(key, value, at) {
      shared.set(key, structuredClone({ value, at }));
    },
  };
}

// The StateStore port: what the scaler remembers between cycles. Times are epoch milliseconds.

import type { CapacityMemory } from '../capacity/types';
import type { BacklogSeries } from '../forecast/series';
import type { ScaleInMemory } from '../scale-in/types';
import type { StateStoreError } from './errors';
import type { NotifiedState } from './notified';

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
  /** 5-minute backlog maxima for the forecast (only with `forecast` set). */
  backlogSeries?: BacklogSeries;
}

export interface PoolHistory {
  flavors: Record<string, FlavorHistory>;
  /** When the scaler last PATCHed the pool (or tried to: a PATCH that timed out may have been applied). */
  lastPatchAt?: number;
  /** Idle-node scale-in: per-node idle timers and drains, and the pool-wide stops (format 2). */
  scaleIn?: ScaleInMemory;
  /** Capacity backoffs (sold out, quota, stuck creating) and the change in flight (format 3). */
  capacity?: CapacityMemory;
  /** What the last notifications said about the pool (lib/notify), so a stuck pool is not announced every cycle (format 3). */
  notified?: NotifiedState;
}

/**
 * A history as stored. `revision` counts the item's saves (0: nothing stored), so that a save can be made
 * conditional on the item being unchanged since it was loaded: two invocations never overwrite each other's
 * scale events.
 */
export interface StoredHistory {
  history: PoolHistory;
  revision: number;
}

/**
 * The format of the history items this version writes. An item of a newer format (written by a newer version
 * running side by side during a deploy) is neither read nor overwritten: that pool fails alone until the
 * deploy completes.
 */
export const HISTORY_FORMAT = 3;

/** The formats this version reads: 1 is 2 without scale-in memory, 2 is 3 without capacity memory. */
export const READABLE_HISTORY_FORMATS: readonly number[] = [1, 2, 3];

/** A lease as its holder knows it. `version` grows each time the lease is taken, so a holder whose lease
 * expired and was taken by another can tell, even if it was the same owner id. */
export interface LeaseToken {
  owner: string;
  version: number;
  /** Epoch ms; the lease is free once `now` is past it. */
  expiresAt: number;
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

/**
 * A value several invocations share for a short while (a connection's flavor stock, read once and used by every
 * fanned-out worker for 60 s). The store keeps whatever it was given; the reader validates it, since another
 * version of the scaler may have written the item.
 */
export interface SharedItem {
  value: unknown;
  /** Epoch ms: when the value was read from its source (the reader decides how old is too old). */
  at: number;
}

/** What loadMany returns: each key's history, or the error that kept it from being read. */
export type LoadedHistories = Map<string, StoredHistory | StateStoreError>;

export interface StateStore {
  /**
   * The pool's history and its revision; an empty history at revision 0 when none is stored. Throws a
   * HistoryItemError (naming the item) for an item it cannot read: a foreign shape or a newer format.
   */
  load(poolKey: string): Promise<StoredHistory>;
  /**
   * Several pools' histories at once, as `load` would return each (the DynamoDB store reads up to 100 per
   * request). Never rejects for a backend failure: each key maps to its history or to the error that kept it
   * from being read (a HistoryItemError for an unreadable item, a StateStoreError when the read failed), so
   * that one bad item or one failed request fails only the pools it concerns.
   */
  loadMany(poolKeys: readonly string[]): Promise<LoadedHistories>;
  /**
   * Store the history if the item is still at `revision` (0: no item yet), and return the new revision;
   * throws HistoryConflictError when another writer saved in between, HistoryItemError when the item has a
   * newer format. `lastPatchAt` only moves forward. Without `revision` the save is unconditional (tools
   * and tests; the cycle always passes one).
   */
  save(poolKey: string, history: PoolHistory, revision?: number): Promise<number>;
  /** Remove the pool's history item, whatever it holds (`state reset`). */
  reset(poolKey: string): Promise<void>;
  /**
   * Take the pool's lease for `ttlMs` if it is free, expired, or already held by `owner`; each take gives a
   * new version. Returns undefined when another owner holds it. Two concurrent callers never both get one.
   */
  acquireLease(poolKey: string, owner: string, ttlMs: number, now: number): Promise<LeaseToken | undefined>;
  /**
   * The fence before a write: a conditional write that succeeds only while `lease` (owner and version) is
   * still held and unexpired at `now`; it extends the lease to `now + ttlMs`. Undefined: the lease was lost.
   */
  fenceLease(poolKey: string, lease: LeaseToken, ttlMs: number, now: number): Promise<LeaseToken | undefined>;
  /** Release the lease if `owner` holds it; a no-op otherwise. */
  releaseLease(poolKey: string, owner: string): Promise<void>;
  /** The shared item under `key` (e.g. `stock#<connection>`); undefined when none, or when it is not one. */
  loadShared(key: string): Promise<SharedItem | undefined>;
  /** Replace the shared item under `key` (last writer wins: every writer read the same source). */
  saveShared(key: string, value: unknown, at: number): Promise<void>;
}

/** A stored shared item as a SharedItem, or undefined for anything else (a foreign or half-written item). */
export function readSharedItem(raw: unknown): SharedItem | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const { value, at } = raw as { value?: unknown; at?: unknown };
  return typeof at === 'number' && Number.isFinite(at) && value !== undefined ? { value, at } : undefined;
}

// Lease and history-item rules shared by the stores that decide in process (memory, file); DynamoDB states
// the same rules as condition expressions.

import { HistoryConflictError, HistoryItemError } from './errors';
import { PoolHistorySchema } from './history-schema';
import { HISTORY_FORMAT, type LeaseToken, type PoolHistory, READABLE_HISTORY_FORMATS } from './store';

/** Free, expired, or already held by `owner` (re-entrant). A lease is held up to and including expiresAt. */
export const canTakeLease = (lease: LeaseToken | undefined, owner: string, now: number): boolean =>
  lease === undefined || lease.expiresAt < now || lease.owner === owner;

/** The lease after `owner` takes it: always a new version. */
export const takeLease = (
  lease: LeaseToken | undefined,
  owner: string,
  ttlMs: number,
  now: number,
): LeaseToken => ({
  owner,
  version: (lease?.version ?? 0) + 1,
  expiresAt: now + ttlMs,
});

/** Whether `held` is still the stored lease, unexpired at `now`. */
export const stillHeld = (stored: LeaseToken | undefined, held: LeaseToken, now: number): boolean =>
  stored !== undefined &&
  stored.owner === held.owner &&
  stored.version === held.version &&
  stored.expiresAt >= now;

export function checkLeaseRequest(owner: string, ttlMs: number, now: number): void {
  if (owner.length === 0) throw new RangeError('lease owner must not be empty');
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new RangeError(`lease ttlMs must be > 0 (got ${ttlMs})`);
  if (!Number.isFinite(now)) throw new RangeError(`lease time must be a finite epoch ms (got ${now})`);
}

/** A stored history item as the in-process stores keep it. */
export interface HistoryItem {
  format?: number | undefined;
  revision?: number | undefined;
  history: unknown;
}

/** The item's history, or a HistoryItemError naming the pool. */
export function readHistoryItem(poolKey: string, item: HistoryItem): PoolHistory {
  checkFormat(poolKey, item.format);
  const parsed = PoolHistorySchema.safeParse(item.history);
  if (!parsed.success)
    throw new HistoryItemError(poolKey, 'has an unexpected shape', { cause: parsed.error });
  return parsed.data;
}

export function checkFormat(poolKey: string, format: unknown): void {
  if (format === undefined || (typeof format === 'number' && READABLE_HISTORY_FORMATS.includes(format)))
    return;
  const problem =
    typeof format === 'number' && format > HISTORY_FORMAT
      ? `was written by a newer version (format ${format}; this version reads format ${HISTORY_FORMAT}); left untouched`
      : 'has an unknown format';
  throw new HistoryItemError(poolKey, problem);
}

/** The revision check of a conditional save; `expected` undefined saves unconditionally. */
export function checkRevision(
  poolKey: string,
  item: HistoryItem | undefined,
  expected: number | undefined,
): void {
  if (item !== undefined) checkFormat(poolKey, item.format);
  if (expected === undefined) return;
  if ((item?.revision ?? 0) !== expected) throw new HistoryConflictError(poolKey, expected);
}

// Lease rules shared by the stores that decide in process (memory, file); DynamoDB states the same rule as a
// condition expression.

export interface Lease {
  owner: string;
  /** Epoch ms; the lease is free once `now` is past it. */
  expiresAt: number;
}

/** Free, expired, or already held by `owner` (re-entrant). A lease is held up to and including expiresAt. */
export const canTakeLease = (lease: Lease | undefined, owner: string, now: number): boolean =>
  lease === undefined || lease.expiresAt < now || lease.owner === owner;

export function checkLeaseRequest(owner: string, ttlMs: number, now: number): void {
  if (owner.length === 0) throw new RangeError('lease owner must not be empty');
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new RangeError(`lease ttlMs must be > 0 (got ${ttlMs})`);
  if (!Number.isFinite(now)) throw new RangeError(`lease time must be a finite epoch ms (got ${now})`);
}

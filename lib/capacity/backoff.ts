// Backoff arithmetic, as cluster-autoscaler does it for a node group: 5 minutes after a failure, doubling with
// each failure in a row up to 30, and the row forgotten after 3 hours without one (all configurable). Pure: the
// cycle and the simulator record failures with it, the planner asks it what is blocked.

import type { Backoff, BackoffCause, CapacitySettings } from './types';

/** The backoff after one more failure at `now`, continuing the row of `previous` unless it was reset. */
export function nextBackoff(
  previous: Backoff | undefined,
  cause: BackoffCause,
  now: number,
  settings: CapacitySettings['backoff'],
  code?: string,
): Backoff {
  const continues = previous !== undefined && now - previous.lastFailureAt < settings.resetSeconds * 1000;
  const failures = continues ? previous.failures + 1 : 1;
  const waitSeconds = Math.min(settings.initialSeconds * 2 ** (failures - 1), settings.maxSeconds);
  const next: Backoff = { cause, failures, until: now + waitSeconds * 1000, lastFailureAt: now };
  if (code !== undefined) next.code = code;
  return next;
}

/** Whether the backoff still blocks growth at `now`. */
export const blocks = (backoff: Backoff | undefined, now: number): backoff is Backoff =>
  backoff !== undefined && now < backoff.until;

/** Whether the backoff's row is over (kept until then, so that the next failure doubles the wait). */
export const expired = (backoff: Backoff, now: number, settings: CapacitySettings['backoff']): boolean =>
  now >= backoff.until && now - backoff.lastFailureAt >= settings.resetSeconds * 1000;

// The wait after ModelArts answers a write with a conflict (409, ModelArts.5044: another operation on the pool is
// still running): a minute, doubling with each conflict in a row up to 15. Pure: scale-in (node writes) and
// PATCHes keep their own rows of it, in the cycle and the simulator.

/** First wait after a conflict; it doubles with each conflict in a row, up to CONFLICT_BACKOFF_MAX_MS. */
export const CONFLICT_BACKOFF_MS = 60_000;
export const CONFLICT_BACKOFF_MAX_MS = 15 * 60_000;

export interface ConflictWait {
  failures: number;
  until: number;
}

/** The wait after one more conflict at `now`, continuing the row of `previous`. */
export function nextConflict(previous: ConflictWait | undefined, now: number): ConflictWait {
  const failures = (previous?.failures ?? 0) + 1;
  return {
    failures,
    until: now + Math.min(CONFLICT_BACKOFF_MS * 2 ** (failures - 1), CONFLICT_BACKOFF_MAX_MS),
  };
}

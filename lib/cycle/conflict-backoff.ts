// ModelArts' answer when another operation on the pool is still running (409, ModelArts.5044): the write waits a
// minute, doubling with each conflict in a row up to 15. Scale-in (node writes) and PATCHes keep their own rows.

import { ErrorCodes } from '../modelarts/error-codes';
import { ModelArtsApiError } from '../modelarts/errors';

/** First wait after a conflict; it doubles with each conflict in a row, up to CONFLICT_BACKOFF_MAX_MS. */
export const CONFLICT_BACKOFF_MS = 60_000;
export const CONFLICT_BACKOFF_MAX_MS = 15 * 60_000;

export interface ConflictWait {
  failures: number;
  until: number;
}

export const isConflict = (error: unknown): error is ModelArtsApiError =>
  error instanceof ModelArtsApiError &&
  (error.status === 409 || error.errorCode === ErrorCodes.operationsConflict);

/** The wait after one more conflict at `now`, continuing the row of `previous`. */
export function nextConflict(previous: ConflictWait | undefined, now: number): ConflictWait {
  const failures = (previous?.failures ?? 0) + 1;
  return {
    failures,
    until: now + Math.min(CONFLICT_BACKOFF_MS * 2 ** (failures - 1), CONFLICT_BACKOFF_MAX_MS),
  };
}

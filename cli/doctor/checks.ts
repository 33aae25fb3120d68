// What one doctor check found, and how a failed call reads as one: refused (403), missing (the API is not
// there), failed (anything else), while an answer that came back but does not parse still proves the permission.

import {
  ModelArtsApiError,
  ModelArtsError,
  NodeApiMissingError,
  RetryBudgetExceededError,
} from '../../lib/modelarts';
import { ErrorCodes } from '../../lib/modelarts/error-codes';

export type CheckStatus = 'ok' | 'warn' | 'refused' | 'missing' | 'failed' | 'skipped';

export interface CheckResult {
  /** `permission`, `parse`, `clock`, `probe`. */
  area: string;
  /** What was checked: `pool get`, `batch-drain`, `node list`, ... */
  name: string;
  status: CheckStatus;
  reason: string;
  /**
   * Whether the autoscaler depends on this check: a needed check that is refused, missing or failed makes the
   * exit code 1. A missing batch-drain is not needed (the cycle falls back), nor is the flavor stock (unknown stock fails nothing).
   */
  needed: boolean;
}

const FAILING: readonly CheckStatus[] = ['refused', 'missing', 'failed'];

export const isFailing = (check: CheckResult) => check.needed && FAILING.includes(check.status);

export const check = (
  area: string,
  name: string,
  status: CheckStatus,
  reason: string,
  needed = true,
): CheckResult => ({ area, name, status, reason, needed });

/** The API error behind `error`, looking through a retry that gave up. */
export function apiErrorOf(error: unknown): ModelArtsApiError | undefined {
  const inner = error instanceof RetryBudgetExceededError ? error.cause : error;
  return inner instanceof ModelArtsApiError ? inner : undefined;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** A 2xx answer that does not have the expected shape: the call itself was allowed. */
export const isBadAnswer = (error: unknown) => error instanceof ModelArtsError && error.kind === 'response';

/** The status a failed call earns: 403 refused, an API the gateway does not know missing, the rest failed. */
export function classifyFailure(error: unknown): { status: CheckStatus; reason: string } {
  const api = apiErrorOf(error);
  const reason = messageOf(error);
  if (!api) return { status: 'failed', reason };
  if (api.status === 403) return { status: 'refused', reason };
  if (api.status === 401) return { status: 'failed', reason: `credentials rejected: ${reason}` };
  if (api instanceof NodeApiMissingError || api.errorCode === ErrorCodes.noSuchApi)
    return { status: 'missing', reason };
  if (api.status === 404 && api.errorCode === ErrorCodes.poolNotFound)
    return { status: 'failed', reason: `the pool does not exist: ${reason}` };
  if (api.status === 404) return { status: 'missing', reason };
  return { status: 'failed', reason };
}

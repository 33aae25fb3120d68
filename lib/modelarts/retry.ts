// Retry loop for Pool API calls: exponential backoff with full jitter, Retry-After, an attempt limit and
// a wait budget.
//
// Why not ky's built-in retry: it sleeps with a real setTimeout (no clock/sleep/random injection, so
// tests would have to wait), it has no cumulative wait budget (`totalTimeout` also counts request time
// and ends in a TimeoutError instead of "gave up"), it caps Retry-After with a fixed `maxRetryAfter`
// rather than the remaining budget, and it replays the same Request, while AK/SK needs a fresh
// X-Sdk-Date signature for every attempt. So ky runs single attempts (retry limit 0) and this loop
// decides whether, and when, to try again.

import { ModelArtsApiError, ModelArtsError, RetryBudgetExceededError } from './errors';

export interface RetryPolicy {
  /** Retries after the first attempt (so at most `limit + 1` attempts). */
  limit: number;
  baseDelayMs: number;
  /** Cap of one computed backoff delay. */
  maxDelayMs: number;
  /** Cap of the total time one call may spend waiting between attempts. */
  budgetMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  limit: 4,
  baseDelayMs: 200,
  maxDelayMs: 5000,
  budgetMs: 20_000,
};

/**
 * Full-jitter backoff (AWS architecture blog, "Exponential Backoff And Jitter"): a uniform draw in
 * [0, min(maxDelayMs, baseDelayMs * 2^(retry-1))). `retry` counts from 1; `random` returns [0, 1).
 */
export function backoffDelay(retry: number, policy: RetryPolicy, random: () => number): number {
  const exponent = Math.max(0, retry - 1);
  // 2^exponent overflows to Infinity for large retries; Math.min still yields the cap.
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** exponent);
  const draw = Math.min(Math.max(random(), 0), 1);
  return Math.min(Math.floor(draw * ceiling), policy.maxDelayMs);
}

/**
 * `Retry-After` as milliseconds from `nowMs`: delta-seconds or an HTTP-date (a date in the past is 0).
 * Anything else is ignored (undefined) so that a garbled header falls back to computed backoff.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // Only accept what looks like an HTTP-date; Date.parse alone would take "5" or "2024" as a date.
  if (!/^[A-Za-z]{3,9},? /.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

export interface RetryDecision {
  retry: boolean;
  /** Wait before the next attempt (when `retry`). */
  delayMs: number;
  /** Why not (when `!retry`). */
  reason?: 'limit' | 'budget';
}

/**
 * Pure decision for one failed, retryable attempt. `retry` is the number the next retry would have
 * (1 for the first retry). A server-given Retry-After replaces the computed backoff and is not capped by
 * `maxDelayMs`, only by what is left of the budget; the budget is never overspent.
 */
export function decideRetry(input: {
  retry: number;
  waitedMs: number;
  retryAfterMs?: number;
  policy: RetryPolicy;
  random: () => number;
}): RetryDecision {
  const { retry, waitedMs, retryAfterMs, policy, random } = input;
  if (retry > policy.limit) return { retry: false, delayMs: 0, reason: 'limit' };
  const remaining = policy.budgetMs - waitedMs;
  if (remaining <= 0) return { retry: false, delayMs: 0, reason: 'budget' };
  const wanted = retryAfterMs ?? backoffDelay(retry, policy, random);
  return { retry: true, delayMs: Math.min(Math.max(0, wanted), remaining) };
}

export interface RetryHooks {
  policy: RetryPolicy;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  /** Whether this error may be retried; default: a ModelArtsError marked retryable. */
  isRetryable?: (error: unknown) => boolean;
  /** Server-requested delay; default: `retryAfterMs` of a ModelArtsApiError. */
  retryAfterMs?: (error: unknown) => number | undefined;
}

const defaultIsRetryable = (error: unknown) => error instanceof ModelArtsError && error.retryable;
const defaultRetryAfter = (error: unknown) =>
  error instanceof ModelArtsApiError ? error.retryAfterMs : undefined;

/**
 * Runs `attempt` until it succeeds, fails with a non-retryable error (rethrown as is), or retries run out
 * (RetryBudgetExceededError with the last error as cause). `attempt` receives the retry number (0 first).
 */
export async function withRetry<T>(attempt: (retry: number) => Promise<T>, hooks: RetryHooks): Promise<T> {
  const isRetryable = hooks.isRetryable ?? defaultIsRetryable;
  const retryAfterOf = hooks.retryAfterMs ?? defaultRetryAfter;
  let waitedMs = 0;
  for (let retry = 0; ; retry++) {
    try {
      return await attempt(retry);
    } catch (error) {
      if (!isRetryable(error)) throw error;
      const retryAfterMs = retryAfterOf(error);
      const decision = decideRetry({
        retry: retry + 1,
        waitedMs,
        policy: hooks.policy,
        random: hooks.random,
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      });
      if (!decision.retry) {
        throw new RetryBudgetExceededError(error, {
          reason: decision.reason ?? 'limit',
          attempts: retry + 1,
          waitedMs,
        });
      }
      await hooks.sleep(decision.delayMs);
      waitedMs += decision.delayMs;
    }
  }
}

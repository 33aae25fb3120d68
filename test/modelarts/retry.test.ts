import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ModelArtsApiError,
  ModelArtsNetworkError,
  ModelArtsTimeoutError,
  RetryBudgetExceededError,
} from '../../lib/modelarts/errors';
import {
  backoffDelay,
  DEFAULT_RETRY_POLICY,
  decideRetry,
  parseRetryAfter,
  type RetryPolicy,
  withRetry,
} from '../../lib/modelarts/retry';

const request = { method: 'GET', path: '/v2/p/pools' };
const unavailable = (retryAfterMs?: number) =>
  new ModelArtsApiError(request, { status: 503, errorCode: 'ModelArts.50005000', retryAfterMs });

const policyArb = fc.record({
  limit: fc.integer({ min: 0, max: 20 }),
  baseDelayMs: fc.integer({ min: 1, max: 60_000 }),
  maxDelayMs: fc.integer({ min: 1, max: 600_000 }),
  budgetMs: fc.integer({ min: 0, max: 3_600_000 }),
});
const unitArb = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

function recorder() {
  const delays: number[] = [];
  return { delays, sleep: async (ms: number) => void delays.push(ms) };
}

describe('backoffDelay', () => {
  it('stays within [0, maxDelayMs] for every retry and draw', () => {
    fc.assert(
      fc.property(policyArb, fc.integer({ min: 1, max: 2000 }), unitArb, (policy, retry, draw) => {
        const delay = backoffDelay(retry, policy, () => draw);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThanOrEqual(policy.maxDelayMs);
        expect(Number.isInteger(delay)).toBe(true);
      }),
    );
  });

  it('is full jitter over an exponential ceiling', () => {
    const policy = DEFAULT_RETRY_POLICY;
    expect(backoffDelay(1, policy, () => 0.999_999)).toBe(199);
    expect(backoffDelay(3, policy, () => 0.5)).toBe(400);
    expect(backoffDelay(10, policy, () => 0.5)).toBe(2500);
    expect(backoffDelay(4, policy, () => 0)).toBe(0);
  });

  it('clamps a random source that strays outside [0, 1)', () => {
    expect(backoffDelay(1, DEFAULT_RETRY_POLICY, () => 7)).toBe(200);
    expect(backoffDelay(1, DEFAULT_RETRY_POLICY, () => -1)).toBe(0);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2024-01-01T00:00:00Z');

  it('reads delta-seconds', () => {
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
  });

  it('reads an HTTP-date relative to now, a past date being 0', () => {
    expect(parseRetryAfter('Mon, 01 Jan 2024 00:00:07 GMT', now)).toBe(7000);
    expect(parseRetryAfter('Sun, 31 Dec 2023 23:00:00 GMT', now)).toBe(0);
  });

  it.each([null, undefined, '', 'soon', '-1', '1.5', '2024-01-01T00:00:05Z'])('ignores %j', (value) => {
    expect(parseRetryAfter(value, now)).toBeUndefined();
  });
});

describe('decideRetry', () => {
  it('stops at the limit and when the budget is spent', () => {
    const policy: RetryPolicy = { limit: 2, baseDelayMs: 100, maxDelayMs: 1000, budgetMs: 500 };
    const random = () => 0.5;
    expect(decideRetry({ retry: 3, waitedMs: 0, policy, random })).toEqual({
      retry: false,
      delayMs: 0,
      reason: 'limit',
    });
    expect(decideRetry({ retry: 1, waitedMs: 500, policy, random })).toEqual({
      retry: false,
      delayMs: 0,
      reason: 'budget',
    });
  });

  it('lets Retry-After replace the backoff, beyond maxDelayMs but capped by the remaining budget', () => {
    const policy: RetryPolicy = { limit: 4, baseDelayMs: 100, maxDelayMs: 1000, budgetMs: 10_000 };
    const random = () => 0.5;
    expect(decideRetry({ retry: 1, waitedMs: 0, retryAfterMs: 3000, policy, random }).delayMs).toBe(3000);
    expect(decideRetry({ retry: 1, waitedMs: 8000, retryAfterMs: 3000, policy, random }).delayMs).toBe(2000);
    expect(decideRetry({ retry: 1, waitedMs: 0, retryAfterMs: 0, policy, random }).delayMs).toBe(0);
  });
});

describe('withRetry', () => {
  it('never waits longer in total than the budget, nor retries more than the limit', async () => {
    await fc.assert(
      fc.asyncProperty(
        policyArb,
        fc.array(unitArb, { minLength: 1, maxLength: 30 }),
        fc.array(fc.option(fc.integer({ min: 0, max: 120_000 }), { nil: undefined }), {
          minLength: 1,
          maxLength: 30,
        }),
        async (policy, draws, retryAfters) => {
          const { delays, sleep } = recorder();
          let attempts = 0;
          let draw = 0;
          const error = await withRetry(
            async () => {
              throw unavailable(retryAfters[attempts++ % retryAfters.length]);
            },
            { policy, sleep, random: () => draws[draw++ % draws.length] ?? 0 },
          ).catch((e: unknown) => e);
          expect(error).toBeInstanceOf(RetryBudgetExceededError);
          expect(attempts).toBeLessThanOrEqual(policy.limit + 1);
          expect(delays.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(policy.budgetMs);
          for (const delay of delays) expect(delay).toBeGreaterThanOrEqual(0);
          expect((error as RetryBudgetExceededError).attempts).toBe(attempts);
        },
      ),
    );
  });

  it('returns the first success and waits only between attempts', async () => {
    const { delays, sleep } = recorder();
    let attempts = 0;
    const result = await withRetry(
      async (retry) => {
        attempts++;
        if (retry < 2) throw unavailable();
        return 'ok';
      },
      { policy: DEFAULT_RETRY_POLICY, sleep, random: () => 0.5 },
    );
    expect(result).toBe('ok');
    expect(attempts).toBe(3);
    expect(delays).toEqual([100, 200]);
  });

  it('retries network errors and timeouts', async () => {
    const { delays, sleep } = recorder();
    const failures = [
      new ModelArtsNetworkError(request, { code: 'ECONNRESET' }),
      new ModelArtsTimeoutError(request, 10),
    ];
    const result = await withRetry(
      async (retry) => {
        const failure = failures[retry];
        if (failure) throw failure;
        return retry;
      },
      { policy: DEFAULT_RETRY_POLICY, sleep, random: () => 0 },
    );
    expect(result).toBe(2);
    expect(delays).toHaveLength(2);
  });

  it('rethrows a non-retryable error at once', async () => {
    const { delays, sleep } = recorder();
    const notFound = new ModelArtsApiError(request, { status: 404, errorCode: 'ModelArts.50015001' });
    let attempts = 0;
    await expect(
      withRetry(
        async () => {
          attempts++;
          throw notFound;
        },
        { policy: DEFAULT_RETRY_POLICY, sleep, random: () => 0.5 },
      ),
    ).rejects.toBe(notFound);
    expect(attempts).toBe(1);
    expect(delays).toEqual([]);
  });

  it('gives up with the last error as cause and says why', async () => {
    const { sleep } = recorder();
    const policy = { ...DEFAULT_RETRY_POLICY, limit: 2 };
    let attempts = 0;
    const error = (await withRetry(
      async () => {
        attempts++;
        throw new ModelArtsApiError(request, { status: 500 + attempts, errorCode: 'X' });
      },
      { policy, sleep, random: () => 0.5 },
    ).catch((e: unknown) => e)) as RetryBudgetExceededError;
    expect(error).toBeInstanceOf(RetryBudgetExceededError);
    expect(error.reason).toBe('limit');
    expect(error.attempts).toBe(3);
    expect(error.waitedMs).toBe(300);
    expect((error.cause as ModelArtsApiError).status).toBe(503);
    expect(error.method).toBe('GET');
    expect(error.path).toBe('/v2/p/pools');
    expect(error.message).toBe(
      'gave up after 3 attempts (retry limit reached, waited 300 ms): GET /v2/p/pools failed: 503 X',
    );
  });
});

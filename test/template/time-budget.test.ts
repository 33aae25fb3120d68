import { describe, expect, it } from 'vitest';
import { AWS_CALL_WORST_MS } from '../../lib/aws/sdk-settings';
import { CLOCK_SKEW_ALLOWANCE_MS, LEASE_TTL_MS } from '../../lib/cycle';
import { DEFAULT_ATTEMPT_TIMEOUT_MS } from '../../lib/modelarts';
import { type DeploymentSettings, timeBudgetProblems, worstCases } from './time-budget';

// The budget's arithmetic on its own; test/template/serverless.test.ts applies it to the generated template.

const fitting: DeploymentSettings = {
  scheduledTimeoutS: 900,
  workerTimeoutS: 200,
  batchSize: 1,
  visibilityTimeoutS: 1200,
  retentionS: 3600,
  maxReceiveCount: 3,
  workerReservedConcurrency: 5,
  workerMaximumConcurrency: 5,
};

describe('the time budget', () => {
  it('leaves one GET and one PATCH attempt room under a lease at the default timeout', () => {
    expect(2 * DEFAULT_ATTEMPT_TIMEOUT_MS + CLOCK_SKEW_ALLOWANCE_MS).toBeLessThanOrEqual(LEASE_TTL_MS);
  });

  it('sizes a pool message by its lease: the whole lease section, then the save and the release', () => {
    const worst = worstCases();
    expect(worst.settleMs).toBeGreaterThan(LEASE_TTL_MS - CLOCK_SKEW_ALLOWANCE_MS);
    expect(worst.workerMessageMs).toBeGreaterThan(worst.settleMs + worst.modelArtsCallMs);
  });

  it('refuses the settings before issue 13: a 60 s worker taking 5 messages, a 120 s scheduled function', () => {
    const before: DeploymentSettings = {
      scheduledTimeoutS: 120,
      workerTimeoutS: 60,
      batchSize: 5,
      visibilityTimeoutS: 360,
      retentionS: 3600,
      maxReceiveCount: 3,
    };
    expect(timeBudgetProblems(before)).toEqual([
      expect.stringMatching(/^worker: a batch of 5 pool message\(s\) may take \d+ s, over its 60 s timeout$/),
      expect.stringMatching(
        /^scheduled: a cycle over 50 pools at concurrency 8 may take \d+ s, over its 120 s/,
      ),
      expect.stringMatching(/^scheduled: fanning out 1000 pools may take \d+ s, over its 120 s timeout$/),
      'worker: no reserved concurrency bounds its ModelArts requests',
    ]);
  });

  it('refuses more workers than the gateway share allows, and a poller above the reserved concurrency', () => {
    expect(
      timeBudgetProblems({ ...fitting, workerReservedConcurrency: 6, workerMaximumConcurrency: 8 }),
    ).toEqual([
      "worker: 6 workers may send 120 pool requests/s, over 100/s (50% of the gateway's 200/s)",
      "worker: the queue's maximum concurrency (8) must not exceed its reserved concurrency (6)",
    ]);
  });

  it('refuses a visibility timeout under 6 worker timeouts, and a retention that outlives no retry', () => {
    expect(timeBudgetProblems({ ...fitting, visibilityTimeoutS: 1199, retentionS: 2500 })).toEqual([
      'queue: visibility timeout 1199 s is under 6 worker timeouts (1200 s)',
      'queue: messages are kept 2500 s, but a failing one is received for the last time after up to 2598 s',
    ]);
  });

  // Notifications come after the cycle, within what is left of the invocation (lib/notify/notifier.ts): the
  // state calls a pool may have started when their budget ends fit in the reserve the functions keep for them.
  it("bounds the functions' notification state reserve by the worst AWS call this budget counts", () => {
    expect(AWS_CALL_WORST_MS).toBe(worstCases().awsCallMs);
  });

  it('fits the settings serverless.yml uses', () => {
    expect(timeBudgetProblems(fitting)).toEqual([]);
  });
});

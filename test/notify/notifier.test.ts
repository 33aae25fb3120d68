// The notifier's budget: timeoutMs, cut short by the end of the invocation (the webhook function's 29 s).

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PoolOutcome } from '../../lib/cycle';
import type { NotifyError } from '../../lib/notify/errors';
import { webhookChannel } from '../../lib/notify/http';
import { cycleNotifier } from '../../lib/notify/notifier';
import { NOTIFY_EVENTS } from '../../lib/notify/types';
import { createMemoryStateStore } from '../../lib/state/memory';
import { type Receiver, startReceiver } from './receiver';

const SECRET = 'notifier-test-secret-51aa';
let receiver: Receiver;
beforeEach(async () => {
  receiver = await startReceiver(SECRET, Date.now);
});
afterEach(() => receiver.close());

const failed: PoolOutcome = {
  key: 'p/pool-a',
  pool: 'pool-a',
  connection: 'main',
  status: 'failed',
  error: 'x',
};

function notifier(timeoutMs: number, failures: NotifyError[], stateReserveMs?: number) {
  return cycleNotifier({
    store: createMemoryStateStore(),
    channels: [webhookChannel({ url: receiver.url, secret: async () => SECRET, timeoutMs })],
    settings: { events: NOTIFY_EVENTS, failureStreak: 1, timeoutMs },
    onFailure: (error) => failures.push(error),
    ...(stateReserveMs === undefined ? {} : { stateReserveMs }),
  });
}

const failedPool = (index: number): PoolOutcome => ({
  ...failed,
  key: `p/pool-${index}`,
  pool: `pool-${index}`,
});

describe('the notifier budget', () => {
  it('sends nothing when the invocation is about to end, and says so', async () => {
    const failures: NotifyError[] = [];
    await notifier(
      5_000,
      failures,
    )({ at: Date.now(), pools: [{ outcome: failed }], endsAt: Date.now() + 500 });
    expect(receiver.received).toEqual([]);
    expect(failures.map((f) => f.message)).toEqual([
      'notification to notifier: no time left in the invocation: nothing sent',
    ]);
  });

  it('leaves the state reserve free at the end of the invocation: no time for it, nothing sent', async () => {
    const failures: NotifyError[] = [];
    // 1.5 s would do for the receiver alone; with 2 s kept for state calls, nothing is left.
    await notifier(
      5_000,
      failures,
      2_000,
    )({ at: Date.now(), pools: [{ outcome: failed }], endsAt: Date.now() + 2_500 });
    expect(receiver.received).toEqual([]);
    expect(failures.map((f) => f.message)).toEqual([
      'notification to notifier: no time left in the invocation: nothing sent',
    ]);
  });

  it('starts no pool once the budget is spent, and says how many it left for the next cycle', async () => {
    receiver.behave('hang');
    const failures: NotifyError[] = [];
    // Eight pools at a time: the first eight hang until the budget ends, the last two are never started.
    const pools = Array.from({ length: 10 }, (_, index) => ({ outcome: failedPool(index) }));
    const notify = cycleNotifier({
      store: createMemoryStateStore(),
      // The receiver's own timeout is longer than the notifier's budget: the budget is what ends them.
      channels: [webhookChannel({ url: receiver.url, secret: async () => SECRET, timeoutMs: 10_000 })],
      settings: { events: NOTIFY_EVENTS, failureStreak: 1, timeoutMs: 300 },
      onFailure: (error) => failures.push(error),
    });
    await notify({ at: Date.now(), pools });
    const cutOff = failures.filter((f) => f.message.endsWith('cut off by the cycle budget'));
    expect(cutOff).toHaveLength(8);
    expect(failures.filter((f) => !cutOff.includes(f)).map((f) => f.message)).toEqual([
      'notification to notifier: budget spent: 2 pools not looked at this cycle',
    ]);
    // Only the eight started pools reached the receiver (those it had read by now).
    expect(receiver.received.length).toBeLessThanOrEqual(8);
  });

  it('cuts a hanging receiver off before the invocation ends, even under a longer timeout', async () => {
    receiver.behave('hang');
    const failures: NotifyError[] = [];
    const started = performance.now();
    await notifier(
      10_000,
      failures,
    )({ at: Date.now(), pools: [{ outcome: failed }], endsAt: Date.now() + 1_600 });
    expect(performance.now() - started).toBeLessThan(1_500);
    expect(receiver.received).toHaveLength(1);
    expect(failures).toHaveLength(1);
  });
});

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

function notifier(timeoutMs: number, failures: NotifyError[]) {
  return cycleNotifier({
    store: createMemoryStateStore(),
    channels: [webhookChannel({ url: receiver.url, secret: async () => SECRET, timeoutMs })],
    settings: { events: NOTIFY_EVENTS, failureStreak: 1, timeoutMs },
    onFailure: (error) => failures.push(error),
  });
}

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

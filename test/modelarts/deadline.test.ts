import { afterEach, describe, expect, it } from 'vitest';
import { createModelArtsClient } from '../../lib/modelarts/client';
import { ModelArtsDeadlineError } from '../../lib/modelarts/errors';
import { type ScriptedServer, startScriptedServer } from './client-scripted-server';

// A call made under a pool's lease carries a deadline: the lease's end less one attempt's timeout and a skew
// allowance. The transport starts no attempt past it, first or retry, so no request can outlive the lease.

const T0 = 1_800_000_000_000;
const BODY = { spec: { resources: [{ flavor: 'modelarts.vm.gpu.t4u8', count: 4 }] } };

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function clientAt(url: string, clock: { t: number }) {
  return createModelArtsClient({
    projectId: 'p',
    endpoint: url,
    auth: { type: 'none' },
    timeoutMs: 10_000,
    retry: { limit: 10, baseDelayMs: 4_000, maxDelayMs: 4_000, budgetMs: 120_000 },
    now: () => clock.t,
    // Each backoff moves the clock on, as a real wait would.
    sleep: async (ms) => {
      clock.t += ms;
    },
    random: () => 0.99,
  });
}

describe('a call with a deadline', () => {
  it('starts no retry past the deadline and says so', async () => {
    const clock = { t: T0 };
    const started: number[] = [];
    server = await startScriptedServer(() => {
      started.push(clock.t);
      return { status: 503, body: { error_code: 'ModelArts.0001', error_msg: 'busy' } };
    });
    const deadline = { at: T0 + 10_000, now: () => clock.t };
    const error = await clientAt(server.url, clock)
      .patchPool('pool-a', BODY, { deadline })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ModelArtsDeadlineError);
    expect((error as Error).message).toMatch(/deadline passed after \d+ attempt/);
    expect(started.length).toBeGreaterThan(1);
    expect(started.every((at) => at <= deadline.at)).toBe(true);
  });

  it('starts nothing when the deadline has already passed', async () => {
    const clock = { t: T0 };
    server = await startScriptedServer(() => ({ status: 200, body: {} }));
    const error = await clientAt(server.url, clock)
      .getPool('pool-a', { deadline: { at: T0 - 1, now: () => clock.t } })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ModelArtsDeadlineError);
    expect(server.requests).toEqual([]);
  });

  it('exposes the attempt timeout a deadline must leave room for', () => {
    expect(clientAt('http://127.0.0.1:9', { t: T0 }).attemptTimeoutMs).toBe(10_000);
  });
});

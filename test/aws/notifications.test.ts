// The functions' notifier set-up: where the webhook's signing secret comes from, and what is refused at start.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { functionNotifier, NotificationSetupError } from '../../lib/aws/notifications';
import { createObservability } from '../../lib/aws/observability';
import type { ParameterStore } from '../../lib/aws/parameters';
import { AWS_CALL_WORST_MS } from '../../lib/aws/sdk-settings';
import { parseConfig } from '../../lib/config/load';
import type { PoolOutcome } from '../../lib/cycle';
import { INVOCATION_END_MARGIN_MS, NOTIFY_STATE_CALLS } from '../../lib/notify/notifier';
import { createMemoryStateStore } from '../../lib/state/memory';
import { minimalConfig, toYaml } from '../config/fixtures';
import { type Receiver, startReceiver } from '../notify/receiver';

const NOW = Date.UTC(2025, 0, 15, 12, 0, 0);
let receiver: Receiver;

beforeEach(async () => {
  receiver = await startReceiver('ssm-held-secret-line-1', () => NOW);
});
afterEach(() => receiver.close());

const configFor = (url: string, webhook: Record<string, string> = {}) =>
  parseConfig({
    text: toYaml({ ...minimalConfig(), notifications: { webhook: { url, ...webhook }, failureStreak: 1 } }),
    env: {},
  });

const parameters =
  (values: Record<string, string>): (() => ParameterStore) =>
  () => ({
    get: async (name) => {
      const value = values[name];
      if (value === undefined) throw new Error(`no parameter ${name}`);
      return value;
    },
  });

const failedOutcome: PoolOutcome = {
  key: 'project-1/pool-a',
  pool: 'pool-a',
  connection: 'main',
  status: 'failed',
  error: 'GET pool-a: HTTP 500',
};

const build = (
  env: Record<string, string>,
  values: Record<string, string> = {},
  webhook: Record<string, string> = {},
) =>
  functionNotifier({
    config: configFor(receiver.url, webhook),
    env,
    parameters: parameters(values),
    observability: createObservability({ logLevel: 'ERROR' }),
    store: createMemoryStateStore(),
    now: () => NOW,
  });

describe('function notifier set-up', () => {
  it('is absent without `notifications:`', () => {
    const notify = functionNotifier({
      config: parseConfig({ text: toYaml(minimalConfig()), env: {} }),
      env: {},
      parameters: parameters({}),
      observability: createObservability({ logLevel: 'ERROR' }),
      store: createMemoryStateStore(),
      now: () => NOW,
    });
    expect(notify).toBeUndefined();
  });

  it('refuses to start without a signing secret, naming the setting', () => {
    expect(() => build({})).toThrow(NotificationSetupError);
    expect(() => build({})).toThrow(
      /webhook\.secretEnv: the environment variable AUTOSCALER_NOTIFY_SECRET is not set/,
    );
  });

  it("refuses the inbound webhook's secret parameter as the signing secret", () => {
    const env = {
      AUTOSCALER_NOTIFY_SECRET_PARAMETER: '/autoscaler/webhook-secret',
      AUTOSCALER_WEBHOOK_SECRET_PARAMETER: '/autoscaler/webhook-secret',
    };
    expect(() => build(env)).toThrow(/names the inbound webhook's secret/);
  });

  it("signs with the SSM parameter's first line (the second is the one being rotated in)", async () => {
    const notify = build(
      { AUTOSCALER_NOTIFY_SECRET_PARAMETER: '/autoscaler/notify-secret' },
      { '/autoscaler/notify-secret': 'ssm-held-secret-line-1\nnext-secret-line-2' },
    );
    await notify?.({ at: NOW, pools: [{ outcome: failedOutcome }] });
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]?.verified).toBe(true);
    expect(receiver.received[0]?.message).toMatchObject({ kind: 'repeated-failure', details: { cycles: 1 } });
  });

  it("keeps the end of the invocation free for the DynamoDB calls a pool's notification may have started", async () => {
    const notify = build(
      {},
      { '/autoscaler/notify-secret': 'ssm-held-secret-line-1' },
      {
        secretParameter: '/autoscaler/notify-secret',
      },
    );
    const reserve = INVOCATION_END_MARGIN_MS + NOTIFY_STATE_CALLS * AWS_CALL_WORST_MS;
    // Time for the receiver, but not for the receiver and then the state calls: nothing is sent.
    await notify?.({ at: NOW, pools: [{ outcome: failedOutcome }], endsAt: NOW + reserve - 1 });
    expect(receiver.received).toEqual([]);
    await notify?.({ at: NOW, pools: [{ outcome: failedOutcome }], endsAt: NOW + reserve + 2_000 });
    expect(receiver.received).toHaveLength(1);
  });

  it('signs with the parameter webhook.secretParameter names (the one the template grants), before any other', async () => {
    const notify = build(
      { AUTOSCALER_NOTIFY_SECRET_PARAMETER: '/autoscaler/hand-made', AUTOSCALER_NOTIFY_SECRET: 'env-secret' },
      { '/autoscaler/notify-secret': 'ssm-held-secret-line-1', '/autoscaler/hand-made': 'other-secret' },
      { secretParameter: '/autoscaler/notify-secret' },
    );
    await notify?.({ at: NOW, pools: [{ outcome: failedOutcome }] });
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]?.verified).toBe(true);
  });

  it("refuses webhook.secretParameter naming the inbound webhook's secret, naming the setting", () => {
    expect(() =>
      build(
        { AUTOSCALER_WEBHOOK_SECRET_PARAMETER: '/autoscaler/webhook-secret' },
        {},
        { secretParameter: '/autoscaler/webhook-secret' },
      ),
    ).toThrow(/^notifications: webhook\.secretParameter names the inbound webhook's secret/);
  });
});

// Notifications end to end: the scheduled function against the emulator, with DynamoDB (dynalite), a signed
// webhook to a receiver on 127.0.0.1 and SNS through a mocked client. Each invocation builds its deps afresh
// (a cold start), so what is not announced twice is remembered by the store, not by the process.

import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Emulator, startEmulator } from '../../emulator/server';
import { makeHandler, type ScheduledEvent } from '../../functions/scheduled';
import { buildScheduledDeps } from '../../lib/aws/runtime';
import type { NotificationMessage } from '../../lib/notify/types';
import {
  captureOutput,
  lambdaContext,
  MULTI_POOL,
  NOW,
  readEvent,
  SAMPLE_FLAVOR,
  SAMPLE_POOL,
  sampleConfig,
} from '../functions/harness';
import { type LocalDynamoDb, startLocalDynamoDb } from '../state/local-dynamodb';
import { type Receiver, startReceiver } from './receiver';

const SECRET = 'notify-secret-for-tests-only-8f3a';
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:autoscaler-events';

let emulator: Emulator;
let receiver: Receiver;
let dynamoDb: LocalDynamoDb;
const TABLE = 'notify-test-state';
let output: ReturnType<typeof captureOutput>;
let event: ScheduledEvent;
const sns = mockClient(SNSClient);

beforeEach(async () => {
  vi.stubEnv('AWS_REGION', 'eu-west-1');
  emulator = await startEmulator({ now: () => NOW });
  receiver = await startReceiver(SECRET, () => NOW);
  dynamoDb = await startLocalDynamoDb(TABLE, 'eu-west-1');
  event = await readEvent<ScheduledEvent>('scheduled');
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  output = captureOutput();
});

afterEach(async () => {
  output.restore();
  vi.unstubAllEnvs();
  await Promise.all([emulator.close(), receiver.close(), dynamoDb.close()]);
});

type Notifications = Record<string, unknown>;

const config = (
  notifications: Notifications,
  change: (doc: Record<string, unknown>) => void = () => undefined,
) =>
  sampleConfig(emulator.url, (document) => {
    const doc: Record<string, unknown> = {
      ...document,
      notifications,
    };
    change(doc);
    return doc;
  });

const webhook = (extra: Notifications = {}) => ({ webhook: { url: receiver.url }, ...extra });

/** One invocation with deps built afresh, as after a cold start. */
async function invoke(notifications: Notifications, change?: (doc: Record<string, unknown>) => void) {
  const client = dynamoDb.client();
  try {
    const deps = await buildScheduledDeps(
      { AUTOSCALER_NOTIFY_SECRET: SECRET, AUTOSCALER_STATE_TABLE: TABLE },
      {
        config: await config(notifications, change),
        dynamoDbClient: client,
        now: () => NOW,
        sleep: async () => undefined,
      },
    );
    return await makeHandler(deps)(event, lambdaContext());
  } finally {
    client.destroy();
  }
}

const kinds = (messages: readonly NotificationMessage[]) => messages.map((m) => `${m.kind} ${m.pool}`).sort();

describe('notifications', () => {
  it('announce a scale-up once, as version 1 JSON signed so the receiver verifies it', async () => {
    await invoke(webhook());

    expect(receiver.received.length).toBeGreaterThan(0);
    expect(receiver.received.every((r) => r.verified)).toBe(true);
    const [message] = receiver.messages();
    expect(message).toMatchObject({
      version: 1,
      kind: 'scale-up',
      pool: SAMPLE_POOL,
      connection: 'emulator',
      key: `emulator-project/${SAMPLE_POOL}`,
      time: new Date(NOW).toISOString(),
      details: { method: 'count', flavors: [{ flavor: SAMPLE_FLAVOR, from: 3, to: 6 }] },
    });
    expect(message?.text).toContain(`${SAMPLE_FLAVOR} 3 -> 6`);
    expect(receiver.received[0]?.headers['content-type']).toBe('application/json');
  });

  it('announce a guard when it starts and when it stops, not on the invocations in between', async () => {
    emulator.setControlMode(MULTI_POOL, 8);
    await invoke(webhook());
    await invoke(webhook());
    await invoke(webhook());
    expect(kinds(receiver.messages())).toEqual([`guard-started ${MULTI_POOL}`, `scale-up ${SAMPLE_POOL}`]);
    expect(receiver.messages().find((m) => m.kind === 'guard-started')?.details).toMatchObject({
      guards: ['control-mode'],
    });

    emulator.setControlMode(MULTI_POOL, 0);
    await invoke(webhook());
    await invoke(webhook());
    expect(kinds(receiver.messages().slice(2))).toEqual([`guard-stopped ${MULTI_POOL}`]);
  });

  it('announce a pool failing N cycles in a row once, saying N', async () => {
    emulator.setFaults({ patchPool: { errorRate: 1 } });
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await invoke(webhook({ failureStreak: 2 })));

    expect(results.map((r) => (r as { counts: Record<string, number> }).counts.failed)).toEqual([1, 1, 1, 1]);
    const failures = receiver.messages().filter((m) => m.kind === 'repeated-failure');
    expect(kinds(failures)).toEqual([`repeated-failure ${SAMPLE_POOL}`]);
    expect(failures[0]?.details).toMatchObject({ cycles: 2 });
    expect(failures[0]?.text).toContain('failed 2 cycles in a row');
  });

  it('announce the recovery of a pool whose failure streak was announced, once, under the events that name failures', async () => {
    const notifications = webhook({ failureStreak: 2, events: ['repeated-failure'] });
    emulator.setFaults({ patchPool: { errorRate: 1 } });
    await invoke(notifications);
    await invoke(notifications);
    emulator.setFaults({});
    await invoke(notifications);
    await invoke(notifications);

    expect(receiver.received.every((r) => r.verified)).toBe(true);
    expect(kinds(receiver.messages())).toEqual([
      `recovered ${SAMPLE_POOL}`,
      `repeated-failure ${SAMPLE_POOL}`,
    ]);
    const recovered = receiver.messages().find((m) => m.kind === 'recovered');
    expect(recovered).toMatchObject({ version: 1, details: { cycles: 2, status: 'patched' } });
    expect(recovered?.text).toContain('recovered (patched) after failing at least 2 cycles in a row');
  });

  it('send no recovery for a pool whose failures stopped short of the streak', async () => {
    emulator.setFaults({ patchPool: { errorRate: 1 } });
    await invoke(webhook({ failureStreak: 2 }));
    emulator.setFaults({});
    await invoke(webhook({ failureStreak: 2 }));
    await invoke(webhook({ failureStreak: 2 }));

    expect(kinds(receiver.messages())).toEqual([`scale-up ${SAMPLE_POOL}`]);
  });

  it('announce a quota backoff once, with its flavor and until', async () => {
    emulator.setCapacityRules({ quotas: { [SAMPLE_FLAVOR]: 4 } });
    for (let i = 0; i < 3; i++) await invoke(webhook());

    const backoffs = receiver.messages().filter((m) => m.kind === 'backoff');
    expect(backoffs).toHaveLength(1);
    expect(backoffs[0]?.details).toMatchObject({
      backoffs: [{ cause: 'quota', flavor: SAMPLE_FLAVOR, azs: 'every AZ', until: expect.any(String) }],
    });
  });

  it('send only the kinds `events` names, and remember the others so they do not replay later', async () => {
    emulator.setControlMode(MULTI_POOL, 8);
    await invoke(webhook({ events: ['guard'] }));
    expect(kinds(receiver.messages())).toEqual([`guard-started ${MULTI_POOL}`]);
  });

  it('publish each message to the SNS topic with kind and pool attributes', async () => {
    await invoke({ sns: { topicArn: TOPIC } });

    const calls = sns.commandCalls(PublishCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]?.args[0].input;
    expect(input).toMatchObject({
      TopicArn: TOPIC,
      MessageAttributes: {
        kind: { DataType: 'String', StringValue: 'scale-up' },
        pool: { DataType: 'String', StringValue: SAMPLE_POOL },
      },
    });
    expect(JSON.parse(input?.Message ?? '{}')).toMatchObject({
      version: 1,
      kind: 'scale-up',
      pool: SAMPLE_POOL,
    });
  });

  it('leave the outcome alone when the receiver fails, count the failure, and send the state again next time', async () => {
    emulator.setControlMode(MULTI_POOL, 8);
    receiver.behave('fail');
    sns
      .on(PublishCommand)
      .rejects(Object.assign(new Error('denied'), { name: 'AuthorizationErrorException' }));
    const result = await invoke(webhook({ sns: { topicArn: TOPIC } }));

    expect(result).toMatchObject({ mode: 'cycle', counts: { patched: 1, skipped: 1 } });
    const lines = output.lines();
    const failures = lines.filter((line) => line.message === 'notification failed');
    expect(failures.length).toBeGreaterThan(0);
    expect(JSON.stringify(failures)).toContain('answered HTTP 500');
    expect(JSON.stringify(failures)).toContain('AuthorizationErrorException');
    const emf = lines.filter((line) => 'NotificationFailures' in line);
    expect(emf.map((doc) => doc.NotificationFailures)).not.toEqual([]);

    receiver.behave('accept');
    receiver.received.length = 0;
    sns.on(PublishCommand).resolves({ MessageId: 'm-2' });
    await invoke(webhook());
    // The scale-up was an event (sent once, missed); the guard is a state, so it is sent again.
    expect(kinds(receiver.messages())).toEqual([`guard-started ${MULTI_POOL}`]);
  });

  it('leave the outcome alone when the receiver hangs, within the timeout', async () => {
    receiver.behave('hang');
    const started = performance.now();
    const result = await invoke(webhook({ timeoutMs: 300 }));

    expect(performance.now() - started).toBeLessThan(3_000);
    expect(result).toMatchObject({ mode: 'cycle', counts: { patched: 1, unchanged: 1 } });
    expect(JSON.stringify(output.lines())).toContain('notification failed');
  });

  it('never show the signing secret or the URL query in messages or logs', async () => {
    const hidden = await startReceiver(SECRET, () => NOW, '/hooks?token=query-token-9d1e');
    try {
      hidden.behave('fail');
      await invoke({ webhook: { url: hidden.url } });
      const text = JSON.stringify(output.lines()) + hidden.received.map((r) => r.body).join('');
      expect(hidden.received.length).toBeGreaterThan(0);
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain('query-token-9d1e');
    } finally {
      await hidden.close();
    }
  });

  it('send nothing in a dry run', async () => {
    emulator.setControlMode(MULTI_POOL, 8);
    await invoke(webhook(), (doc) => {
      doc.dryRun = true;
    });
    expect(receiver.received).toEqual([]);
  });
});

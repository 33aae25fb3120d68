import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../emulator/server';
import { makeHandler, type ScheduledEvent } from '../../functions/scheduled';
import { FanOutError, sendPoolMessages } from '../../lib/aws/fan-out';
import { ssmKillSwitch } from '../../lib/aws/kill-switch';
import { ssmParameterStore } from '../../lib/aws/parameters';
import { messageDeduplicationId, type PoolMessage } from '../../lib/aws/pool-message';
import {
  captureOutput,
  decisions,
  emfDocuments,
  lambdaContext,
  MULTI_POOL,
  NOW,
  patchedCounts,
  patchRequests,
  readEvent,
  SAMPLE_FLAVOR,
  SAMPLE_POOL,
  sampleConfig,
  testDeps,
} from './harness';

const QUEUE = 'https://sqs.eu-west-1.amazonaws.com/123456789012/modelarts-autoscaler-test-pools.fifo';
const sqs = mockClient(SQSClient);
const ssm = mockClient(SSMClient);

let emulator: Emulator;
let output: ReturnType<typeof captureOutput>;
let event: ScheduledEvent;

beforeAll(async () => {
  event = await readEvent<ScheduledEvent>('scheduled');
});
beforeEach(async () => {
  sqs.reset();
  ssm.reset();
  emulator = await startEmulator({ now: () => NOW });
  output = captureOutput();
});
afterEach(async () => {
  output.restore();
  await emulator.close();
});
afterAll(() => {
  sqs.restore();
  ssm.restore();
});

const queueOf = (client: SQSClient) => ({
  send: (messages: readonly PoolMessage[]) => sendPoolMessages(client, QUEUE, messages),
});

describe('scheduled', () => {
  it('runs a cycle over the managed pools and scales the one whose backlog grew', async () => {
    const handler = makeHandler(testDeps(await sampleConfig(emulator.url)));
    const result = await handler(event, lambdaContext());

    expect(result).toMatchObject({
      mode: 'cycle',
      dryRun: false,
      pools: 2,
      counts: { patched: 1, unchanged: 1 },
    });
    expect(patchedCounts(emulator, SAMPLE_POOL)).toEqual([
      [expect.objectContaining({ flavor: SAMPLE_FLAVOR, count: 6 })],
    ]);
    expect(emulator.pool(SAMPLE_POOL)?.spec.resources[0]?.count).toBe(6);
    expect(patchedCounts(emulator, MULTI_POOL)).toEqual([]);
  });

  it('logs one decision record and one EMF document per pool and flavor, with the correlation id', async () => {
    const handler = makeHandler(testDeps(await sampleConfig(emulator.url)));
    await handler(event, lambdaContext());

    const lines = output.lines();
    const records = decisions(lines);
    expect(records.map((record) => `${record.pool}/${record.flavor}`).sort()).toEqual([
      `${MULTI_POOL}/modelarts.vm.gpu.t4u8`,
      `${MULTI_POOL}/modelarts.vm.gpu.tnt004`,
      `${SAMPLE_POOL}/${SAMPLE_FLAVOR}`,
    ]);
    expect(records.find((record) => record.pool === SAMPLE_POOL)).toMatchObject({
      current: 3,
      target: 6,
      backlog: 6,
      action: 'scale-up',
      outcome: 'patched',
      dryRun: false,
    });
    const decisionLines = lines.filter((line) => line.message === 'pool decision');
    expect(decisionLines.every((line) => line.correlation_id === event.id)).toBe(true);
    const emf = emfDocuments(lines).filter((doc) => 'TargetNodes' in doc);
    expect(emf).toHaveLength(3);
    expect(emf.find((doc) => doc.pool === SAMPLE_POOL)).toMatchObject({
      flavor: SAMPLE_FLAVOR,
      CurrentNodes: 3,
      TargetNodes: 6,
      Backlog: 6,
      ScaleActions: 1,
      GuardSkips: 0,
      Errors: 0,
    });
  });

  it('plans without PATCHing when the event asks for a dry run', async () => {
    const handler = makeHandler(testDeps(await sampleConfig(emulator.url)));
    const result = await handler({ ...event, detail: { dryRun: true } }, lambdaContext());

    expect(result).toMatchObject({ mode: 'cycle', dryRun: true, counts: { 'dry-run': 1, unchanged: 1 } });
    expect(patchRequests(emulator)).toEqual([]);
  });

  it('changes nothing while the kill switch parameter is on', async () => {
    ssm.on(GetParameterCommand, { Name: '/autoscaler/kill-switch' }).resolves({ Parameter: { Value: 'on' } });
    const deps = {
      ...testDeps(await sampleConfig(emulator.url)),
      killSwitch: ssmKillSwitch(
        ssmParameterStore(new SSMClient({ region: 'eu-west-1' })),
        '/autoscaler/kill-switch',
      ),
    };
    const result = await makeHandler(deps)(event, lambdaContext());

    expect(result).toMatchObject({ mode: 'cycle', counts: { skipped: 2 } });
    expect(patchRequests(emulator)).toEqual([]);
    expect(
      decisions(output.lines()).every((record) => (record.reasons as string[]).includes('kill-switch')),
    ).toBe(true);
  });

  it('fans out one FIFO message per pool above fanOutAbovePools, and scales nothing itself', async () => {
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    const config = await sampleConfig(emulator.url, { fanOutAbovePools: 1 });
    const handler = makeHandler({
      ...testDeps(config),
      queue: queueOf(new SQSClient({ region: 'eu-west-1' })),
    });
    const result = await handler(event, lambdaContext());

    expect(result).toEqual({ mode: 'fan-out', tick: event.time, sent: 2, listFailures: [] });
    const entries = sqs
      .commandCalls(SendMessageBatchCommand)
      .flatMap((call) => call.args[0].input.Entries ?? []);
    const message = {
      connection: 'emulator',
      project: 'emulator-project',
      pool: SAMPLE_POOL,
      tick: event.time,
    };
    const entry = entries.find((sent) => sent.MessageGroupId === `emulator-project/${SAMPLE_POOL}`);
    expect(entry?.MessageDeduplicationId).toBe(messageDeduplicationId(message));
    expect(JSON.parse(entry?.MessageBody ?? '{}')).toEqual({
      ...message,
      snapshot: expect.objectContaining({ metadata: expect.objectContaining({ name: SAMPLE_POOL }) }),
      listedAt: NOW,
    });
    expect(entries.map((sent) => sent.MessageGroupId).sort()).toEqual([
      `emulator-project/${MULTI_POOL}`,
      `emulator-project/${SAMPLE_POOL}`,
    ]);
    // One list call carries every pool as listed, so that no worker needs a GET to plan.
    expect(emulator.requests.map((request) => request.route)).toEqual(['listPools']);
  });

  it('lists a connection with selector entries once to count and name its pools', async () => {
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    const config = await sampleConfig(emulator.url, {
      fanOutAbovePools: 1,
      pools: [
        {
          selector: { labels: { autoscaler: 'enabled' } },
          flavors: [{ flavor: '*', max: 10, backlog: { source: { type: 'static', value: 1 } } }],
        },
      ],
    });
    const handler = makeHandler({
      ...testDeps(config),
      queue: queueOf(new SQSClient({ region: 'eu-west-1' })),
    });
    const result = await handler(event, lambdaContext());

    expect(emulator.requests.map((request) => request.route)).toEqual(['listPools']);
    expect(result).toMatchObject({ mode: 'fan-out', sent: 8 });
  });

  it('fails the invocation when SQS refuses messages, so that EventBridge retries it', async () => {
    sqs.on(SendMessageBatchCommand).resolves({
      Successful: [],
      Failed: [{ Id: '1', Code: 'InternalError', SenderFault: false }],
    });
    const config = await sampleConfig(emulator.url, { fanOutAbovePools: 1 });
    const handler = makeHandler({
      ...testDeps(config),
      queue: queueOf(new SQSClient({ region: 'eu-west-1' })),
    });

    await expect(handler(event, lambdaContext())).rejects.toThrow(FanOutError);
  });

  it('runs the cycle itself above the threshold when no queue is configured (local runs)', async () => {
    const handler = makeHandler(testDeps(await sampleConfig(emulator.url, { fanOutAbovePools: 1 })));
    await expect(handler(event, lambdaContext())).resolves.toMatchObject({ mode: 'cycle', pools: 2 });
  });

  it('refuses an event that is not an EventBridge event', async () => {
    const handler = makeHandler(testDeps(await sampleConfig(emulator.url)));
    await expect(handler({ hello: 'world' } as unknown as ScheduledEvent, lambdaContext())).rejects.toThrow(
      /invalid event: version: .*; id: /,
    );
    expect(emulator.requests).toEqual([]);
  });
});

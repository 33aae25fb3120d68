// The fan-out path's request budget: the scheduled function lists each connection once and every message
// carries its pool as listed, so a worker plans on that answer and an unchanged pool costs no ModelArts
// request. An old, malformed or foreign snapshot is read again (GET); the GET under the lease before a PATCH
// stays whatever the message says.

import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../emulator/server';
import { makeHandler as makeScheduled, type ScheduledEvent } from '../../functions/scheduled';
import { makeHandler as makeWorker } from '../../functions/worker';
import {
  batchesOf,
  SQS_BATCH_ENTRIES,
  SQS_PAYLOAD_LIMIT_BYTES,
  sendPoolMessages,
} from '../../lib/aws/fan-out';
import { managedPools } from '../../lib/aws/managed-pools';
import { createObservability } from '../../lib/aws/observability';
import type { PoolMessage } from '../../lib/aws/pool-message';
import type { FunctionDeps } from '../../lib/aws/runtime';
import type { Config } from '../../lib/config';
import { CLOCK_SKEW_ALLOWANCE_MS, MAX_LISTED_AGE_MS } from '../../lib/cycle';
import { createModelArtsClient } from '../../lib/modelarts/client';
import { connectionSourceDeps, modelArtsClients } from '../../lib/modelarts/clients';
import type { Pool } from '../../lib/modelarts/schemas';
import { createMemoryStateStore } from '../../lib/state/memory';
import {
  captureOutput,
  lambdaContext,
  MULTI_POOL,
  NOW,
  patchedCounts,
  readEvent,
  SAMPLE_FLAVOR,
  SAMPLE_POOL,
  sampleConfig,
} from './harness';

const QUEUE = 'https://sqs.eu-west-1.amazonaws.com/123456789012/modelarts-autoscaler-test-pools.fifo';

/**
 * Deps built by hand, state in memory: these tests count ModelArts requests across two functions. Each
 * function's AWS calls are checked against its role in its own test file (setUpFunctionTests).
 */
function testDeps(config: Config): FunctionDeps {
  const now = () => NOW;
  const clients = modelArtsClients(config, { now, sleep: async () => undefined });
  return {
    ...createObservability({ logLevel: 'INFO' }),
    config,
    cycle: { clients, store: createMemoryStateStore(), sources: connectionSourceDeps(clients), now },
  };
}
const sqs = mockClient(SQSClient);

let emulator: Emulator;
let output: ReturnType<typeof captureOutput>;
let event: ScheduledEvent;
let documented: Pool;

beforeAll(async () => {
  event = await readEvent<ScheduledEvent>('scheduled');
  const fixture = resolve(import.meta.dirname, '../fixtures/modelarts/get-pool.all-documented-fields.json');
  documented = JSON.parse(await readFile(fixture, 'utf8')) as Pool;
});
beforeEach(async () => {
  sqs.reset();
  sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
  emulator = await startEmulator({ now: () => NOW });
  output = captureOutput();
});
afterEach(async () => {
  output.restore();
  await emulator.close();
});
afterAll(() => sqs.restore());

const routes = () => emulator.requests.map((request) => request.route);

/** The messages the scheduled function sent, as SQS hands them to the worker (one record each). */
function sentRecords(): SQSRecord[] {
  const entries = sqs
    .commandCalls(SendMessageBatchCommand)
    .flatMap((call) => call.args[0].input.Entries ?? []);
  return entries.map((entry, index) => record(entry.MessageBody ?? '', entry.MessageGroupId ?? '', index));
}

function record(body: string, group: string, index: number): SQSRecord {
  return {
    messageId: `m-${index}`,
    receiptHandle: `r-${index}`,
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: String(NOW),
      SenderId: 'AROAEXAMPLE:scheduled',
      ApproximateFirstReceiveTimestamp: String(NOW),
      SequenceNumber: String(index),
      MessageGroupId: group,
      MessageDeduplicationId: `d-${index}`,
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:modelarts-autoscaler-test-pools.fifo',
    awsRegion: 'eu-west-1',
  };
}

const events = (records: SQSRecord[]): SQSEvent => ({ Records: records });

async function fanOut() {
  const config = await sampleConfig(emulator.url, { fanOutAbovePools: 1 });
  const scheduled = makeScheduled({
    ...testDeps(config),
    queue: { send: (messages) => sendPoolMessages(new SQSClient({ region: 'eu-west-1' }), QUEUE, messages) },
  });
  await scheduled(event, lambdaContext('scheduled'));
  return config;
}

/** A message for a pool as the emulator lists it now, listed `age` ms before NOW. */
function messageFor(pool: string, age: number, snapshot: unknown = emulator.pool(pool)): PoolMessage {
  return {
    connection: 'emulator',
    project: 'emulator-project',
    pool,
    tick: event.time,
    snapshot,
    listedAt: NOW - age,
  };
}

async function work(messages: PoolMessage[]) {
  const worker = makeWorker(testDeps(await sampleConfig(emulator.url)));
  const records = messages.map((message, index) =>
    record(JSON.stringify(message), `emulator-project/${message.pool}`, index),
  );
  return worker(events(records), lambdaContext('worker'));
}

describe('fan-out request budget', () => {
  it('costs one list, and a stock read, a GET and a PATCH for the changed pool only: the unchanged pool costs nothing', async () => {
    const config = await fanOut();
    expect(routes()).toEqual(['listPools']);
    emulator.clearRequests();

    const worker = makeWorker(testDeps(config));
    const response = await worker(events(sentRecords()), lambdaContext('worker'));

    expect(response).toEqual({ batchItemFailures: [] });
    // The growing pool's worker reads the flavor stock (issue #15), shared with the other workers for 60 s.
    expect(routes()).toEqual(['listFlavors', 'getPool', 'patchPool']);
    expect(
      emulator.requests
        .filter((request) => request.route !== 'listFlavors')
        .every((request) => request.path.endsWith(`/pools/${SAMPLE_POOL}`)),
    ).toBe(true);
    expect(patchedCounts(emulator, SAMPLE_POOL)).toEqual([
      [expect.objectContaining({ flavor: SAMPLE_FLAVOR, count: 6 })],
    ]);
  });

  it('still reads a pool under its lease before the PATCH: a pool grown after the list is not shrunk', async () => {
    const operator = createModelArtsClient({
      projectId: emulator.projectId,
      endpoint: emulator.url,
      auth: { type: 'none' },
    });
    const listed = messageFor(SAMPLE_POOL, 1_000);
    await operator.patchPool(SAMPLE_POOL, { spec: { resources: [{ flavor: SAMPLE_FLAVOR, count: 8 }] } });
    emulator.clearRequests();

    await work([listed]);

    // The snapshot (3 nodes, backlog 6) says scale up (so the stock is read); the GET under the lease sees 8 and holds.
    expect(routes()).toEqual(['listFlavors', 'getPool']);
    expect(emulator.pool(SAMPLE_POOL)?.spec.resources[0]?.count).toBe(8);
  });

  it('plans on a snapshot up to MAX_LISTED_AGE_MS old, and reads an older one again (a redriven message)', async () => {
    await work([messageFor(MULTI_POOL, MAX_LISTED_AGE_MS)]);
    expect(routes()).toEqual([]);

    await work([messageFor(MULTI_POOL, MAX_LISTED_AGE_MS + 1)]);
    expect(routes()).toEqual(['getPool']);
  });

  it('reads the pool again when the snapshot claims to come from further ahead than the clock skew allows', async () => {
    await work([messageFor(MULTI_POOL, -CLOCK_SKEW_ALLOWANCE_MS)]);
    expect(routes()).toEqual([]);

    await work([messageFor(MULTI_POOL, -CLOCK_SKEW_ALLOWANCE_MS - 1)]);
    expect(routes()).toEqual(['getPool']);
  });

  it('reads the pool when the snapshot fails the pool schema or names another pool, and says why', async () => {
    const pool = emulator.pool(MULTI_POOL) as Pool;
    const broken = { ...pool, spec: { ...pool.spec, resources: [{ flavor: 'x', count: 'many' }] } };
    const response = await work([
      messageFor(MULTI_POOL, 0, broken),
      messageFor(MULTI_POOL, 0, emulator.pool(SAMPLE_POOL)),
      { ...messageFor(MULTI_POOL, 0), listedAt: undefined },
    ]);

    expect(response).toEqual({ batchItemFailures: [] });
    expect(routes()).toEqual(['getPool', 'getPool', 'getPool']);
    const problems = output
      .lines()
      .filter((line) => line.message === 'pool message snapshot not used; reading the pool')
      .map((line) => line.problem);
    expect(problems).toEqual([
      expect.stringMatching(/^snapshot: .*spec\.resources\[0\]\.count/),
      'snapshot names another pool than the message',
      'snapshot without listedAt',
    ]);
  });

  it('lists named pools once per tick when it runs the cycle itself (below fanOutAbovePools)', async () => {
    const config = await sampleConfig(emulator.url, { fanOutAbovePools: 50 });
    const scheduled = makeScheduled({
      ...testDeps(config),
      queue: {
        send: (messages) => sendPoolMessages(new SQSClient({ region: 'eu-west-1' }), QUEUE, messages),
      },
    });
    await expect(scheduled(event, lambdaContext('scheduled'))).resolves.toMatchObject({ mode: 'cycle' });

    expect(routes().filter((route) => route === 'listPools')).toHaveLength(1);
  });

  it('lists pools once when no queue is configured: the cycle runs there, whatever the count', async () => {
    const config = await sampleConfig(emulator.url, {
      fanOutAbovePools: 1,
      pools: [
        {
          selector: { labels: { autoscaler: 'enabled' } },
          flavors: [{ flavor: '*', max: 10, backlog: { source: { type: 'static', value: 1 } } }],
        },
      ],
    });
    const scheduled = makeScheduled(testDeps(config));
    await expect(scheduled(event, lambdaContext('scheduled'))).resolves.toMatchObject({ mode: 'cycle' });

    expect(routes().filter((route) => route === 'listPools')).toHaveLength(1);
  });

  it('sends named pools without a snapshot when their connection cannot be listed, so workers read them', async () => {
    emulator.failNext('listPools', 10, { status: 500, errorCode: 'ModelArts.50005000' });
    const config = await sampleConfig(emulator.url);
    const clients = testDeps(config).cycle.clients;
    const { pools, failures } = await managedPools(config, clients, { now: () => NOW });

    expect(failures).toEqual([{ connection: 'emulator', error: expect.any(String) }]);
    expect(pools.map((pool) => [pool.pool, pool.snapshot])).toEqual([
      [SAMPLE_POOL, undefined],
      [MULTI_POOL, undefined],
    ]);
  });
});

describe('fan-out message sizes', () => {
  const message = (pool: string, snapshot: unknown): PoolMessage => ({
    connection: 'c',
    project: 'p',
    pool,
    tick: '2025-01-15T12:00:00Z',
    snapshot,
    listedAt: NOW,
  });
  const bytes = (body: string) => Buffer.byteLength(body, 'utf8');

  it('fits ten pools with every documented field in one SendMessageBatch request', () => {
    const size = bytes(JSON.stringify(message(documented.metadata.name, documented)));
    expect(size).toBeLessThan(SQS_PAYLOAD_LIMIT_BYTES / SQS_BATCH_ENTRIES);
    const batches = batchesOf(
      Array.from({ length: 23 }, () => message(documented.metadata.name, documented)),
    );
    expect(batches.map((batch) => batch.length)).toEqual([10, 10, 3]);
  });

  it('starts a new request before the batch payload limit, keeping the send order', () => {
    const padded = (index: number) =>
      message(`pool-${index}`, {
        ...documented,
        metadata: { ...documented.metadata, annotations: { pad: 'x'.repeat(60_000) } },
      });
    const messages = Array.from({ length: 9 }, (_, index) => padded(index));
    const batches = batchesOf(messages);

    expect(batches.map((batch) => batch.length)).toEqual([4, 4, 1]);
    for (const batch of batches)
      expect(batch.reduce((sum, entry) => sum + bytes(entry.body), 0)).toBeLessThanOrEqual(
        SQS_PAYLOAD_LIMIT_BYTES,
      );
    expect(batches.flat().map((entry) => entry.message.pool)).toEqual(messages.map((m) => m.pool));
  });

  it('leaves out a snapshot too big for one message: that pool is read by its worker instead', () => {
    const huge = message('huge', {
      ...documented,
      metadata: { ...documented.metadata, annotations: { pad: 'x'.repeat(SQS_PAYLOAD_LIMIT_BYTES) } },
    });
    const [[entry] = []] = batchesOf([huge]);

    expect(JSON.parse(entry?.body ?? '{}')).toEqual({
      connection: 'c',
      project: 'p',
      pool: 'huge',
      tick: '2025-01-15T12:00:00Z',
    });
    expect(entry?.bytes).toBeLessThan(SQS_PAYLOAD_LIMIT_BYTES);
  });
});

describe('sending the messages', () => {
  it('sends requests at the concurrency asked for, and reports in send order', async () => {
    let inFlight = 0;
    let most = 0;
    sqs.on(SendMessageBatchCommand).callsFake(async () => {
      most = Math.max(most, ++inFlight);
      await new Promise((done) => setTimeout(done, 20));
      inFlight--;
      return { Successful: [], Failed: [] };
    });
    const messages = Array.from({ length: 45 }, (_, index) => messageFor(`pool-${index}`, 0, undefined));
    const result = await sendPoolMessages(new SQSClient({ region: 'eu-west-1' }), QUEUE, messages, 3);

    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(5);
    expect(most).toBe(3);
    expect(result.sent.map((message) => message.pool)).toEqual(messages.map((message) => message.pool));
  });
});

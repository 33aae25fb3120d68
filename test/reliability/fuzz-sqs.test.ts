// The worker under hostile SQS records: bodies of every shape, in batches whose records share message
// groups. Whatever arrives: the handler answers (never throws), fails exactly the records it cannot act
// on (and, FIFO, the later records of their group), logs why for each, and sends no PATCH: the config's
// backlog asks every pool for what it has, so any PATCH here would be a PATCH on doubt.

import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../emulator/server';
import { makeHandler } from '../../functions/worker';
import { createMemoryStateStore } from '../../lib/state/memory';
import { lambdaContext } from '../functions/harness';
import { recordFigures } from './figures';
import { countsOf, fleet, fleetConfig, targetEntries } from './fleet';
import { FUZZ_RUNS, hostileValue, mutated } from './hostile';
import { invocationDeps, type SampleEvents, sampleEvents, sqsRecord } from './invocations';
import { LONG_TEST_MS } from './ledger';
import { type CapturedOutput, captureRawOutput } from './output';
import { SecretScan, sentinelEmulatorAuth } from './sentinels';

const T0 = Date.UTC(2026, 0, 9, 9, 0, 0);
const { pools, members } = fleet(6);
const names = members.map((member) => member.name);
const PROJECT = 'emulator-project';

let emulator: Emulator;
let handler: ReturnType<typeof makeHandler>;
let events: SampleEvents;
let output: CapturedOutput;
const secrets = new SecretScan();
let records = 0;

beforeAll(async () => {
  emulator = await startEmulator({ pools, auth: sentinelEmulatorAuth(), now: () => T0, projectId: PROJECT });
  const seed = pools.map(
    (pool) => [pool.metadata.name, countsOf(pool.spec.resources)] as [string, Record<string, number>],
  );
  const config = fleetConfig({ endpoint: emulator.url, projectId: PROJECT, pools: targetEntries(seed) });
  handler = makeHandler(invocationDeps({ config, store: createMemoryStateStore(), now: () => T0 }));
  events = await sampleEvents();
  output = captureRawOutput();
});
afterAll(async () => {
  output?.restore();
  await emulator?.close();
});

// An independent reading of a pool message (lib/aws/pool-message.ts documents it).
const MESSAGE_KEYS = new Set(['connection', 'project', 'pool', 'tick', 'dryRun']);
const text = (value: unknown, max: number) =>
  typeof value === 'string' && value.length >= 1 && value.length <= max;
function actionable(body: string): boolean {
  let message: unknown;
  try {
    message = JSON.parse(body);
  } catch {
    return false;
  }
  if (typeof message !== 'object' || message === null || Array.isArray(message)) return false;
  const m = message as Record<string, unknown>;
  return (
    Object.keys(m).every((key) => MESSAGE_KEYS.has(key)) &&
    text(m.connection, 128) &&
    text(m.project, 128) &&
    text(m.pool, 128) &&
    text(m.tick, 64) &&
    (m.dryRun === undefined || typeof m.dryRun === 'boolean') &&
    // What the worker can act on: a connection of the config and a pool it manages.
    m.connection === 'emu' &&
    names.includes(m.pool as string)
  );
}

const message = fc.record({
  connection: fc.constant('emu'),
  project: fc.constant(PROJECT),
  pool: fc.constantFrom(...names),
  tick: fc.constant('2026-01-09T09:00:00Z'),
  dryRun: fc.boolean(),
});

const body: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: message.map((m) => JSON.stringify(m)) },
  {
    weight: 3,
    arbitrary: fc
      .record(
        {
          connection: fc.oneof(fc.constant('emu'), hostileValue),
          project: fc.oneof(fc.constant(PROJECT), hostileValue),
          pool: fc.oneof(fc.constantFrom(...names), hostileValue),
          tick: fc.oneof(fc.constant('t'), hostileValue),
          dryRun: fc.oneof(fc.boolean(), hostileValue),
        },
        { requiredKeys: [] },
      )
      .map((m) => JSON.stringify(m)),
  },
  { weight: 2, arbitrary: message.chain((m) => mutated(m)).map((value) => JSON.stringify(value) ?? '') },
  fc.jsonValue().map((value) => JSON.stringify(value)),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.constantFrom('', ' ', 'null', '{}', '[]', '"{}"', '{"pool":'),
);

/**
 * Runs the worker. When every record fails, Powertools throws FullBatchFailureError (SQS then retries the
 * whole batch): counted, and read as "all failed" with the reasons it carries, so the fuzzing goes on; the
 * test below holds the worker to a batch response in that case too.
 */
let fullBatchThrows = 0;
async function invoke(event: SQSEvent, requestId: string): Promise<{ failed: string[]; logged: string }> {
  let response: SQSBatchResponse;
  let reasons = '';
  try {
    response = (await handler(event, lambdaContext(requestId))) as SQSBatchResponse;
  } catch (error) {
    if (!(error instanceof Error) || error.name !== 'FullBatchFailureError') throw error;
    fullBatchThrows += 1;
    secrets.scan('worker error', error);
    reasons = ((error as Error & { recordErrors?: Error[] }).recordErrors ?? [])
      .map((e) => e.message)
      .join('\n');
    response = { batchItemFailures: event.Records.map((record) => ({ itemIdentifier: record.messageId })) };
  }
  const logged = `${output.drain()}\n${reasons}`;
  secrets.scan('worker response', response);
  secrets.scan('worker output', logged);
  return { failed: response.batchItemFailures.map((failure) => failure.itemIdentifier), logged };
}

const batch = fc.array(fc.record({ body, group: fc.constantFrom('g1', 'g2', 'own') }), {
  minLength: 1,
  maxLength: 6,
});

/** The records the worker must fail: the ones it cannot act on, and (FIFO) every later one of their groups. */
function expectedFailures(event: SQSEvent): string[] {
  const broken = new Set<string>();
  const failed: string[] = [];
  for (const record of event.Records) {
    const group = record.attributes.MessageGroupId ?? record.messageId;
    if (broken.has(group) || !actionable(record.body)) {
      broken.add(group);
      failed.push(record.messageId);
    }
  }
  return failed;
}

describe('the worker under hostile SQS records', { timeout: LONG_TEST_MS }, () => {
  it('fails exactly the records it cannot act on, says why, and never PATCHes', async () => {
    let invocation = 0;
    await fc.assert(
      fc.asyncProperty(batch, async (items) => {
        invocation += 1;
        records += items.length;
        const event: SQSEvent = {
          Records: items.map((item, i) => {
            const id = `m-${invocation}-${i}`;
            return sqsRecord(events.worker, id, item.body, item.group === 'own' ? id : item.group);
          }),
        };
        const first = emulator.requests.length;
        const { failed, logged } = await invoke(event, `fuzz-sqs-${invocation}`);
        expect(failed).toEqual(expectedFailures(event));
        // A record held back behind a failed record of its group is reported with Powertools' reason; any other
        // with its id and what is wrong with it.
        const failedGroups = new Set<string>();
        for (const record of event.Records.filter((r) => failed.includes(r.messageId))) {
          const group = record.attributes.MessageGroupId ?? record.messageId;
          if (failedGroups.has(group))
            expect(logged).toContain('A previous record from this message group failed');
          else expect(logged).toMatch(new RegExp(`message ${record.messageId}: .`));
          failedGroups.add(group);
        }
        const sent = emulator.requests.slice(first);
        expect(sent.filter((request) => request.route === 'patchPool')).toEqual([]);
        expect(sent.every((request) => request.route === 'getPool')).toBe(true);
      }),
      // Batches of 1..6 records: about 2,000 records.
      { numRuns: FUZZ_RUNS * 0.6, seed: 0x5a5 },
    );
    expect(countsOf(emulator.pool(names[0] as string)?.spec.resources ?? [])).toEqual(
      countsOf(pools[0]?.spec.resources ?? []),
    );
  });

  it('fails a message for a connection the config does not have, naming why', async () => {
    const stranger = JSON.stringify({ connection: 'elsewhere', project: PROJECT, pool: names[1], tick: 't' });
    const fine = JSON.stringify({ connection: 'emu', project: PROJECT, pool: names[1], tick: 't' });
    const { failed, logged } = await invoke(
      { Records: [sqsRecord(events.worker, 'elsewhere', stranger), sqsRecord(events.worker, 'fine', fine)] },
      'fuzz-sqs-connection',
    );
    expect(failed).toEqual(['elsewhere']);
    expect(logged).toMatch(/message elsewhere: .*not managed/);
  });

  it('answers a batch whose every record fails with a batch response that lists them, and logs why', async () => {
    const event: SQSEvent = {
      Records: [
        sqsRecord(events.worker, 'bad-1', '{"pool": 42}'),
        sqsRecord(events.worker, 'bad-2', 'not json'),
      ],
    };
    const response = (await handler(event, lambdaContext('fuzz-sqs-all-bad'))) as SQSBatchResponse;
    const logged = output.drain();
    expect(response.batchItemFailures.map((failure) => failure.itemIdentifier)).toEqual(['bad-1', 'bad-2']);
    expect(logged).toMatch(/"message":"pool message failed"[^\n]*message bad-1: not a pool message/);
    expect(logged).toMatch(/"message":"pool message failed"[^\n]*message bad-2: not a pool message/);
  });

  afterAll(async () => {
    secrets.scanAll('emulator request', emulator.requests);
    await recordFigures('fuzz-sqs', {
      fuzzCases: { sqsRecords: records },
      fullBatchThrows,
      secrets: secrets.figures,
    });
    expect(secrets.findings).toEqual([]);
  });
});

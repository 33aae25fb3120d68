import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeHandler } from '../../functions/worker';
import type { PoolMessage } from '../../lib/aws/pool-message';
import {
  AWS_BACKLOG_READS,
  awsBacklogReads,
  awsBacklogSources,
  signedConnections,
  TEST_AK,
} from './aws-fakes';
import { setUpFunctionTests } from './function-tests';
import {
  decisions,
  emfDocuments,
  lambdaContext,
  MULTI_POOL,
  patchedCounts,
  patchRequests,
  readEvent,
  SAMPLE_FLAVOR,
  SAMPLE_POOL,
  sampleConfig,
} from './harness';
import { uncataloguedMetrics } from './metric-check';
import { describeRolePermissions } from './role-permissions';

const tests = setUpFunctionTests('worker');
let sample: SQSEvent;

beforeAll(async () => {
  sample = await readEvent<SQSEvent>('worker');
});

const [good, malformed] = [0, 1];
const recordOf = (event: SQSEvent, index: number): SQSRecord => {
  const record = event.Records[index];
  if (!record) throw new Error(`events/worker.json has no record ${index}`);
  return record;
};

/** A record like the sample's good one, for another pool (its own message group). */
const recordFor = (message: PoolMessage, messageId: string): SQSRecord => ({
  ...recordOf(sample, good),
  messageId,
  body: JSON.stringify(message),
  attributes: { ...recordOf(sample, good).attributes, MessageGroupId: `${message.project}/${message.pool}` },
});

const message = (pool: string, extra: Partial<PoolMessage> = {}): PoolMessage => ({
  connection: 'emulator',
  project: 'emulator-project',
  pool,
  tick: '2025-01-15T12:00:00Z',
  ...extra,
});

describe('worker', () => {
  it('scales the pool of the good record and fails only the malformed one (events/worker.json)', async () => {
    const handler = makeHandler(await tests.deps(await sampleConfig(tests.emulator.url)));
    const response = await handler(sample, lambdaContext());

    expect(response).toEqual({
      batchItemFailures: [{ itemIdentifier: recordOf(sample, malformed).messageId }],
    });
    expect(patchedCounts(tests.emulator, SAMPLE_POOL)).toEqual([
      [expect.objectContaining({ flavor: SAMPLE_FLAVOR, count: 6 })],
    ]);
    // The message names one pool: the worker reads that pool alone and lists nothing.
    // The message's pool is read, then read again under its lease before the PATCH.
    // Between the two reads, the flavor stock of the growing pool's connection (issue #15).
    expect(tests.emulator.requests.map((request) => request.route)).toEqual([
      'getPool',
      'listFlavors',
      'getPool',
      'patchPool',
    ]);
    const failure = tests.output.lines().find((line) => line.message === 'pool message failed');
    expect(failure?.error).toMatch(
      /not a pool message \(connection: .*; pool: .*expected string, received number\)/,
    );
  });

  it('counts each pool message that scaled its pool as a successful cycle, and emits only catalogued metrics', async () => {
    await makeHandler(await tests.deps(await sampleConfig(tests.emulator.url)))(sample, lambdaContext());

    const lines = tests.output.lines();
    expect(uncataloguedMetrics(lines, false)).toEqual([]);
    expect(emfDocuments(lines).find((doc) => 'CyclesSucceeded' in doc)).toMatchObject({
      CyclesSucceeded: 1,
      FailedMessages: 1,
    });
  });

  it('fails a record whose pool cannot be scaled, so it is retried and dead-lettered alone', async () => {
    tests.emulator.failNext('patchPool', 10, { status: 500, errorCode: 'ModelArts.50015000' });
    const handler = makeHandler(await tests.deps(await sampleConfig(tests.emulator.url)));
    const event = {
      Records: [recordFor(message(SAMPLE_POOL), 'scale-fails'), recordFor(message(MULTI_POOL), 'holds')],
    };
    const response = await handler(event, lambdaContext());

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'scale-fails' }] });
    expect(decisions(tests.output.lines())).toContainEqual(
      expect.objectContaining({ pool: MULTI_POOL, outcome: 'unchanged' }),
    );
  });

  it('also fails later messages of a failed message group, keeping FIFO order', async () => {
    const handler = makeHandler(await tests.deps(await sampleConfig(tests.emulator.url)));
    const broken = { ...recordOf(sample, malformed), messageId: 'broken' };
    const sameGroup = { ...recordFor(message(SAMPLE_POOL), 'same-group'), attributes: broken.attributes };
    const otherGroup = recordFor(message(SAMPLE_POOL), 'other-group');
    const response = await handler({ Records: [broken, sameGroup, otherGroup] }, lambdaContext());

    expect(response.batchItemFailures.map((failure) => failure.itemIdentifier)).toEqual([
      'broken',
      'same-group',
    ]);
    expect(patchRequests(tests.emulator)).toHaveLength(1);
  });

  it('plans only for a message that asks for a dry run', async () => {
    const handler = makeHandler(await tests.deps(await sampleConfig(tests.emulator.url)));
    const response = await handler(
      { Records: [recordFor(message(SAMPLE_POOL, { dryRun: true }), 'dry')] },
      lambdaContext(),
    );

    expect(response).toEqual({ batchItemFailures: [] });
    expect(patchRequests(tests.emulator)).toEqual([]);
    expect(decisions(tests.output.lines())).toEqual([
      expect.objectContaining({ pool: SAMPLE_POOL, outcome: 'dry-run' }),
    ]);
  });

  it('asks only the connection the message names', async () => {
    const config = await sampleConfig(tests.emulator.url, (document) => ({
      ...document,
      connections: [
        { name: 'emulator', region: 'cn-north-7', projectId: 'emulator-project', auth: { type: 'none' } },
        { name: 'elsewhere', region: 'cn-north-4', projectId: 'other-project', auth: { type: 'none' } },
      ],
      pools: ['emulator', 'elsewhere'].flatMap((connection) =>
        document.pools.map((entry) => ({ ...entry, connection })),
      ),
    }));
    const handler = makeHandler(await tests.deps(config));
    const response = await handler({ Records: [recordFor(message(SAMPLE_POOL), 'one')] }, lambdaContext());

    expect(response).toEqual({ batchItemFailures: [] });
    expect(tests.emulator.requests.map((request) => request.path)).toEqual([
      `/v2/emulator-project/pools/${SAMPLE_POOL}`,
      '/v1/emulator-project/resourceflavors',
      `/v2/emulator-project/pools/${SAMPLE_POOL}`,
      `/v2/emulator-project/pools/${SAMPLE_POOL}`,
    ]);
  });

  it('signs its ModelArts requests with the AK/SK of its credentials parameter', async () => {
    const emulator = await tests.verifySignatures();
    const handler = makeHandler(await tests.deps(await sampleConfig(emulator.url, signedConnections)));
    const response = await handler({ Records: [recordFor(message(SAMPLE_POOL), 'signed')] }, lambdaContext());

    expect(response).toEqual({ batchItemFailures: [] });
    // Every request, whatever the number the cycle makes, is signed with the parameter's AK/SK.
    const authorizations = emulator.requests.map((request) => request.headers.authorization);
    expect(authorizations.length).toBeGreaterThan(0);
    for (const authorization of authorizations) expect(authorization).toContain(`Access=${TEST_AK}`);
  });

  it('scales on backlogs read from SQS and CloudWatch', async () => {
    const handler = makeHandler(await tests.deps(await sampleConfig(tests.emulator.url, awsBacklogSources)));
    const response = await handler({ Records: [recordFor(message(MULTI_POOL), 'multi')] }, lambdaContext());

    expect(response).toEqual({ batchItemFailures: [] });
    expect(awsBacklogReads(tests.aws, tests.output.lines())).toEqual(AWS_BACKLOG_READS);
  });
});

describeRolePermissions(tests);

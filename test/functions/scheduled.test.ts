import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeHandler, type ScheduledEvent } from '../../functions/scheduled';
import { FanOutError } from '../../lib/aws/fan-out';
import { messageDeduplicationId } from '../../lib/aws/pool-message';
import {
  AWS_BACKLOG_READS,
  awsBacklogReads,
  awsBacklogSources,
  KILL_SWITCH_PARAMETER,
  POOL_QUEUE_URL,
  signedConnections,
  TEST_AK,
} from './aws-fakes';
import { setUpFunctionTests } from './function-tests';
import {
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
} from './harness';
import { uncataloguedMetrics } from './metric-check';
import { describeRolePermissions } from './role-permissions';

const tests = setUpFunctionTests('scheduled');
let event: ScheduledEvent;

beforeAll(async () => {
  event = await readEvent<ScheduledEvent>('scheduled');
});

describe('scheduled', () => {
  it('runs a cycle over the managed pools and scales the one whose backlog grew', async () => {
    const handler = makeHandler(await tests.deps(await sampleConfig(tests.emulator.url)));
    const result = await handler(event, lambdaContext());

    expect(result).toMatchObject({
      mode: 'cycle',
      dryRun: false,
      pools: 2,
      counts: { patched: 1, unchanged: 1 },
    });
    expect(patchedCounts(tests.emulator, SAMPLE_POOL)).toEqual([
      [expect.objectContaining({ flavor: SAMPLE_FLAVOR, count: 6 })],
    ]);
    expect(tests.emulator.pool(SAMPLE_POOL)?.spec.resources[0]?.count).toBe(6);
    expect(patchedCounts(tests.emulator, MULTI_POOL)).toEqual([]);
  });

  it('logs one decision record and one EMF document per pool and flavor, with the correlation id', async () => {
    const handler = makeHandler(await tests.deps(await sampleConfig(tests.emulator.url)));
    await handler(event, lambdaContext());

    const lines = tests.output.lines();
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
    // Per connection and flavor by default: no pool dimension (metrics.perPool is off).
    expect(emf.every((doc) => !('pool' in doc))).toBe(true);
    expect(emf.find((doc) => doc.flavor === SAMPLE_FLAVOR && doc.TargetNodes === 6)).toMatchObject({
      connection: 'emulator',
      CurrentNodes: 3,
      TargetNodes: 6,
      Backlog: 6,
      ScaleActions: 1,
      GuardSkips: 0,
      Errors: 0,
    });
  });

  it('adds the pool as a dimension of the decision metrics when metrics.perPool is on', async () => {
    const config = await sampleConfig(tests.emulator.url, { metrics: { perPool: true } });
    await makeHandler(await tests.deps(config))(event, lambdaContext());

    const emf = emfDocuments(tests.output.lines()).filter((doc) => 'TargetNodes' in doc);
    expect(emf.map((doc) => `${doc.connection}/${doc.pool}/${doc.flavor}`).sort()).toEqual([
      `emulator/${MULTI_POOL}/modelarts.vm.gpu.t4u8`,
      `emulator/${MULTI_POOL}/modelarts.vm.gpu.tnt004`,
      `emulator/${SAMPLE_POOL}/${SAMPLE_FLAVOR}`,
    ]);
    expect(uncataloguedMetrics(tests.output.lines(), true)).toEqual([]);
  });

  it('emits only catalogued metrics, with the heartbeat of a cycle no pool failed', async () => {
    await makeHandler(await tests.deps(await sampleConfig(tests.emulator.url)))(event, lambdaContext());

    const lines = tests.output.lines();
    expect(uncataloguedMetrics(lines, false)).toEqual([]);
    expect(emfDocuments(lines).find((doc) => 'CyclesSucceeded' in doc)).toMatchObject({
      CyclesSucceeded: 1,
      PoolsEvaluated: 2,
    });
  });

  it('counts no successful cycle when a pool fails', async () => {
    const config = await sampleConfig(tests.emulator.url, (document) => ({
      ...document,
      pools: [
        ...document.pools,
        {
          name: 'no-such-pool',
          flavors: [{ flavor: '*', max: 2, backlog: { source: { type: 'static', value: 1 } } }],
        },
      ],
    }));
    await makeHandler(await tests.deps(config))(event, lambdaContext());

    expect(emfDocuments(tests.output.lines()).find((doc) => 'CyclesSucceeded' in doc)).toMatchObject({
      CyclesSucceeded: 0,
    });
  });

  it('plans without PATCHing when the event asks for a dry run', async () => {
    const handler = makeHandler(await tests.deps(await sampleConfig(tests.emulator.url)));
    const result = await handler({ ...event, detail: { dryRun: true } }, lambdaContext());

    expect(result).toMatchObject({ mode: 'cycle', dryRun: true, counts: { 'dry-run': 1, unchanged: 1 } });
    expect(patchRequests(tests.emulator)).toEqual([]);
  });

  it('changes nothing while the kill switch parameter is on', async () => {
    tests.parameters.set(KILL_SWITCH_PARAMETER, 'on', 'String');
    const result = await makeHandler(await tests.deps(await sampleConfig(tests.emulator.url)))(
      event,
      lambdaContext(),
    );

    expect(result).toMatchObject({ mode: 'cycle', counts: { skipped: 2 } });
    expect(patchRequests(tests.emulator)).toEqual([]);
    expect(
      decisions(tests.output.lines()).every((record) => (record.reasons as string[]).includes('kill-switch')),
    ).toBe(true);
  });

  it('fans out one FIFO message per pool above fanOutAbovePools, and scales nothing itself', async () => {
    const config = await sampleConfig(tests.emulator.url, { fanOutAbovePools: 1 });
    const handler = makeHandler(await tests.deps(config));
    const result = await handler(event, lambdaContext());

    expect(result).toEqual({ mode: 'fan-out', tick: event.time, sent: 2, listFailures: [] });
    const calls = tests.aws.sqs.commandCalls(SendMessageBatchCommand);
    expect(calls.map((call) => call.args[0].input.QueueUrl)).toEqual([POOL_QUEUE_URL]);
    const entries = calls.flatMap((call) => call.args[0].input.Entries ?? []);
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
    expect(tests.emulator.requests.map((request) => request.route)).toEqual(['listPools']);
  });

  it('lists a connection with selector entries once to count and name its pools', async () => {
    const config = await sampleConfig(tests.emulator.url, {
      fanOutAbovePools: 1,
      pools: [
        {
          selector: { labels: { autoscaler: 'enabled' } },
          flavors: [{ flavor: '*', max: 10, backlog: { source: { type: 'static', value: 1 } } }],
        },
      ],
    });
    const handler = makeHandler(await tests.deps(config));
    const result = await handler(event, lambdaContext());

    expect(tests.emulator.requests.map((request) => request.route)).toEqual(['listPools']);
    expect(result).toMatchObject({ mode: 'fan-out', sent: 8 });
  });

  it('fails the invocation when SQS refuses messages, so that EventBridge retries it', async () => {
    tests.aws.sqs.on(SendMessageBatchCommand).resolves({
      Successful: [],
      Failed: [{ Id: '1', Code: 'InternalError', SenderFault: false }],
    });
    const config = await sampleConfig(tests.emulator.url, { fanOutAbovePools: 1 });
    const handler = makeHandler(await tests.deps(config));

    await expect(handler(event, lambdaContext())).rejects.toThrow(FanOutError);
  });

  it('runs the cycle itself above the threshold when no queue is configured (local runs)', async () => {
    const config = await sampleConfig(tests.emulator.url, { fanOutAbovePools: 1 });
    const handler = makeHandler(await tests.deps(config, { AUTOSCALER_QUEUE_URL: undefined }));
    await expect(handler(event, lambdaContext())).resolves.toMatchObject({ mode: 'cycle', pools: 2 });
  });

  it('refuses an event that is not an EventBridge event', async () => {
    const handler = makeHandler(await tests.deps(await sampleConfig(tests.emulator.url)));
    await expect(handler({ hello: 'world' } as unknown as ScheduledEvent, lambdaContext())).rejects.toThrow(
      /invalid event: version: .*; id: /,
    );
    expect(tests.emulator.requests).toEqual([]);
  });

  it('signs its ModelArts requests with the AK/SK of its credentials parameter', async () => {
    const emulator = await tests.verifySignatures();
    const handler = makeHandler(await tests.deps(await sampleConfig(emulator.url, signedConnections)));
    const result = await handler(event, lambdaContext());

    expect(result).toMatchObject({ mode: 'cycle', counts: { patched: 1, unchanged: 1 } });
    // Every request, whatever the number the cycle makes, is signed with the parameter's AK/SK.
    const authorizations = emulator.requests.map((request) => request.headers.authorization);
    expect(authorizations.length).toBeGreaterThan(0);
    for (const authorization of authorizations) expect(authorization).toContain(`Access=${TEST_AK}`);
  });

  it('scales on backlogs read from SQS and CloudWatch', async () => {
    const handler = makeHandler(await tests.deps(await sampleConfig(tests.emulator.url, awsBacklogSources)));
    await handler(event, lambdaContext());

    expect(awsBacklogReads(tests.aws, tests.output.lines())).toEqual(AWS_BACKLOG_READS);
    expect(decisions(tests.output.lines()).filter((record) => record.pool === MULTI_POOL)).toEqual([
      expect.objectContaining({ outcome: 'unchanged' }),
      expect.objectContaining({ outcome: 'unchanged' }),
    ]);
  });
});

describeRolePermissions(tests);

import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { type BacklogRequest, readBacklogs } from '../../lib/metrics/read';
import { BacklogSourceConfigSchema } from '../../lib/metrics/registry';

const now = Date.UTC(2025, 5, 1, 12, 0, 0);
const cloudwatch = mockClient(CloudWatchClient);

const config = (extra: Record<string, unknown> = {}) =>
  BacklogSourceConfigSchema.parse({
    type: 'cloudwatch',
    namespace: 'Training',
    metricName: 'QueuedJobs',
    dimensions: { Pool: '{pool}', Flavor: '{flavor}' },
    statistic: 'Maximum',
    periodSeconds: 60,
    lookbackSeconds: 600,
    ...extra,
  });

const request = (flavor: string, source = config()): BacklogRequest => ({ pool: 'pool-a', flavor, source });

const read = (requests: BacklogRequest[]) => readBacklogs(requests, { now: () => now });

beforeEach(() => cloudwatch.reset());

describe('cloudwatch backlog source', () => {
  it('sends one GetMetricData query for the target and takes the latest datapoint with its time', async () => {
    cloudwatch.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        {
          Id: 'backlog',
          Timestamps: [new Date(now - 120_000), new Date(now - 60_000), new Date(now - 180_000)],
          Values: [5, 8, 2],
          StatusCode: 'Complete',
        },
      ],
    });
    const gpu = request('modelarts.vm.gpu.v100');
    const backlog = (await read([gpu])).get(gpu);

    expect(cloudwatch.commandCalls(GetMetricDataCommand).map((call) => call.args[0].input)).toEqual([
      {
        MetricDataQueries: [
          {
            Id: 'backlog',
            MetricStat: {
              Metric: {
                Namespace: 'Training',
                MetricName: 'QueuedJobs',
                Dimensions: [
                  { Name: 'Pool', Value: 'pool-a' },
                  { Name: 'Flavor', Value: 'modelarts.vm.gpu.v100' },
                ],
              },
              Period: 60,
              Stat: 'Maximum',
            },
            ReturnData: true,
          },
        ],
        StartTime: new Date(now - 600_000),
        EndTime: new Date(now),
        ScanBy: 'TimestampDescending',
      },
    ]);
    expect(backlog).toEqual({
      ok: true,
      value: 8,
      observedAt: now - 60_000,
      source: 'cloudwatch:Training/QueuedJobs',
    });
  });

  it('reads a metric once when its dimensions do not depend on the flavor', async () => {
    cloudwatch.on(GetMetricDataCommand).resolves({
      MetricDataResults: [{ Id: 'backlog', Timestamps: [new Date(now - 60_000)], Values: [3] }],
    });
    const shared = config({ dimensions: { Queue: 'training' } });
    const backlogs = await read([request('gpu', shared), request('cpu', shared)]);

    expect(cloudwatch.commandCalls(GetMetricDataCommand)).toHaveLength(1);
    expect([...backlogs.values()].every((backlog) => backlog.ok && backlog.value === 3)).toBe(true);
  });

  it('counts a window without datapoints as zero, or as missing when configured', async () => {
    cloudwatch
      .on(GetMetricDataCommand)
      .resolves({ MetricDataResults: [{ Id: 'backlog', Timestamps: [], Values: [] }] });
    const zero = request('gpu');
    const missing = request('gpu', config({ emptyAs: 'missing' }));
    const backlogs = await read([zero, missing]);

    expect(backlogs.get(zero)).toMatchObject({ ok: true, value: 0, observedAt: now });
    expect(backlogs.get(missing)).toMatchObject({ ok: false, reason: 'missing' });
  });

  it('reports a datapoint older than staleAfterSeconds as stale', async () => {
    cloudwatch.on(GetMetricDataCommand).resolves({
      MetricDataResults: [{ Id: 'backlog', Timestamps: [new Date(now - 400_000)], Values: [9] }],
    });
    const old = { ...request('gpu'), staleAfterSeconds: 300 };
    const backlog = (await read([old])).get(old);

    expect(backlog).toMatchObject({ ok: false, reason: 'stale', source: 'cloudwatch:Training/QueuedJobs' });
    expect(backlog?.ok === false && backlog.message).toContain('400 s ago');
  });

  it('turns a CloudWatch error into a failure naming the metric', async () => {
    cloudwatch.on(GetMetricDataCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDenied' }));
    const gpu = request('gpu');
    const backlog = (await read([gpu])).get(gpu);

    expect(backlog).toMatchObject({ ok: false, reason: 'failed' });
    expect(backlog?.ok === false && backlog.message).toMatch(/Training\/QueuedJobs.*AccessDenied/);
  });
});

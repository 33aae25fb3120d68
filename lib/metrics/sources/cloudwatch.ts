// Any CloudWatch metric as backlog, read with GetMetricData: the latest datapoint in the lookback
// window, stamped with its own timestamp so an idle publisher shows up as stale.

import {
  CloudWatchClient,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
} from '@aws-sdk/client-cloudwatch';
import { z } from 'zod';
import { emptyAs, perRegion, renderTemplate } from '../common';
import { BacklogSourceError, describeCause } from '../errors';
import type { BacklogSource, BacklogTarget } from '../source';

const statistic = z
  .string()
  .regex(
    /^(SampleCount|Average|Sum|Minimum|Maximum|p\d{1,2}(\.\d+)?|p100)$/,
    'must be SampleCount, Average, Sum, Minimum, Maximum or a percentile like p90',
  );

export const CloudWatchSourceConfigSchema = z
  .strictObject({
    type: z.literal('cloudwatch'),
    namespace: z.string().min(1).max(255),
    metricName: z.string().min(1).max(255),
    dimensions: z
      .record(z.string().min(1).max(255), z.string().min(1).max(1024))
      .default({})
      .describe('Dimension name to value; values may use {pool} and {flavor}.'),
    statistic: statistic.default('Maximum'),
    periodSeconds: z
      .number()
      .int()
      .positive()
      .refine((period) => [1, 5, 10, 30].includes(period) || period % 60 === 0, {
        message: 'must be 1, 5, 10, 30 or a multiple of 60',
      })
      .default(60),
    lookbackSeconds: z
      .number()
      .int()
      .positive()
      .default(300)
      .describe('How far back to look for the latest datapoint.'),
    region: z
      .string()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'must be an AWS region like eu-west-1')
      .optional(),
    emptyAs,
  })
  .refine((config) => config.lookbackSeconds >= config.periodSeconds, {
    path: ['lookbackSeconds'],
    message: 'must be at least periodSeconds',
  });

export type CloudWatchSourceConfig = z.infer<typeof CloudWatchSourceConfigSchema>;

export interface CloudWatchSourceDeps {
  cloudWatchClient?: (region: string | undefined) => CloudWatchClient;
}

const defaultClient = perRegion((region) => new CloudWatchClient(region ? { region } : {}));

/** The GetMetricData request for one target at `now`: exported so tests and dry runs can show it. */
export function metricDataRequest(
  config: CloudWatchSourceConfig,
  target: BacklogTarget,
  now: number,
): GetMetricDataCommandInput {
  return {
    MetricDataQueries: [
      {
        Id: 'backlog',
        MetricStat: {
          Metric: {
            Namespace: config.namespace,
            MetricName: config.metricName,
            Dimensions: Object.entries(config.dimensions).map(([Name, value]) => ({
              Name,
              Value: renderTemplate(value, target),
            })),
          },
          Period: config.periodSeconds,
          Stat: config.statistic,
        },
        ReturnData: true,
      },
    ],
    StartTime: new Date(now - config.lookbackSeconds * 1000),
    EndTime: new Date(now),
    ScanBy: 'TimestampDescending',
  };
}

const dimensionsLabel = (config: CloudWatchSourceConfig, target: BacklogTarget) =>
  Object.entries(config.dimensions)
    .map(([name, value]) => `${name}=${renderTemplate(value, target)}`)
    .join(',');

export function createCloudWatchSource(
  config: CloudWatchSourceConfig,
  deps: CloudWatchSourceDeps = {},
): BacklogSource<{ latest?: { value: number; observedAt: number }; readAt: number }> {
  const client = (deps.cloudWatchClient ?? defaultClient)(config.region);
  const query = (target: BacklogTarget) =>
    `${config.namespace}/${config.metricName}{${dimensionsLabel(config, target)}} ${config.statistic}/${config.periodSeconds}s`;
  return {
    type: 'cloudwatch',
    queryKey: query,
    describe: () => `cloudwatch:${config.namespace}/${config.metricName}`,
    async read(target, { signal, now }) {
      let values: number[] = [];
      let timestamps: Date[] = [];
      try {
        const output = await client.send(new GetMetricDataCommand(metricDataRequest(config, target, now)), {
          abortSignal: signal,
        });
        const result = output.MetricDataResults?.find((entry) => entry.Id === 'backlog');
        values = result?.Values ?? [];
        timestamps = result?.Timestamps ?? [];
      } catch (error) {
        throw new BacklogSourceError(
          'cloudwatch',
          query(target),
          `GetMetricData failed: ${describeCause(error)}`,
          {
            cause: error,
          },
        );
      }
      // Pages and scan order aside, the latest datapoint is the one with the greatest timestamp.
      let latest: { value: number; observedAt: number } | undefined;
      values.forEach((value, index) => {
        const observedAt = timestamps[index]?.getTime();
        if (
          observedAt !== undefined &&
          Number.isFinite(value) &&
          (!latest || observedAt > latest.observedAt)
        ) {
          latest = { value, observedAt };
        }
      });
      if (latest && latest.value < 0) {
        throw new BacklogSourceError(
          'cloudwatch',
          query(target),
          `latest datapoint is negative (${latest.value})`,
        );
      }
      return latest ? { latest, readAt: now } : { readAt: now };
    },
    pick({ latest, readAt }, target) {
      if (latest) return latest;
      if (config.emptyAs === 'missing') {
        throw new BacklogSourceError(
          'cloudwatch',
          query(target),
          `no datapoint in the last ${config.lookbackSeconds} s`,
          {
            reason: 'missing',
          },
        );
      }
      return { value: 0, observedAt: readAt };
    },
  };
}

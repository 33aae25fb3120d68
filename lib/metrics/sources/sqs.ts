// SQS queue depth as backlog, the way KEDA's aws-sqs-queue scaler counts it: visible messages plus
// in-flight ones (on by default, so work being processed is not scaled away) plus, optionally, delayed.

import { GetQueueAttributesCommand, type QueueAttributeName, SQSClient } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import { perRegion, toBacklogNumber } from '../common';
import { BacklogSourceError, describeCause } from '../errors';
import type { BacklogSource } from '../source';

export const SqsSourceConfigSchema = z.strictObject({
  type: z.literal('sqs'),
  queueUrl: z
    .url({ protocol: /^https?$/ })
    .describe('The queue URL, e.g. https://sqs.eu-west-1.amazonaws.com/123456789012/jobs.'),
  region: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'must be an AWS region like eu-west-1')
    .optional()
    .describe('Defaults to the region in the queue URL, then to the Lambda region.'),
  includeInFlight: z.boolean().default(true).describe('Count ApproximateNumberOfMessagesNotVisible.'),
  includeDelayed: z.boolean().default(false).describe('Count ApproximateNumberOfMessagesDelayed.'),
});

export type SqsSourceConfig = z.infer<typeof SqsSourceConfigSchema>;

export interface SqsSourceDeps {
  /** One client per region; tests mock the SQSClient class. */
  sqsClient?: (region: string | undefined) => SQSClient;
}

/** `sqs.eu-west-1.amazonaws.com` (and `.amazonaws.com.cn`) name their region; other hosts do not. */
export function queueRegion(queueUrl: string): string | undefined {
  return /^sqs\.([a-z]{2}(?:-[a-z]+)+-\d+)\.amazonaws\.com/.exec(new URL(queueUrl).hostname)?.[1];
}

const queueName = (queueUrl: string) =>
  new URL(queueUrl).pathname.split('/').filter(Boolean).at(-1) ?? queueUrl;

export function attributeNames(config: SqsSourceConfig): QueueAttributeName[] {
  return [
    'ApproximateNumberOfMessages',
    ...(config.includeInFlight ? (['ApproximateNumberOfMessagesNotVisible'] as const) : []),
    ...(config.includeDelayed ? (['ApproximateNumberOfMessagesDelayed'] as const) : []),
  ];
}

const defaultClient = perRegion((region) => new SQSClient(region ? { region } : {}));

export function createSqsSource(
  config: SqsSourceConfig,
  deps: SqsSourceDeps = {},
): BacklogSource<{ value: number; observedAt: number }> {
  const { queueUrl } = config;
  const client = (deps.sqsClient ?? defaultClient)(config.region ?? queueRegion(queueUrl));
  const names = attributeNames(config);
  const label = `sqs:${queueName(queueUrl)}`;
  return {
    type: 'sqs',
    queryKey: () => queueUrl,
    describe: () => label,
    async read(_target, { signal, now }) {
      let attributes: Partial<Record<string, string>> | undefined;
      try {
        const output = await client.send(
          new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: names }),
          { abortSignal: signal },
        );
        attributes = output.Attributes;
      } catch (error) {
        throw new BacklogSourceError('sqs', queueUrl, `GetQueueAttributes failed: ${describeCause(error)}`, {
          cause: error,
        });
      }
      let value = 0;
      for (const name of names) {
        const count = toBacklogNumber(attributes?.[name]);
        if (count === undefined) {
          throw new BacklogSourceError('sqs', queueUrl, `GetQueueAttributes returned no numeric ${name}`);
        }
        value += count;
      }
      return { value, observedAt: now };
    },
    pick: (answer) => answer,
  };
}

// The SNS receiver: one Publish per message to the configured topic. The client is created on the first
// message (the bundles load an @aws-sdk package on first use: functions/build/esbuild-plugins.cjs), so a
// function without `notifications.sns` never loads it. Subscribers filter on the `kind` and `pool` attributes.

import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { NotifyError } from '../notify/errors';
import type { NotifyChannel } from '../notify/types';
import { awsClientSettings } from './sdk-settings';

export interface SnsChannelOptions {
  topicArn: string;
  /** Instead of a client built with the functions' SDK settings (tests). */
  client?: SNSClient;
}

export function snsChannel(options: SnsChannelOptions): NotifyChannel {
  let client = options.client;
  const name = `sns ${options.topicArn.split(':').pop()}`;
  const fifo = options.topicArn.endsWith('.fifo');
  return {
    name,
    async send(message, body, signal) {
      client ??= new SNSClient(awsClientSettings());
      try {
        await client.send(
          new PublishCommand({
            TopicArn: options.topicArn,
            Subject: `modelarts-autoscaler: ${message.kind} ${message.pool}`.slice(0, 100),
            Message: body,
            MessageAttributes: {
              kind: { DataType: 'String', StringValue: message.kind },
              pool: { DataType: 'String', StringValue: message.pool },
              connection: { DataType: 'String', StringValue: message.connection },
            },
            ...(fifo ? { MessageGroupId: message.key, MessageDeduplicationId: message.id } : {}),
          }),
          { abortSignal: signal },
        );
      } catch (error) {
        // The SDK's error names the failure (AuthorizationError, NotFound...) and carries no secret.
        const code = error instanceof Error ? error.name : 'publish failed';
        throw new NotifyError(name, code, { cause: error });
      }
    },
  };
}

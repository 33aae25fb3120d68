// Sends one FIFO message per pool with SendMessageBatch (10 per request). Entries SQS refuses are
// reported by pool, so the caller can fail the invocation and let the retry re-send: the deduplication
// ids make entries that did go through harmless to send again.

import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { AwsError } from './errors';
import { messageDeduplicationId, messageGroupId, type PoolMessage } from './pool-message';

const SQS_BATCH_LIMIT = 10;

export interface FanOutFailure {
  pool: string;
  project: string;
  /** SQS error code, or the error name when the whole request failed. */
  code: string;
}

export interface FanOutResult {
  sent: PoolMessage[];
  failed: FanOutFailure[];
}

export class FanOutError extends AwsError {
  readonly failed: FanOutFailure[];

  constructor(failed: FanOutFailure[], sent: number) {
    super(
      `fan-out: ${failed.length} pool message(s) not sent (${sent} sent): ` +
        failed.map((failure) => `${failure.project}/${failure.pool} (${failure.code})`).join(', '),
    );
    this.name = 'FanOutError';
    this.failed = failed;
  }
}

const chunks = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, index) =>
    items.slice(index * size, (index + 1) * size),
  );

export async function sendPoolMessages(
  sqs: SQSClient,
  queueUrl: string,
  messages: readonly PoolMessage[],
): Promise<FanOutResult> {
  const result: FanOutResult = { sent: [], failed: [] };
  const failure = (message: PoolMessage, code: string): FanOutFailure => ({
    pool: message.pool,
    project: message.project,
    code,
  });
  for (const batch of chunks(messages, SQS_BATCH_LIMIT)) {
    try {
      const output = await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: batch.map((message, index) => ({
            Id: String(index),
            MessageBody: JSON.stringify(message),
            MessageGroupId: messageGroupId(message),
            MessageDeduplicationId: messageDeduplicationId(message),
          })),
        }),
      );
      const refused = new Map((output.Failed ?? []).map((entry) => [entry.Id, entry.Code ?? 'Failed']));
      batch.forEach((message, index) => {
        const code = refused.get(String(index));
        if (code === undefined) result.sent.push(message);
        else result.failed.push(failure(message, code));
      });
    } catch (error) {
      const code = error instanceof Error ? error.name : 'SendMessageBatchFailed';
      result.failed.push(...batch.map((message) => failure(message, code)));
    }
  }
  return result;
}

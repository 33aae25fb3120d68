// Sends one FIFO message per pool with SendMessageBatch (at most 10 entries and SQS_PAYLOAD_LIMIT_BYTES per
// request). Entries SQS refuses are reported by pool, so the caller can fail the invocation and let the
// retry re-send: the deduplication ids make entries that did go through harmless to send again.

import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { forEachBounded } from '../bounded';
import { AwsError } from './errors';
import { messageDeduplicationId, messageGroupId, type PoolMessage } from './pool-message';

/** Entries per SendMessageBatch request. */
export const SQS_BATCH_ENTRIES = 10;

/**
 * Bytes of one message, and of all the messages of one SendMessageBatch request together. SQS raised both to
 * 1 MiB in 2025, but a queue keeps its MaximumMessageSize (256 KiB for queues made before) and older SDKs
 * check the old limit: 256 KiB fits everywhere. A pool as listed is a few KiB; one too big to send has its
 * snapshot left out, and its worker reads the pool instead.
 */
export const SQS_PAYLOAD_LIMIT_BYTES = 262_144;

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

export interface OutgoingMessage {
  message: PoolMessage;
  body: string;
  bytes: number;
}

function outgoing(message: PoolMessage): OutgoingMessage {
  const body = JSON.stringify(message);
  const bytes = Buffer.byteLength(body, 'utf8');
  if (bytes <= SQS_PAYLOAD_LIMIT_BYTES || message.snapshot === undefined) return { message, body, bytes };
  const { snapshot: _snapshot, listedAt: _listedAt, ...bare } = message;
  return outgoing(bare);
}

/** Consecutive messages (FIFO order is send order) in requests within both SendMessageBatch limits. */
export function batchesOf(messages: readonly PoolMessage[]): OutgoingMessage[][] {
  const batches: OutgoingMessage[][] = [];
  let current: OutgoingMessage[] = [];
  let bytes = 0;
  for (const entry of messages.map(outgoing)) {
    if (current.length === SQS_BATCH_ENTRIES || bytes + entry.bytes > SQS_PAYLOAD_LIMIT_BYTES) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += entry.bytes;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/**
 * Sends every message, `concurrency` requests at a time: a thousand pools are a hundred requests, which one
 * after another would take a good part of the scheduled function's time. Messages of one pool (one group)
 * are one per tick, so requests need no order between them.
 */
export async function sendPoolMessages(
  sqs: SQSClient,
  queueUrl: string,
  messages: readonly PoolMessage[],
  concurrency = 1,
): Promise<FanOutResult> {
  const batches = batchesOf(messages);
  const outcomes: FanOutResult[] = new Array(batches.length);
  await forEachBounded(
    batches.map((_, index) => index),
    concurrency,
    async (index) => {
      outcomes[index] = await sendBatch(sqs, queueUrl, batches[index] as OutgoingMessage[]);
    },
  );
  return {
    sent: outcomes.flatMap((outcome) => outcome.sent),
    failed: outcomes.flatMap((outcome) => outcome.failed),
  };
}

const failure = (message: PoolMessage, code: string): FanOutFailure => ({
  pool: message.pool,
  project: message.project,
  code,
});

async function sendBatch(sqs: SQSClient, queueUrl: string, batch: OutgoingMessage[]): Promise<FanOutResult> {
  const result: FanOutResult = { sent: [], failed: [] };
  try {
    const output = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: batch.map(({ message, body }, index) => ({
          Id: String(index),
          MessageBody: body,
          MessageGroupId: messageGroupId(message),
          MessageDeduplicationId: messageDeduplicationId(message),
        })),
      }),
    );
    const refused = new Map((output.Failed ?? []).map((entry) => [entry.Id, entry.Code ?? 'Failed']));
    batch.forEach(({ message }, index) => {
      const code = refused.get(String(index));
      if (code === undefined) result.sent.push(message);
      else result.failed.push(failure(message, code));
    });
  } catch (error) {
    const code = error instanceof Error ? error.name : 'SendMessageBatchFailed';
    result.failed.push(...batch.map(({ message }) => failure(message, code)));
  }
  return result;
}

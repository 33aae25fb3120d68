// A FIFO queue in the bench's process, standing in for SQS between the scheduled function and the workers:
// each SendMessageBatch request is checked against SQS's limits (entries, payload bytes, distinct ids) and
// deduplicated on its deduplication ids, and the messages are handed to workers as SQS records, in send
// order, `batchSize` at a time.

import type { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { SQS_BATCH_ENTRIES, SQS_PAYLOAD_LIMIT_BYTES } from '../lib/aws/fan-out';

export const QUEUE_URL =
  'https://sqs.eu-west-1.amazonaws.com/123456789012/modelarts-autoscaler-bench-pools.fifo';
const QUEUE_ARN = 'arn:aws:sqs:eu-west-1:123456789012:modelarts-autoscaler-bench-pools.fifo';

/** What SQS answers a request over its limits with. */
export class SqsLimitError extends Error {
  constructor(
    override readonly name: string,
    message: string,
  ) {
    super(message);
  }
}

type BatchInput = SendMessageBatchCommand['input'];

export class InProcessFifoQueue {
  /** SendMessageBatch requests received. */
  sendRequests = 0;
  readonly #records: SQSRecord[] = [];
  readonly #deduplicationIds = new Set<string>();
  #next = 0;

  /** What sendPoolMessages sends with: a client that knows SendMessageBatch only. */
  readonly client = {
    send: async (command: SendMessageBatchCommand) => this.#sendBatch(command.input),
  } as unknown as SQSClient;

  #sendBatch(input: BatchInput) {
    this.sendRequests += 1;
    const entries = input.Entries ?? [];
    if (entries.length === 0 || entries.length > SQS_BATCH_ENTRIES)
      throw new SqsLimitError('TooManyEntriesInBatchRequest', `${entries.length} entries`);
    if (new Set(entries.map((entry) => entry.Id)).size !== entries.length)
      throw new SqsLimitError('BatchEntryIdsNotDistinct', 'two entries share an Id');
    const bytes = entries.reduce((sum, entry) => sum + Buffer.byteLength(entry.MessageBody ?? '', 'utf8'), 0);
    if (bytes > SQS_PAYLOAD_LIMIT_BYTES) throw new SqsLimitError('BatchRequestTooLong', `${bytes} bytes`);
    for (const entry of entries) {
      const deduplicationId = entry.MessageDeduplicationId ?? '';
      if (this.#deduplicationIds.has(deduplicationId)) continue;
      this.#deduplicationIds.add(deduplicationId);
      this.#records.push(this.#record(entry.MessageBody ?? '', entry.MessageGroupId ?? '', deduplicationId));
    }
    return { Successful: entries.map((entry) => ({ Id: entry.Id })), Failed: [] };
  }

  #record(body: string, group: string, deduplicationId: string): SQSRecord {
    const index = this.#records.length;
    return {
      messageId: `bench-${index}`,
      receiptHandle: `bench-${index}`,
      body,
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: String(Date.now()),
        SenderId: 'bench:scheduled',
        ApproximateFirstReceiveTimestamp: String(Date.now()),
        SequenceNumber: String(index),
        MessageGroupId: group,
        MessageDeduplicationId: deduplicationId,
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: QUEUE_ARN,
      awsRegion: 'eu-west-1',
    };
  }

  /** The next `batchSize` records in send order (fewer at the end, none once drained). */
  take(batchSize: number): SQSRecord[] {
    const batch = this.#records.slice(this.#next, this.#next + batchSize);
    this.#next += batch.length;
    return batch;
  }
}

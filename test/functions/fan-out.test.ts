import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { FanOutError, sendPoolMessages } from '../../lib/aws/fan-out';
import {
  messageDeduplicationId,
  messageGroupId,
  type PoolMessage,
  PoolMessageSchema,
} from '../../lib/aws/pool-message';

const sqs = mockClient(SQSClient);
const QUEUE = 'https://sqs.eu-west-1.amazonaws.com/123456789012/pools.fifo';
const TICK = '2025-01-15T12:00:00Z';

const message = (pool: string, tick = TICK): PoolMessage => ({
  connection: 'c',
  project: 'proj',
  pool,
  tick,
});

beforeEach(() => sqs.reset());

describe('pool messages', () => {
  it('group by project/pool and deduplicate per pool per tick', () => {
    expect(messageGroupId(message('pool-a'))).toBe('proj/pool-a');
    expect(messageDeduplicationId(message('pool-a'))).toBe(messageDeduplicationId(message('pool-a')));
    expect(messageDeduplicationId(message('pool-a'))).not.toBe(messageDeduplicationId(message('pool-b')));
    expect(messageDeduplicationId(message('pool-a'))).not.toBe(
      messageDeduplicationId(message('pool-a', '2025-01-15T12:01:00Z')),
    );
  });

  it('always have ids SQS accepts (1..128 printable ASCII)', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 128 }),
        fc.string({ minLength: 1, maxLength: 128 }),
        (project, pool) => {
          for (const id of [
            messageGroupId({ project, pool }),
            messageDeduplicationId({ project, pool, tick: TICK }),
          ]) {
            expect(id).toMatch(/^[\x21-\x7e]{1,128}$/);
          }
        },
      ),
    );
  });

  it('are validated strictly', () => {
    expect(PoolMessageSchema.safeParse({ ...message('p'), extra: 1 }).success).toBe(false);
    expect(PoolMessageSchema.safeParse({ ...message('p'), pool: '' }).success).toBe(false);
  });
});

describe('sendPoolMessages', () => {
  it('sends one FIFO message per pool, ten per request', async () => {
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    const messages = Array.from({ length: 23 }, (_, index) => message(`pool-${index}`));
    const result = await sendPoolMessages(new SQSClient({ region: 'eu-west-1' }), QUEUE, messages);
    expect(result).toEqual({ sent: messages, failed: [] });
    const calls = sqs.commandCalls(SendMessageBatchCommand);
    expect(calls.map((call) => call.args[0].input.Entries?.length)).toEqual([10, 10, 3]);
    const first = calls[0]?.args[0].input;
    expect(first?.QueueUrl).toBe(QUEUE);
    expect(first?.Entries?.[0]).toEqual({
      Id: '0',
      MessageBody: JSON.stringify(messages[0]),
      MessageGroupId: 'proj/pool-0',
      MessageDeduplicationId: messageDeduplicationId(message('pool-0')),
    });
  });

  it('reports the entries SQS refused and the batches that failed whole, by pool', async () => {
    sqs
      .on(SendMessageBatchCommand)
      .resolvesOnce({ Successful: [], Failed: [{ Id: '1', Code: 'InternalError', SenderFault: false }] })
      .rejectsOnce(Object.assign(new Error('throttled'), { name: 'RequestThrottled' }));
    const messages = Array.from({ length: 12 }, (_, index) => message(`pool-${index}`));
    const result = await sendPoolMessages(new SQSClient({ region: 'eu-west-1' }), QUEUE, messages);
    expect(result.sent.map((sent) => sent.pool)).toEqual(
      messages
        .slice(0, 10)
        .map((m) => m.pool)
        .filter((p) => p !== 'pool-1'),
    );
    expect(result.failed).toEqual([
      { project: 'proj', pool: 'pool-1', code: 'InternalError' },
      { project: 'proj', pool: 'pool-10', code: 'RequestThrottled' },
      { project: 'proj', pool: 'pool-11', code: 'RequestThrottled' },
    ]);
    expect(new FanOutError(result.failed, result.sent.length).message).toBe(
      'fan-out: 3 pool message(s) not sent (9 sent): proj/pool-1 (InternalError), proj/pool-10 (RequestThrottled), ' +
        'proj/pool-11 (RequestThrottled)',
    );
  });
});

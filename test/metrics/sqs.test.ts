import { GetQueueAttributesCommand, QueueDoesNotExist, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type BacklogRequest, readBacklogs } from '../../lib/metrics/read';
import { BacklogSourceConfigSchema } from '../../lib/metrics/registry';
import { queueRegion } from '../../lib/metrics/sources/sqs';

const queueUrl = 'https://sqs.eu-west-1.amazonaws.com/123456789012/training-jobs';
const now = 1_750_000_000_000;
const sqs = mockClient(SQSClient);

const request = (flavor: string, source: Record<string, unknown> = {}): BacklogRequest => ({
  pool: 'pool-a',
  flavor,
  source: BacklogSourceConfigSchema.parse({ type: 'sqs', queueUrl, ...source }),
});

const read = (requests: BacklogRequest[]) => readBacklogs(requests, { now: () => now });

beforeEach(() => sqs.reset());
afterEach(() => sqs.reset());

describe('sqs backlog source', () => {
  it('counts visible plus in-flight messages by default, as KEDA does', async () => {
    sqs.on(GetQueueAttributesCommand).resolves({
      Attributes: { ApproximateNumberOfMessages: '7', ApproximateNumberOfMessagesNotVisible: '3' },
    });
    const only = request('gpu');
    const backlog = (await read([only])).get(only);

    expect(sqs.commandCalls(GetQueueAttributesCommand).map((call) => call.args[0].input)).toEqual([
      {
        QueueUrl: queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      },
    ]);
    expect(backlog).toEqual({ ok: true, value: 10, observedAt: now, source: 'sqs:training-jobs' });
  });

  it('adds delayed messages when asked and leaves in-flight out when told', async () => {
    sqs.on(GetQueueAttributesCommand).resolves({
      Attributes: {
        ApproximateNumberOfMessages: '7',
        ApproximateNumberOfMessagesNotVisible: '3',
        ApproximateNumberOfMessagesDelayed: '2',
      },
    });
    const withDelayed = request('gpu', { includeDelayed: true });
    const visibleOnly = request('cpu', { includeInFlight: false });
    const backlogs = await read([withDelayed, visibleOnly]);

    const names = sqs
      .commandCalls(GetQueueAttributesCommand)
      .map((call) => call.args[0].input.AttributeNames);
    expect(names).toEqual(
      expect.arrayContaining([
        [
          'ApproximateNumberOfMessages',
          'ApproximateNumberOfMessagesNotVisible',
          'ApproximateNumberOfMessagesDelayed',
        ],
        ['ApproximateNumberOfMessages'],
      ]),
    );
    expect(backlogs.get(withDelayed)).toMatchObject({ ok: true, value: 12 });
    expect(backlogs.get(visibleOnly)).toMatchObject({ ok: true, value: 7 });
  });

  it('asks the queue once per cycle however many flavors it drives', async () => {
    sqs.on(GetQueueAttributesCommand).resolves({
      Attributes: { ApproximateNumberOfMessages: '4', ApproximateNumberOfMessagesNotVisible: '0' },
    });
    const flavors = ['gpu', 'cpu', 'npu'].map((flavor) => request(flavor));
    const backlogs = await read(flavors);

    expect(sqs.commandCalls(GetQueueAttributesCommand)).toHaveLength(1);
    expect([...backlogs.values()].map((backlog) => backlog.ok && backlog.value)).toEqual([4, 4, 4]);
  });

  it('turns an SQS error into a failure naming the queue and the error, not the message', async () => {
    sqs
      .on(GetQueueAttributesCommand)
      .rejects(
        new QueueDoesNotExist({ message: 'secret-ish detail from AWS', $metadata: { httpStatusCode: 400 } }),
      );
    const only = request('gpu');
    const backlog = (await read([only])).get(only);

    expect(backlog).toMatchObject({ ok: false, reason: 'failed', source: 'sqs:training-jobs' });
    expect(backlog?.ok === false && backlog.message).toContain(queueUrl);
    expect(backlog?.ok === false && backlog.message).toContain('QueueDoesNotExist');
    expect(backlog?.ok === false && backlog.message).not.toContain('secret-ish');
  });

  it('fails rather than guess when an attribute is missing or not a number', async () => {
    sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: 'many' } });
    const only = request('gpu');
    const backlog = (await read([only])).get(only);

    expect(backlog).toMatchObject({ ok: false, reason: 'failed' });
    expect(backlog?.ok === false && backlog.message).toContain('ApproximateNumberOfMessages');
  });

  it('does not split by AZ, so an AZ-level request is missing', async () => {
    sqs.on(GetQueueAttributesCommand).resolves({
      Attributes: { ApproximateNumberOfMessages: '4', ApproximateNumberOfMessagesNotVisible: '0' },
    });
    const perAz = { ...request('gpu'), az: 'eu-west-1a' };
    expect((await read([perAz])).get(perAz)).toMatchObject({ ok: false, reason: 'missing' });
  });

  it('takes the region from the queue URL', () => {
    expect(queueRegion(queueUrl)).toBe('eu-west-1');
    expect(queueRegion('https://sqs.cn-north-1.amazonaws.com.cn/1/q')).toBe('cn-north-1');
    expect(queueRegion('http://localhost:4566/000000000000/q')).toBeUndefined();
  });
});

// SQS FIFO worker: scales the pool each message names, planning on the pool as the message carries it
// (listed by the scheduled function) unless that is missing, bad or old. Records fail alone (partial
// batch response): a malformed message, or a pool whose cycle failed, is retried and then moved to the
// dead-letter queue, while the rest of the batch succeeds. Later messages of a failed record's group
// (same pool) are failed too, to keep FIFO order.

import { processPartialResponse, SqsFifoPartialProcessorAsync } from '@aws-lambda-powertools/batch';
import { SqsEnvelope } from '@aws-lambda-powertools/parser/envelopes/sqs';
import { JSONStringified } from '@aws-lambda-powertools/parser/helpers';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { onFirstInvocation } from '../lib/aws/cold-start';
import { AwsError } from '../lib/aws/errors';
import { describeParseError } from '../lib/aws/event-parser';
import { eventDryRun, invocationCycleDeps, killSwitchEngaged } from '../lib/aws/invocation';
import { configForConnection } from '../lib/aws/managed-pools';
import { METRICS } from '../lib/aws/metric-catalogue';
import { addCatalogued, observe } from '../lib/aws/observability';
import { listedPool, PoolMessageSchema } from '../lib/aws/pool-message';
import { buildFunctionDeps, type FunctionDeps } from '../lib/aws/runtime';
import { runCycle } from '../lib/cycle';

const PoolMessageBody = JSONStringified(PoolMessageSchema);

export class PoolRecordError extends AwsError {
  constructor(messageId: string, problem: string) {
    super(`message ${messageId}: ${problem}`);
    this.name = 'PoolRecordError';
  }
}

export function makeHandler(deps: FunctionDeps) {
  const scalePool = (context: Context) => async (record: SQSRecord) => {
    const parsed = SqsEnvelope.safeParse({ Records: [record] }, PoolMessageBody);
    if (!parsed.success) {
      throw new PoolRecordError(record.messageId, `not a pool message (${describeParseError(parsed.error)})`);
    }
    const [message] = parsed.data;
    if (!message) throw new PoolRecordError(record.messageId, 'empty record');
    const { listed, problem } = listedPool(message);
    if (problem)
      deps.logger.warn('pool message snapshot not used; reading the pool', {
        messageId: record.messageId,
        pool: message.pool,
        problem,
      });
    const killSwitch = await killSwitchEngaged(deps);
    const result = await runCycle(
      configForConnection(deps.config, message.connection),
      invocationCycleDeps(deps, context),
      {
        pools: [message.pool],
        ...(listed ? { listed: [listed] } : {}),
        dryRun: eventDryRun(message.dryRun),
        killSwitch,
      },
    );
    const failed = result.outcomes.filter((outcome) => outcome.status === 'failed');
    if (failed.length > 0) {
      throw new PoolRecordError(
        record.messageId,
        failed.map((outcome) => `${outcome.pool}: ${outcome.error}`).join('; '),
      );
    }
    deps.logger.info('pool message done', {
      messageId: record.messageId,
      pool: message.pool,
      outcomes: result.outcomes,
    });
  };

  return middy(async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    const processor = new SqsFifoPartialProcessorAsync();
    const response = await processPartialResponse(event, scalePool(context), processor, {
      context,
      skipGroupOnError: true,
      // Every record failing is still a partial-batch answer: log and count each, let SQS retry them.
      throwOnFullBatchFailure: false,
    });
    addCatalogued(deps.metrics, METRICS.failedMessages, response.batchItemFailures.length);
    // The heartbeat: each pool message whose cycle failed no pool.
    addCatalogued(
      deps.metrics,
      METRICS.cyclesSucceeded,
      event.Records.length - response.batchItemFailures.length,
    );
    for (const error of processor.errors) deps.logger.error('pool message failed', { error: error.message });
    return response;
  }).use(observe<SQSEvent>(deps, (event) => event.Records[0]?.messageId));
}

export const handler = onFirstInvocation(async () => makeHandler(await buildFunctionDeps()));

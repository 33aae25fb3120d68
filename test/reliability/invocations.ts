// Lambda invocations for the suite: the functions' dependencies built from real parts (emulator over HTTP
// with sentinel AK/SK, any StateStore), and events shaped like the events/ samples.

import type { APIGatewayProxyEventV2, SQSEvent, SQSRecord } from 'aws-lambda';
import type { ScheduledEvent } from '../../functions/scheduled';
import { createObservability } from '../../lib/aws/observability';
import type { PoolMessage } from '../../lib/aws/pool-message';
import type { FunctionDeps } from '../../lib/aws/runtime';
import { signWebhook } from '../../lib/aws/webhook-signature';
import type { Config } from '../../lib/config';
import { createModelArtsClient, type ModelArtsClient } from '../../lib/modelarts';
import type { StateStore } from '../../lib/state/store';
import { readEvent } from '../functions/harness';
import { SENTINEL, sentinelCredentials } from './sentinels';

export interface InvocationDepsOptions {
  config: Config;
  store: StateStore;
  now: () => number;
  /** Default: a client with the sentinel AK/SK for the emulator the config points at. */
  clients?: (connection: string) => ModelArtsClient;
}

/** Signed clients with quick retries that wait for nothing. */
export function sentinelClients(config: Config, now: () => number): (connection: string) => ModelArtsClient {
  const built = new Map<string, ModelArtsClient>();
  return (name) => {
    const connection = config.connections.find((candidate) => candidate.name === name);
    if (!connection?.endpoint) throw new Error(`connection ${name} has no endpoint in the test config`);
    let client = built.get(name);
    if (!client) {
      client = createModelArtsClient({
        projectId: connection.projectId,
        endpoint: connection.endpoint,
        auth: { type: 'aksk', credentials: sentinelCredentials(connection.projectId) },
        timeoutMs: 5_000,
        retry: { limit: 2, baseDelayMs: 1, budgetMs: 100 },
        now,
        sleep: async () => undefined,
      });
      built.set(name, client);
    }
    return client;
  };
}

/** One execution environment's dependencies: its own logger, metrics, clients and store. */
export function invocationDeps(options: InvocationDepsOptions): FunctionDeps {
  return {
    ...createObservability({ logLevel: 'INFO' }),
    config: options.config,
    cycle: {
      clients: options.clients ?? sentinelClients(options.config, options.now),
      store: options.store,
      now: options.now,
    },
  };
}

export interface SampleEvents {
  scheduled: ScheduledEvent;
  worker: SQSEvent;
  webhook: APIGatewayProxyEventV2;
}

export async function sampleEvents(): Promise<SampleEvents> {
  return {
    scheduled: await readEvent<ScheduledEvent>('scheduled'),
    worker: await readEvent<SQSEvent>('worker'),
    webhook: await readEvent<APIGatewayProxyEventV2>('webhook'),
  };
}

/** An SQS record like the sample's good one, carrying `body` as is. */
export function sqsRecord(sample: SQSEvent, messageId: string, body: string, groupId = messageId): SQSRecord {
  const template = sample.Records[0];
  if (!template) throw new Error('events/worker.json has no record');
  return { ...template, messageId, body, attributes: { ...template.attributes, MessageGroupId: groupId } };
}

/** A worker event with one pool message per pool, each its own message group. */
export function workerEvent(sample: SQSEvent, messages: PoolMessage[], idPrefix: string): SQSEvent {
  return {
    Records: messages.map((message, index) =>
      sqsRecord(
        sample,
        `${idPrefix}-${index}`,
        JSON.stringify(message),
        `${message.project}/${message.pool}`,
      ),
    ),
  };
}

/** The sample webhook request with `body`, signed at `signedAt` with the sentinel secret unless told otherwise. */
export function webhookEvent(
  sample: APIGatewayProxyEventV2,
  body: string,
  signedAt: number,
  options: { secret?: string; headers?: Record<string, string | undefined> } = {},
): APIGatewayProxyEventV2 {
  return {
    ...sample,
    headers: {
      ...sample.headers,
      ...signWebhook(options.secret ?? SENTINEL.webhookSecret, body, signedAt),
      ...options.headers,
    },
    body,
    isBase64Encoded: false,
  };
}

// The dependencies a function runs with in AWS (and under `osls invoke local`), built once per cold
// start from the bundled config and the environment the template sets:
//   AUTOSCALER_CREDENTIALS_PARAMETER     SSM name of the connections' credentials (needed for aksk/token auth)
//   AUTOSCALER_KILL_SWITCH_PARAMETER     SSM name of the global pause (else config killSwitch.ssmParameter)
//   AUTOSCALER_WEBHOOK_SECRET_PARAMETER  SSM name of the webhook secret (webhook only)
//   AUTOSCALER_QUEUE_URL                 the pool queue (scheduled only)
//   AUTOSCALER_NOTIFY_SECRET_PARAMETER   SSM name of the notification webhook's signing secret, when the config's
//                                        notifications.webhook.secretParameter names none (notifications.ts)
// plus lib/config's AUTOSCALER_* overrides (AUTOSCALER_STATE_TABLE, AUTOSCALER_DRY_RUN, AUTOSCALER_ENDPOINT).
// The secrets behind those names are read again whenever their cache (lib/aws/secrets.ts) expires, so a
// rotation takes effect within SECRET_MAX_AGE_SECONDS, not at the next cold start.
// The function tests build their deps here too, with RuntimeOptions, so that every AWS call a function makes
// in production is made (to a local server or a mock) in its tests.

import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { Config, Environment } from '../config';
import type { CycleDeps } from '../cycle';
import { connectionSourceDeps, modelArtsClients } from '../modelarts/clients';
import type { ReplayGuard } from '../state/replay';
import { configWithEnvironment, functionConfig } from './bundled-config';
import { type FanOutResult, sendPoolMessages } from './fan-out';
import { type KillSwitch, ssmKillSwitch } from './kill-switch';
import { functionNotifier } from './notifications';
import { createObservability, type Observability } from './observability';
import { type ParameterStore, ssmParameterStore } from './parameters';
import type { PoolMessage } from './pool-message';
import { rotatingModelArtsClients } from './rotating-clients';
import { awsClientSettings } from './sdk-settings';
import { connectionSecretsSource, readWebhookSecrets } from './secrets';
import { functionReplayGuard, functionStateStore } from './state-store';

export interface FunctionDeps extends Observability {
  config: Config;
  /** Everything a cycle needs but the per-invocation lease owner and decision log. */
  cycle: Omit<CycleDeps, 'owner' | 'log'>;
  killSwitch?: KillSwitch;
}

export interface PoolQueue {
  send(messages: readonly PoolMessage[]): Promise<FanOutResult>;
}

export interface ScheduledDeps extends FunctionDeps {
  /** Absent: the scheduled function never fans out, whatever the pool count. */
  queue?: PoolQueue;
}

export interface WebhookDeps extends FunctionDeps {
  /** The accepted secrets, read (and cached) from SSM at run time. */
  webhookSecrets(): Promise<string[]>;
  /** The signatures already accepted: each is good for one request. */
  replay: ReplayGuard;
}

/** What a function takes from outside its code. In Lambda every field is left out. */
export interface RuntimeOptions {
  /** Instead of the bundled config (the environment overrides still apply). */
  config?: Config;
  /** The client of the state table, instead of one built from the config. */
  dynamoDbClient?: DynamoDBClient;
  now?: () => number;
  /** The wait between ModelArts retries. */
  sleep?: (ms: number) => Promise<void>;
}

const present = (env: Environment, name: string): string | undefined => env[name]?.trim() || undefined;

const needsSecrets = (config: Config) =>
  config.connections.some((connection) => connection.auth.type !== 'none');

interface Built {
  deps: FunctionDeps;
  /** One SSM client and Powertools cache per cold start, created on first need. */
  parameters: () => ParameterStore;
}

async function build(env: Environment, options: RuntimeOptions): Promise<Built> {
  const config = options.config ? configWithEnvironment(options.config, env) : functionConfig(env);
  const now = options.now ?? Date.now;
  let store: ParameterStore | undefined;
  const parameters = () => {
    store ??= ssmParameterStore(new SSMClient(awsClientSettings()));
    return store;
  };
  const credentialsParameter = present(env, 'AUTOSCALER_CREDENTIALS_PARAMETER');
  const secrets =
    credentialsParameter && needsSecrets(config)
      ? connectionSecretsSource(parameters(), credentialsParameter)
      : undefined;
  // Read once now, so that a missing or malformed parameter fails the cold start, as it always did.
  await secrets?.();
  const clientOptions = { now, ...(options.sleep ? { sleep: options.sleep } : {}) };
  const clients = secrets
    ? rotatingModelArtsClients(config, secrets, clientOptions)
    : modelArtsClients(config, clientOptions);
  const killSwitchParameter =
    present(env, 'AUTOSCALER_KILL_SWITCH_PARAMETER') ?? config.killSwitch.ssmParameter;
  const observability = createObservability({}, env);
  const state = functionStateStore(config.state, options.dynamoDbClient);
  const notify = functionNotifier({ config, env, parameters, observability, store: state, now });
  const deps: FunctionDeps = {
    ...observability,
    config,
    cycle: {
      clients,
      store: state,
      sources: connectionSourceDeps(clients),
      now,
      ...(notify ? { notify } : {}),
    },
    ...(killSwitchParameter ? { killSwitch: ssmKillSwitch(parameters(), killSwitchParameter) } : {}),
  };
  return { deps, parameters };
}

export async function buildFunctionDeps(
  env: Environment = process.env,
  options: RuntimeOptions = {},
): Promise<FunctionDeps> {
  return (await build(env, options)).deps;
}

export async function buildScheduledDeps(
  env: Environment = process.env,
  options: RuntimeOptions = {},
): Promise<ScheduledDeps> {
  const { deps } = await build(env, options);
  const queueUrl = present(env, 'AUTOSCALER_QUEUE_URL');
  if (!queueUrl) return deps;
  const sqs = new SQSClient(awsClientSettings());
  const send = (messages: readonly PoolMessage[]) =>
    sendPoolMessages(sqs, queueUrl, messages, deps.config.concurrency);
  return { ...deps, queue: { send } };
}

/** Without AUTOSCALER_WEBHOOK_SECRET_PARAMETER there is no secret, and every request is refused. */
export async function buildWebhookDeps(
  env: Environment = process.env,
  options: RuntimeOptions = {},
): Promise<WebhookDeps> {
  const { deps, parameters } = await build(env, options);
  const parameter = present(env, 'AUTOSCALER_WEBHOOK_SECRET_PARAMETER');
  return {
    ...deps,
    webhookSecrets: async () => (parameter ? readWebhookSecrets(parameters(), parameter) : []),
    replay: functionReplayGuard(deps.config.state, options.dynamoDbClient),
  };
}

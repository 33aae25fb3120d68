// The dependencies a function runs with in AWS (and under `osls invoke local`), built once per cold
// start from the bundled config and the environment the template sets:
//   AUTOSCALER_CREDENTIALS_PARAMETER     SSM name of the connections' credentials (needed for aksk/token auth)
//   AUTOSCALER_KILL_SWITCH_PARAMETER     SSM name of the global pause (else config killSwitch.ssmParameter)
//   AUTOSCALER_WEBHOOK_SECRET_PARAMETER  SSM name of the webhook secret (webhook only)
//   AUTOSCALER_QUEUE_URL                 the pool queue (scheduled only)
// plus lib/config's AUTOSCALER_* overrides (AUTOSCALER_STATE_TABLE, AUTOSCALER_DRY_RUN, AUTOSCALER_ENDPOINT).
// Tests build the same FunctionDeps by hand, with the emulator and in-memory state.

import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { Config, Environment } from '../config';
import type { CycleDeps } from '../cycle';
import { functionConfig } from './bundled-config';
import { connectionSourceDeps, modelArtsClients } from './clients';
import { type FanOutResult, sendPoolMessages } from './fan-out';
import { type KillSwitch, ssmKillSwitch } from './kill-switch';
import { createObservability, type Observability } from './observability';
import { type ParameterStore, ssmParameterStore } from './parameters';
import type { PoolMessage } from './pool-message';
import { awsClientSettings } from './sdk-settings';
import { readConnectionSecrets, readWebhookSecrets } from './secrets';
import { functionStateStore } from './state-store';

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
}

const present = (env: Environment, name: string): string | undefined => env[name]?.trim() || undefined;

const needsSecrets = (config: Config) =>
  config.connections.some((connection) => connection.auth.type !== 'none');

interface Built {
  deps: FunctionDeps;
  /** One SSM client and Powertools cache per cold start, created on first need. */
  parameters: () => ParameterStore;
}

async function build(env: Environment): Promise<Built> {
  const config = functionConfig(env);
  let store: ParameterStore | undefined;
  const parameters = () => {
    store ??= ssmParameterStore(new SSMClient(awsClientSettings()));
    return store;
  };
  const credentialsParameter = present(env, 'AUTOSCALER_CREDENTIALS_PARAMETER');
  const secrets =
    credentialsParameter && needsSecrets(config)
      ? await readConnectionSecrets(parameters(), credentialsParameter)
      : undefined;
  const clients = modelArtsClients(config, secrets ? { secrets } : {});
  const killSwitchParameter =
    present(env, 'AUTOSCALER_KILL_SWITCH_PARAMETER') ?? config.killSwitch.ssmParameter;
  const deps: FunctionDeps = {
    ...createObservability(),
    config,
    cycle: {
      clients,
      store: functionStateStore(config.state),
      sources: connectionSourceDeps(clients),
      now: Date.now,
    },
    ...(killSwitchParameter ? { killSwitch: ssmKillSwitch(parameters(), killSwitchParameter) } : {}),
  };
  return { deps, parameters };
}

export async function buildFunctionDeps(env: Environment = process.env): Promise<FunctionDeps> {
  return (await build(env)).deps;
}

export async function buildScheduledDeps(env: Environment = process.env): Promise<ScheduledDeps> {
  const { deps } = await build(env);
  const queueUrl = present(env, 'AUTOSCALER_QUEUE_URL');
  if (!queueUrl) return deps;
  const sqs = new SQSClient(awsClientSettings());
  const send = (messages: readonly PoolMessage[]) =>
    sendPoolMessages(sqs, queueUrl, messages, deps.config.concurrency);
  return { ...deps, queue: { send } };
}

/** Without AUTOSCALER_WEBHOOK_SECRET_PARAMETER there is no secret, and every request is refused. */
export async function buildWebhookDeps(env: Environment = process.env): Promise<WebhookDeps> {
  const { deps, parameters } = await build(env);
  const parameter = present(env, 'AUTOSCALER_WEBHOOK_SECRET_PARAMETER');
  return {
    ...deps,
    webhookSecrets: async () => (parameter ? readWebhookSecrets(parameters(), parameter) : []),
  };
}

// One ModelArts client per connection of the config, built on first use and kept for the execution
// environment, with the connection's secret (AK/SK or IAM password) from the credentials parameter.
// Also the workloads API each connection offers the modelarts-workloads backlog source. The secrets come from
// the caller: SSM in the functions (lib/aws/secrets.ts), the environment in the CLI.

import type { Config, ConnectionConfig } from '../config/types';
import type { BacklogSourceDeps } from '../metrics/registry';
import { createModelArtsClient, type ModelArtsClient } from './client';
import type { ModelArtsAuth, ModelArtsClientOptions } from './client-options';
import { akSkCredentials } from './credentials';
import { ModelArtsError } from './errors';
import { createIamTokenProvider, iamEndpointForRegion } from './iam-token';
import type { AkSkCredentials } from './signer';
import { createWorkloadsApi } from './workloads';

export type ConnectionSecret =
  | { type: 'aksk'; credentials: AkSkCredentials }
  | { type: 'password'; password: string };

export interface ConnectionSecrets {
  /** The secret for a connection; throws an error naming the connection when there is none. */
  forConnection(connection: string): ConnectionSecret;
}

export interface ClientFactoryOptions {
  /** Required when a connection uses aksk or token auth. */
  secrets?: ConnectionSecrets;
  fetch?: typeof globalThis.fetch;
  now?: () => number;
  /** The wait between retries (tests pass one that does not wait). */
  sleep?: (ms: number) => Promise<void>;
  /** Sees every HTTP exchange (`doctor` reads the gateway's Date header from it). */
  onRequest?: ModelArtsClientOptions['onRequest'];
}

export class ConnectionSetupError extends ModelArtsError {
  constructor(connection: string, problem: string) {
    super('setup', `connection "${connection}": ${problem}`);
    this.name = 'ConnectionSetupError';
  }
}

function authFor(connection: ConnectionConfig, options: ClientFactoryOptions): ModelArtsAuth {
  const { auth } = connection;
  if (auth.type === 'none') return { type: 'none' };
  if (!options.secrets) {
    throw new ConnectionSetupError(
      connection.name,
      `${auth.type} auth needs AUTOSCALER_CREDENTIALS_PARAMETER`,
    );
  }
  const secret = options.secrets.forConnection(connection.name);
  if (auth.type === 'aksk') {
    if (secret.type !== 'aksk')
      throw new ConnectionSetupError(connection.name, 'aksk auth needs an ak/sk entry');
    return {
      type: 'aksk',
      credentials: akSkCredentials({ ...secret.credentials, projectId: connection.projectId }),
    };
  }
  if (secret.type !== 'password')
    throw new ConnectionSetupError(connection.name, 'token auth needs a password entry');
  return {
    type: 'token',
    provider: createIamTokenProvider({
      iamEndpoint: auth.iamEndpoint ?? iamEndpointForRegion(connection.region),
      user: { name: auth.user.name, domain: auth.user.domain, password: secret.password },
      projectId: connection.projectId,
      ...(options.now ? { now: options.now } : {}),
      ...(options.fetch ? { fetch: options.fetch } : {}),
    }),
  };
}

/** The client of one connection, with its secret from `options.secrets` as it is now. */
export function connectionClient(
  connection: ConnectionConfig,
  options: ClientFactoryOptions = {},
): ModelArtsClient {
  return createModelArtsClient({
    projectId: connection.projectId,
    region: connection.region,
    ...(connection.endpoint ? { endpoint: connection.endpoint } : {}),
    ...(connection.userId ? { userId: connection.userId } : {}),
    ...(connection.timeoutMs ? { timeoutMs: connection.timeoutMs } : {}),
    auth: authFor(connection, options),
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.now ? { now: options.now } : {}),
    ...(options.sleep ? { sleep: options.sleep } : {}),
    ...(options.onRequest ? { onRequest: options.onRequest } : {}),
  });
}

/**
 * One client per connection name, built by `build` on first use and kept; a name the config lacks throws
 * ConnectionSetupError naming it.
 */
export function perConnection(
  config: Pick<Config, 'connections'>,
  build: (connection: ConnectionConfig) => ModelArtsClient,
): (connectionName: string) => ModelArtsClient {
  const clients = new Map<string, ModelArtsClient>();
  return (name) => {
    const existing = clients.get(name);
    if (existing) return existing;
    const connection = config.connections.find((candidate) => candidate.name === name);
    if (!connection) throw new ConnectionSetupError(name, 'is not in the config');
    const client = build(connection);
    clients.set(name, client);
    return client;
  };
}

export function modelArtsClients(
  config: Pick<Config, 'connections'>,
  options: ClientFactoryOptions = {},
): (connectionName: string) => ModelArtsClient {
  return perConnection(config, (connection) => connectionClient(connection, options));
}

/** Backlog source dependencies that come from the connections (the workloads API of each). */
export function connectionSourceDeps(
  clients: (connectionName: string) => ModelArtsClient,
): BacklogSourceDeps {
  return {
    workloads: (connection) =>
      connection === undefined ? undefined : createWorkloadsApi(clients(connection)),
  };
}

// ModelArts clients whose secrets follow the credentials parameter. Each call first asks the source for
// the secrets as they are now (from a cache that SSM refreshes every SECRET_MAX_AGE_SECONDS) and rebuilds
// the connection's client when its entry changed: a rotated AK/SK signs the next request and a rotated IAM
// password gets a new token, with no cold start. The client of an unchanged entry is kept, token and all.

import type { Config, ConnectionConfig } from '../config';
import { type ModelArtsClient, resolveEndpoint } from '../modelarts';
import { DEFAULT_ATTEMPT_TIMEOUT_MS } from '../modelarts/client-options';
import {
  type ClientFactoryOptions,
  type ConnectionSecret,
  type ConnectionSecrets,
  connectionClient,
  perConnection,
} from '../modelarts/clients';

export type SecretsSource = () => Promise<ConnectionSecrets>;

function sameSecret(a: ConnectionSecret, b: ConnectionSecret): boolean {
  if (a.type === 'password') return b.type === 'password' && a.password === b.password;
  return (
    b.type === 'aksk' &&
    a.credentials.ak === b.credentials.ak &&
    a.credentials.sk === b.credentials.sk &&
    a.credentials.securityToken === b.credentials.securityToken
  );
}

interface Built {
  secrets: ConnectionSecrets;
  secret: ConnectionSecret;
  client: ModelArtsClient;
}

function rotatingClient(
  connection: ConnectionConfig,
  source: SecretsSource,
  options: Omit<ClientFactoryOptions, 'secrets'>,
): ModelArtsClient {
  let built: Built | undefined;
  async function current(): Promise<ModelArtsClient> {
    const secrets = await source();
    if (built?.secrets === secrets) return built.client;
    const secret = secrets.forConnection(connection.name);
    if (built && sameSecret(built.secret, secret)) built = { ...built, secrets };
    else {
      const client = connectionClient(connection, { ...options, secrets: { forConnection: () => secret } });
      built = { secrets, secret, client };
    }
    return built.client;
  }
  return {
    endpoint: resolveEndpoint(connection),
    projectId: connection.projectId,
    // Every client of a connection is built with the connection's timeout (connectionClient), which the
    // lease deadline must leave room for.
    attemptTimeoutMs: connection.timeoutMs ?? DEFAULT_ATTEMPT_TIMEOUT_MS,
    request: async (call) => (await current()).request(call),
    listPools: async (query) => (await current()).listPools(query),
    getPool: async (name, callOptions) => (await current()).getPool(name, callOptions),
    createPool: async (body) => (await current()).createPool(body),
    patchPool: async (name, patch, callOptions) => (await current()).patchPool(name, patch, callOptions),
  };
}

/** One client per connection, as modelArtsClients, with each secret read again once its cache expires. */
export function rotatingModelArtsClients(
  config: Pick<Config, 'connections'>,
  source: SecretsSource,
  options: Omit<ClientFactoryOptions, 'secrets'> = {},
): (connectionName: string) => ModelArtsClient {
  return perConnection(config, (connection) =>
    connection.auth.type === 'none'
      ? connectionClient(connection, options)
      : rotatingClient(connection, source, options),
  );
}

// From flags and environment to a loaded config and the cycle's dependencies, the way a person at a shell
// expects: the config file found without ceremony, credentials from the SDK variables, state in a local file.

import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  builtInGlobalDefaults,
  type Config,
  type Environment,
  loadConfig,
  type StateConfig,
} from '../lib/config';
import type { CycleDeps } from '../lib/cycle';
import type { ModelArtsClient } from '../lib/modelarts/client';
import { connectionSourceDeps, modelArtsClients } from '../lib/modelarts/clients';
import { notifierFromConfig } from '../lib/notify/from-config';
import { createStateStore } from '../lib/state/factory';
import type { StateStore } from '../lib/state/store';
import { oneOf, UsageError } from './args';
import { environmentSecrets } from './credentials';
import { CliError } from './errors';

export const EXAMPLE_CONFIG = fileURLToPath(new URL('../config.example.yaml', import.meta.url));

export interface ConfigLocation {
  path: string;
  /** Why this file was picked, when the user did not name it. */
  note?: string;
}

/** --config, else AUTOSCALER_CONFIG, else ./config.yaml, else the bundled example (with a note saying so). */
export function locateConfig(explicit: string | undefined, env: Environment, cwd: string): ConfigLocation {
  if (explicit) return { path: explicit };
  const fromEnv = env.AUTOSCALER_CONFIG?.trim();
  if (fromEnv) return { path: fromEnv };
  const local = resolve(cwd, 'config.yaml');
  if (existsSync(local)) return { path: local };
  return {
    path: EXAMPLE_CONFIG,
    note: `note: no --config, AUTOSCALER_CONFIG or ./config.yaml: using ${EXAMPLE_CONFIG} (the emulator example)`,
  };
}

export interface ConfigFlags {
  endpoint?: string;
  state?: string;
}

function checkEndpoint(endpoint: string): string {
  if (!URL.canParse(endpoint) || !/^https?:$/.test(new URL(endpoint).protocol))
    throw new UsageError(`--endpoint must be an http(s) URL, got "${endpoint}"`);
  return endpoint;
}

function stateFor(flag: string | undefined, configured: StateConfig): StateConfig {
  if (flag === undefined) return configured;
  if (oneOf('state', flag, ['memory', 'file']) === 'memory') return { type: 'memory' };
  return configured.type === 'file' ? configured : { type: 'file', path: builtInGlobalDefaults.statePath };
}

/** Loads and validates the config; --endpoint goes through the AUTOSCALER_ENDPOINT override. */
export async function loadCliConfig(path: string, flags: ConfigFlags, env: Environment): Promise<Config> {
  const endpoint = flags.endpoint === undefined ? undefined : checkEndpoint(flags.endpoint);
  const config = await loadConfig({ path, env: endpoint ? { ...env, AUTOSCALER_ENDPOINT: endpoint } : env });
  return { ...config, state: stateFor(flags.state, config.state) };
}

/** The typed error behind each failed pool (runCycle reports them as text), keyed `connection/pool`. */
export type PoolErrors = Map<string, unknown>;

export const poolErrorKey = (connection: string, pool: string) => `${connection}/${pool}`;

// runCycle turns request failures into outcome text; keeping the typed error lets the CLI say which host,
// which pool and which credential, instead of echoing a transport message.
function recordingClient(client: ModelArtsClient, connection: string, errors: PoolErrors): ModelArtsClient {
  const record =
    (pool: string) =>
    (error: unknown): never => {
      errors.set(poolErrorKey(connection, pool), error);
      throw error;
    };
  return {
    ...client,
    listPools: (query) => client.listPools(query).catch(record('*')),
    getPool: (name) => client.getPool(name).catch(record(name)),
    patchPool: (name, patch) => client.patchPool(name, patch).catch(record(name)),
  };
}

/**
 * The webhook notifier of `apply` and `run` (README "Notifications"): the signing secret from the environment
 * variable `secretEnv` names; SNS needs AWS, so `sns` is left to the functions.
 */
function cliNotifier(
  config: Config,
  env: Environment,
  store: StateStore,
  now: () => number,
  onFailure: ((message: string) => void) | undefined,
): CycleDeps['notify'] {
  const webhook = config.notifications?.webhook;
  return notifierFromConfig({
    config,
    store,
    now,
    webhookSecret: () => {
      const secret = webhook ? env[webhook.secretEnv]?.trim() : undefined;
      if (!secret)
        throw new CliError(
          `notifications.webhook.secretEnv: the environment variable ${webhook?.secretEnv} is not set (it holds the signing secret)`,
        );
      return async () => secret;
    },
    onFailure: (error) => onFailure?.(`notification failed: ${error.message}`),
  });
}

export interface CliCycleDeps {
  deps: CycleDeps;
  errors: PoolErrors;
  /** The client of a connection (for its endpoint in messages). */
  client(connection: string): ModelArtsClient;
}

/**
 * Builds one client per connection the pools use, right away: a missing credential fails here, naming its
 * variable, before any request is sent.
 */
export function buildCycleDeps(
  config: Config,
  env: Environment,
  options: {
    now?: () => number;
    log?: CycleDeps['log'];
    killSwitch?: CycleDeps['killSwitch'];
    /** Where a notification a receiver did not take is reported (default: nowhere). */
    onNotifyFailure?: (message: string) => void;
  } = {},
): CliCycleDeps {
  const now = options.now ?? Date.now;
  const base = modelArtsClients(config, { secrets: environmentSecrets(config, env), now });
  const errors: PoolErrors = new Map();
  const clients = new Map<string, ModelArtsClient>();
  const client = (name: string) => {
    let existing = clients.get(name);
    if (!existing) {
      existing = recordingClient(base(name), name, errors);
      clients.set(name, existing);
    }
    return existing;
  };
  for (const name of new Set(config.pools.map((entry) => entry.connection))) client(name);
  const store = createStateStore(config.state);
  const notify = cliNotifier(config, env, store, now, options.onNotifyFailure);
  return {
    deps: {
      clients: client,
      store,
      sources: connectionSourceDeps(client),
      now,
      owner: `cli-${randomUUID()}`,
      ...(notify ? { notify } : {}),
      ...(options.log ? { log: options.log } : {}),
      ...(options.killSwitch ? { killSwitch: options.killSwitch } : {}),
    },
    errors,
    client,
  };
}

// One clear line per failure: which host could not be reached, which credentials were refused, which pool
// does not exist. Messages come from typed errors, which carry no secrets by construction.

import type { Config, PoolConfig } from '../lib/config';
import { formatPath } from '../lib/config/issues';
import type { CycleResult, PoolOutcome } from '../lib/cycle';
import { CREDENTIAL_ENV } from '../lib/modelarts/credentials';
import {
  ModelArtsApiError,
  ModelArtsNetworkError,
  ModelArtsTimeoutError,
  RetryBudgetExceededError,
} from '../lib/modelarts/errors';
import { IAM_PASSWORD_ENV } from './credentials';
import { type PoolErrors, poolErrorKey } from './setup';

export interface FailureContext {
  config: Config;
  errors: PoolErrors;
  /** The endpoint a connection's requests went to. */
  endpoint(connection: string): string;
}

const rootCause = (error: unknown): unknown => {
  let current = error;
  while (current instanceof RetryBudgetExceededError && current.cause !== undefined) current = current.cause;
  return current;
};

const hostOf = (endpoint: string) => (URL.canParse(endpoint) ? new URL(endpoint).host : endpoint);

const isLoopback = (endpoint: string) => {
  const name = URL.canParse(endpoint) ? new URL(endpoint).hostname : '';
  return name === 'localhost' || name === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(name);
};

// Nothing listens on a local port: most often the emulator the example config points at is not started.
const refusedHint = (error: ModelArtsNetworkError, endpoint: string) =>
  error.code === 'ECONNREFUSED' && isLoopback(endpoint)
    ? ' (is the emulator running? start it with: npm run emulator)'
    : '';

const apiCode = (error: ModelArtsApiError) =>
  [error.status, error.errorCode].filter((part) => part !== undefined).join(' ');

function credentialsHint(config: Config, connection: string): string {
  const auth = config.connections.find((candidate) => candidate.name === connection)?.auth;
  if (auth?.type === 'token') return `check the IAM user ${auth.user.name} and ${IAM_PASSWORD_ENV}`;
  if (auth?.type === 'none')
    return 'the endpoint wants credentials: set auth { type: aksk } on the connection';
  return `check ${CREDENTIAL_ENV.ak} and ${CREDENTIAL_ENV.sk}`;
}

/** A failed pool (or a connection, pool '*') as one line. */
export function describeFailure(outcome: PoolOutcome, context: FailureContext): string {
  const { connection, pool } = outcome;
  const error = rootCause(context.errors.get(poolErrorKey(connection, pool)));
  const endpoint = context.endpoint(connection);
  const host = hostOf(endpoint);
  const subject = pool === '*' ? `connection "${connection}"` : `pool "${pool}" (connection "${connection}")`;
  if (error instanceof ModelArtsNetworkError)
    return `cannot reach ${host} for ${subject}: ${error.code ?? 'network error'}${refusedHint(error, endpoint)}`;
  if (error instanceof ModelArtsTimeoutError)
    return `no answer from ${host} for ${subject} within ${error.timeoutMs} ms`;
  if (error instanceof ModelArtsApiError) {
    if (error.status === 401)
      return `${host} refused the credentials of connection "${connection}" (${apiCode(error)}): ${credentialsHint(context.config, connection)}`;
    if (error.status === 404 && pool !== '*')
      return `pool "${pool}" not found on connection "${connection}" (${apiCode(error)})`;
  }
  return `${subject}: ${outcome.error ?? 'failed'}`;
}

const entryName = (entry: PoolConfig) => formatPath(['pools', entry.index]);

/**
 * Pools the config names (or --pool asked for) that the cycle never saw: the list call of their connection
 * worked but did not contain them, or a GET found a pool no config entry manages.
 */
export function unseenPools(config: Config, result: CycleResult, requested?: readonly string[]): string[] {
  const seen = new Set([
    ...result.plan.pools.map((pool) => pool.pool),
    ...result.outcomes.map((o) => o.pool),
  ]);
  const brokenConnections = new Set(result.outcomes.filter((o) => o.pool === '*').map((o) => o.connection));
  if (requested && requested.length > 0)
    return requested
      .filter((name) => !seen.has(name))
      .map((name) => `pool "${name}" is not managed by the config: no entry names or selects it`);
  return config.pools
    .filter(
      (entry) =>
        entry.name !== undefined && !seen.has(entry.name) && !brokenConnections.has(entry.connection),
    )
    .map(
      (entry) =>
        `pool "${entry.name}" (${entryName(entry)}) not found on connection "${entry.connection}": it is not in the pool list`,
    );
}

/** Every problem of a cycle, one line each: failed pools first, then pools that were never seen. */
export function cycleProblems(
  result: CycleResult,
  context: FailureContext,
  requested?: readonly string[],
): string[] {
  return [
    ...result.outcomes
      .filter((outcome) => outcome.status === 'failed')
      .map((o) => describeFailure(o, context)),
    ...unseenPools(context.config, result, requested),
  ];
}

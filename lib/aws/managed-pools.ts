// The concrete pools the config manages, for the scheduled function's fan-out decision and messages. A
// connection with selector entries is listed once (per workspace) to count its pools; one whose entries all
// name their pools needs no list to be counted, and is listed only to fan out: each message carries its
// pool as listed, so a worker plans on that answer instead of a GET, and an unchanged pool costs no
// ModelArts request.

import { matchPools } from '../config/pools';
import type { Config, ConnectionConfig } from '../config/types';
import { listQueries } from '../cycle/read-pools';
import type { ModelArtsClient } from '../modelarts';
import type { Pool } from '../modelarts/schemas';
import type { PoolMessage } from './pool-message';

export interface ManagedPool {
  connection: string;
  project: string;
  pool: string;
  /** The pool as the LIST answered, when it did; the worker reads a pool without one. */
  snapshot?: Pool;
  listedAt?: number;
}

export interface ManagedPools {
  pools: ManagedPool[];
  /** Connections that could not be listed, with a secret-free reason. */
  failures: { connection: string; error: string }[];
}

export interface ManagedPoolsOptions {
  /** Clock of `listedAt`. Default Date.now. */
  now?: () => number;
  /**
   * Given the count of managed pools, whether to list the connections whose entries all name their pools:
   * counting those needs no list, carrying them as listed (to fan out) does. Default: list them.
   */
  listNamed?: (count: number) => boolean;
}

export async function managedPools(
  config: Config,
  clients: (connectionName: string) => ModelArtsClient,
  options: ManagedPoolsOptions = {},
): Promise<ManagedPools> {
  const result: ManagedPools = { pools: [], failures: [] };
  const namedOnly: ConnectionConfig[] = [];
  for (const connection of config.connections) {
    const entries = config.pools.filter((entry) => entry.connection === connection.name);
    if (entries.length === 0) continue;
    if (entries.every((entry) => entry.name !== undefined)) namedOnly.push(connection);
    else await listConnection(config, clients, connection, options.now ?? Date.now, result);
  }
  const namedCount = namedOnly.reduce((sum, connection) => sum + namedPools(config, connection).length, 0);
  const listNamed = options.listNamed?.(result.pools.length + namedCount) ?? true;
  for (const connection of namedOnly) {
    if (listNamed) await listConnection(config, clients, connection, options.now ?? Date.now, result);
    else result.pools.push(...namedPools(config, connection).map((name) => managed(connection, name)));
  }
  return result;
}

const managed = (
  connection: ConnectionConfig,
  pool: string,
  listed?: { snapshot: Pool; listedAt: number },
): ManagedPool => ({ connection: connection.name, project: connection.projectId, pool, ...listed });

const namedPools = (config: Config, connection: ConnectionConfig): string[] => [
  ...new Set(
    config.pools.flatMap((entry) =>
      entry.connection === connection.name && entry.name !== undefined ? [entry.name] : [],
    ),
  ),
];

/**
 * The connection's managed pools as listed. Named pools are worked on even when the list fails or lacks
 * them: their workers read them (a GET each), and a pool that is gone is reported there.
 */
async function listConnection(
  config: Config,
  clients: (connectionName: string) => ModelArtsClient,
  connection: ConnectionConfig,
  now: () => number,
  result: ManagedPools,
): Promise<void> {
  const named = namedPools(config, connection);
  const listedAt = now();
  try {
    const pools: Pool[] = [];
    for (const query of listQueries(config, connection))
      pools.push(...(await clients(connection.name).listPools(query)).pools);
    const matched = matchPools(config, connection.name, pools).map((match) => match.pool);
    result.pools.push(
      ...matched.map((pool) => managed(connection, pool.metadata.name, { snapshot: pool, listedAt })),
    );
    const listed = new Set(matched.map((pool) => pool.metadata.name));
    result.pools.push(...named.filter((name) => !listed.has(name)).map((name) => managed(connection, name)));
  } catch (error) {
    result.failures.push({
      connection: connection.name,
      error: error instanceof Error ? error.message : String(error),
    });
    result.pools.push(...named.map((name) => managed(connection, name)));
  }
}

/** More pools than config.fanOutAbovePools are scaled by one worker message each. */
export const shouldFanOut = (config: Pick<Config, 'fanOutAbovePools'>, poolCount: number): boolean =>
  poolCount > config.fanOutAbovePools;

export function poolMessages(pools: readonly ManagedPool[], tick: string, dryRun: boolean): PoolMessage[] {
  return pools.map(({ connection, project, pool, snapshot, listedAt }) => ({
    connection,
    project,
    pool,
    tick,
    ...(dryRun ? { dryRun } : {}),
    ...(snapshot ? { snapshot, listedAt } : {}),
  }));
}

/** The config narrowed to one connection, so a cycle over named pools asks only that connection. */
export function configForConnection(config: Config, connection: string): Config {
  return { ...config, pools: config.pools.filter((entry) => entry.connection === connection) };
}

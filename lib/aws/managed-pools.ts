// The concrete pools the config manages, for the scheduled function's fan-out decision and messages.
// Pools named in the config need no API call; a connection with selector entries is listed once.

import { matchPools } from '../config/pools';
import type { Config } from '../config/types';
import { listQueries } from '../cycle/read-pools';
import type { ModelArtsClient } from '../modelarts';
import type { Pool } from '../modelarts/schemas';
import type { PoolMessage } from './pool-message';

export interface ManagedPool {
  connection: string;
  project: string;
  pool: string;
}

export interface ManagedPools {
  pools: ManagedPool[];
  /** Connections that could not be listed, with a secret-free reason. */
  failures: { connection: string; error: string }[];
}

export async function managedPools(
  config: Config,
  clients: (connectionName: string) => ModelArtsClient,
): Promise<ManagedPools> {
  const result: ManagedPools = { pools: [], failures: [] };
  for (const connection of config.connections) {
    const entries = config.pools.filter((entry) => entry.connection === connection.name);
    if (entries.length === 0) continue;
    const managed = (pool: string) => ({ connection: connection.name, project: connection.projectId, pool });
    if (entries.every((entry) => entry.name !== undefined)) {
      const names = new Set(entries.map((entry) => entry.name as string));
      result.pools.push(...[...names].map(managed));
      continue;
    }
    try {
      const pools: Pool[] = [];
      for (const query of listQueries(config, connection))
        pools.push(...(await clients(connection.name).listPools(query)).pools);
      for (const match of matchPools(config, connection.name, pools))
        result.pools.push(managed(match.pool.metadata.name));
    } catch (error) {
      result.failures.push({
        connection: connection.name,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
  return result;
}

/** More pools than config.fanOutAbovePools are scaled by one worker message each. */
export const shouldFanOut = (config: Pick<Config, 'fanOutAbovePools'>, poolCount: number): boolean =>
  poolCount > config.fanOutAbovePools;

export function poolMessages(pools: readonly ManagedPool[], tick: string, dryRun: boolean): PoolMessage[] {
  return pools.map((pool) => ({ ...pool, tick, ...(dryRun ? { dryRun } : {}) }));
}

/** The config narrowed to one connection, so a cycle over named pools asks only that connection. */
export function configForConnection(config: Config, connection: string): Config {
  return { ...config, pools: config.pools.filter((entry) => entry.connection === connection) };
}

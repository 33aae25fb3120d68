// The concrete pools the config manages, for the scheduled function's fan-out decision and messages. Each
// connection is listed once (per workspace), and each message carries its pool as listed, so a worker
// plans on that answer instead of a GET: an unchanged pool costs no ModelArts request on the fan-out path.

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
  /** The pool as the LIST answered, when it did; the worker reads a pool without one. */
  snapshot?: Pool;
  listedAt?: number;
}

export interface ManagedPools {
  pools: ManagedPool[];
  /** Connections that could not be listed, with a secret-free reason. */
  failures: { connection: string; error: string }[];
}

export async function managedPools(
  config: Config,
  clients: (connectionName: string) => ModelArtsClient,
  now: () => number = Date.now,
): Promise<ManagedPools> {
  const result: ManagedPools = { pools: [], failures: [] };
  for (const connection of config.connections) {
    const entries = config.pools.filter((entry) => entry.connection === connection.name);
    if (entries.length === 0) continue;
    const managed = (pool: string, listed?: { snapshot: Pool; listedAt: number }): ManagedPool => ({
      connection: connection.name,
      project: connection.projectId,
      pool,
      ...listed,
    });
    // Named pools are worked on even when the list fails or lacks them: their workers read them (a GET
    // each), and a pool that is gone is reported there.
    const named = [...new Set(entries.flatMap((entry) => (entry.name === undefined ? [] : [entry.name])))];
    const listedAt = now();
    try {
      const pools: Pool[] = [];
      for (const query of listQueries(config, connection))
        pools.push(...(await clients(connection.name).listPools(query)).pools);
      const matched = matchPools(config, connection.name, pools).map((match) => match.pool);
      result.pools.push(...matched.map((pool) => managed(pool.metadata.name, { snapshot: pool, listedAt })));
      const listed = new Set(matched.map((pool) => pool.metadata.name));
      result.pools.push(...named.filter((name) => !listed.has(name)).map((name) => managed(name)));
    } catch (error) {
      result.failures.push({
        connection: connection.name,
        error: error instanceof Error ? error.message : String(error),
      });
      result.pools.push(...named.map((name) => managed(name)));
    }
  }
  return result;
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

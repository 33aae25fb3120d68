// Step 1: which managed pools may change. ONE list call per connection and workspace, or a GET per pool
// when the invocation names its pools (none when it carries a fresh listed answer for the pool). Nothing is
// written on this read: apply-pool reads each pool again under its lease before any write.

import { forEachBounded } from '../bounded';
import { formatPath } from '../config/issues';
import { listPoolsQuery, matchPools, workspacesToList } from '../config/pools';
import type { Config, ConnectionConfig, PoolConfig } from '../config/types';
import type { ListPoolsQuery } from '../modelarts/client';
import type { Pool } from '../modelarts/schemas';
import { CLOCK_SKEW_ALLOWANCE_MS } from './lease-timing';
import { failed, NOT_MANAGED, poolKey } from './outcomes';
import type { CycleDeps, CycleWarning, ListedPool, PoolOutcome, Snapshot } from './types';

/** What the read found, and what it could not read (each failing alone). */
export interface PoolsRead {
  snapshots: Snapshot[];
  failures: PoolOutcome[];
  warnings: CycleWarning[];
}

/** The connections the config's pool entries use, in config order. */
function usedConnections(config: Config): ConnectionConfig[] {
  const names = new Set(config.pools.map((entry) => entry.connection));
  return config.connections.filter((connection) => names.has(connection.name));
}

/** Connections a named pool may live on: those naming it, else those selecting pools by label. */
export function connectionsFor(config: Config, name: string): ConnectionConfig[] {
  const has = (test: (entry: PoolConfig) => boolean) =>
    usedConnections(config).filter((c) =>
      config.pools.some((entry) => entry.connection === c.name && test(entry)),
    );
  const naming = has((entry) => entry.name === name);
  return naming.length > 0 ? naming : has((entry) => entry.selector !== undefined);
}

/** One list query per workspace a connection's entries live in: the list call answers for one at a time. */
export const listQueries = (config: Config, connection: ConnectionConfig): ListPoolsQuery[] =>
  workspacesToList(config, connection.name).map(listPoolsQuery);

/** ONE list call per connection and workspace. A pool the API answers badly for fails alone. */
async function listPools(
  deps: CycleDeps,
  connection: ConnectionConfig,
  query: ListPoolsQuery,
  read: PoolsRead,
) {
  try {
    const listed = await deps.clients(connection.name).listPools(query);
    for (const error of listed.errors)
      read.failures.push(failed(connection, error.pool ?? '(unnamed)', error));
    return listed.pools;
  } catch (error) {
    read.failures.push(failed(connection, '*', error));
    return undefined;
  }
}

/**
 * How old a listed answer may be to plan on: a fan-out message is read within seconds of its LIST unless it
 * waited behind a failing message of its pool or was redriven from the dead-letter queue; then the pool is
 * read again. An answer from the future beyond the clock-skew allowance is not trusted either.
 */
export const MAX_LISTED_AGE_MS = 5 * 60_000;

const listedKey = (connection: string, name: string) => `${connection}\n${name}`;

/** The listed answers fresh enough to plan on, by connection and pool name. */
function freshListed(listed: readonly ListedPool[], now: number): Map<string, Pool> {
  const fresh = (entry: ListedPool) =>
    now - entry.listedAt <= MAX_LISTED_AGE_MS && entry.listedAt - now <= CLOCK_SKEW_ALLOWANCE_MS;
  return new Map(
    listed.filter(fresh).map((entry) => [listedKey(entry.connection, entry.pool.metadata.name), entry.pool]),
  );
}

/**
 * A GET per pool the invocation names, on the connections it may live on; none for a pool the invocation
 * carries a fresh listed answer for (on that answer's connection only).
 */
async function getNamedPools(
  config: Config,
  deps: CycleDeps,
  names: string[],
  listed: readonly ListedPool[],
  read: PoolsRead,
): Promise<Map<ConnectionConfig, Pool[]>> {
  const found = new Map<ConnectionConfig, Pool[]>();
  const usable = freshListed(listed, deps.now());
  const lookups = names.flatMap((name) => {
    const candidates = connectionsFor(config, name);
    const listedOn = candidates.filter((connection) => usable.has(listedKey(connection.name, name)));
    return (listedOn.length > 0 ? listedOn : candidates).map((connection) => ({ name, connection }));
  });
  for (const name of names)
    if (!lookups.some((lookup) => lookup.name === name))
      read.failures.push({
        key: name,
        pool: name,
        connection: '',
        status: 'failed',
        error: `pool "${name}" is not managed by this config`,
        errorCode: NOT_MANAGED,
      });
  const misses = new Map<string, PoolOutcome[]>();
  await forEachBounded(lookups, config.concurrency, async ({ name, connection }) => {
    try {
      const pool =
        usable.get(listedKey(connection.name, name)) ?? (await deps.clients(connection.name).getPool(name));
      found.set(connection, [...(found.get(connection) ?? []), pool]);
    } catch (error) {
      misses.set(name, [...(misses.get(name) ?? []), failed(connection, name, error)]);
    }
  });
  // A 404 on one of several candidate connections is expected; report a pool only if no connection had it.
  const seen = new Set([...found.values()].flat().map((pool) => pool.metadata.name));
  for (const [name, outcomes] of misses) if (!seen.has(name)) read.failures.push(...outcomes);
  return found;
}

async function listConnection(
  config: Config,
  deps: CycleDeps,
  connection: ConnectionConfig,
  read: PoolsRead,
) {
  const pools: Pool[] = [];
  for (const query of listQueries(config, connection)) {
    const listed = await listPools(deps, connection, query, read);
    if (!listed) return undefined;
    pools.push(...listed);
  }
  read.failures.push(...missingNamedPools(config, connection, pools));
  read.warnings.push(...idleSelectors(config, connection, pools));
  return pools;
}

/**
 * The managed pools as they are now. A pool the config names but the list lacks (another workspace, deleted,
 * a typo) is reported, not silently dropped: the user believes it is managed.
 */
export async function readPools(
  config: Config,
  deps: CycleDeps,
  names: string[] | undefined,
  listed: readonly ListedPool[] = [],
): Promise<PoolsRead> {
  const read: PoolsRead = { snapshots: [], failures: [], warnings: [] };
  const readAt = deps.now();
  const byConnection = new Map<ConnectionConfig, Pool[]>();
  if (names)
    for (const [connection, pools] of await getNamedPools(config, deps, names, listed, read))
      byConnection.set(connection, pools);
  else
    for (const connection of usedConnections(config)) {
      const pools = await listConnection(config, deps, connection, read);
      if (pools) byConnection.set(connection, pools);
    }
  for (const [connection, pools] of byConnection)
    for (const match of matchPools(config, connection.name, pools)) {
      const name = match.pool.metadata.name;
      if (match.ok)
        read.snapshots.push({
          connection,
          poolConfig: match.poolConfig,
          pool: match.pool,
          key: poolKey(connection, name),
          readAt,
        });
      else read.failures.push(failed(connection, name, new Error(match.message)));
    }
  return read;
}

function missingNamedPools(config: Config, connection: ConnectionConfig, pools: Pool[]): PoolOutcome[] {
  const listed = new Set(pools.map((pool) => pool.metadata.name));
  return config.pools
    .filter(
      (entry) => entry.connection === connection.name && entry.name !== undefined && !listed.has(entry.name),
    )
    .map((entry) => {
      const name = entry.name as string;
      return failed(
        connection,
        name,
        new Error(`pool "${name}" is not in the pool list of project ${connection.projectId}`),
      );
    });
}

/** Selector entries that match no listed pool: likely a wrong label or workspace, worth a warning. */
function idleSelectors(config: Config, connection: ConnectionConfig, pools: Pool[]): CycleWarning[] {
  const matched = new Set(
    matchPools(config, connection.name, pools).flatMap((match) =>
      match.ok ? [match.poolConfig] : match.poolConfigs,
    ),
  );
  return config.pools
    .filter((entry) => entry.connection === connection.name && entry.selector && !matched.has(entry))
    .map((entry) => ({
      code: 'selector-matches-no-pool' as const,
      connection: connection.name,
      message: `${formatPath(['pools', entry.index])} (selector ${JSON.stringify(entry.selector)}) matches no pool of connection ${connection.name}`,
    }));
}

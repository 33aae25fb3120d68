import type { ListPoolsQuery } from '../modelarts/client';
import type { Pool } from '../modelarts/schemas';
import type { FlavorPolicy, PoolPolicy } from '../scaling/policy';
import { formatPath } from './issues';
import type { BacklogSettings, Config, ManagedFlavor, PoolConfig, PoolSelector } from './types';

// From the config and the pools a connection lists to the policies the pure core consumes.

export const workspaceLabel = 'os.modelarts/workspace.id';

/** The workspace ListPools answers for when no `workspaceId` is sent, and that of a pool without the label. */
export const DEFAULT_WORKSPACE_ID = '0';

/**
 * The workspace whose listing holds an entry's pools: its selector's `workspaceId`, else the default one
 * (a named entry, or a selector without a workspace, is looked for where a plain ListPools looks).
 */
export const entryWorkspace = (poolConfig: Pick<PoolConfig, 'selector'>): string =>
  poolConfig.selector?.workspaceId ?? DEFAULT_WORKSPACE_ID;

/**
 * The workspaces to list for a connection: one ListPools per workspace its entries need, the default one
 * first, then the others sorted. Empty when no entry uses the connection.
 */
export function workspacesToList(config: Pick<Config, 'pools'>, connectionName: string): string[] {
  const workspaces = new Set(
    config.pools.filter((entry) => entry.connection === connectionName).map(entryWorkspace),
  );
  const others = [...workspaces].filter((workspace) => workspace !== DEFAULT_WORKSPACE_ID).sort();
  return workspaces.has(DEFAULT_WORKSPACE_ID) ? [DEFAULT_WORKSPACE_ID, ...others] : others;
}

/** The ListPools query for a workspace; the default one is left implicit, as the API defaults to it. */
export const listPoolsQuery = (workspace: string): ListPoolsQuery =>
  workspace === DEFAULT_WORKSPACE_ID ? {} : { workspaceId: workspace };

export type PoolMatch =
  | { ok: true; pool: Pool; poolConfig: PoolConfig }
  | {
      ok: false;
      pool: Pool;
      reason: 'ambiguous-config';
      /** Secret-free, names the entries: "matched by pools[0] and pools[3]". */
      message: string;
      poolConfigs: PoolConfig[];
    };

// A selector sees only its own workspace's pools, as its listing does: without this, once several workspaces
// are listed a selector without a workspace would also match (and fight over) the other workspaces' pools.
function selectorMatches(selector: PoolSelector, pool: Pool): boolean {
  const labels = pool.metadata.labels ?? {};
  if ((labels[workspaceLabel] ?? DEFAULT_WORKSPACE_ID) !== entryWorkspace({ selector })) return false;
  return Object.entries(selector.labels).every(([key, value]) => labels[key] === value);
}

export const poolConfigMatches = (poolConfig: PoolConfig, pool: Pool): boolean =>
  poolConfig.name !== undefined
    ? poolConfig.name === pool.metadata.name
    : poolConfig.selector !== undefined && selectorMatches(poolConfig.selector, pool);

/**
 * The connection's pools that the config manages, each with its entry. A pool matched by two entries is
 * reported as not ok (for that pool only); pools matched by none are left out.
 */
export function matchPools(config: Config, connectionName: string, pools: Pool[]): PoolMatch[] {
  const entries = config.pools.filter((poolConfig) => poolConfig.connection === connectionName);
  return pools.flatMap((pool): PoolMatch[] => {
    const matched = entries.filter((poolConfig) => poolConfigMatches(poolConfig, pool));
    const [only] = matched;
    if (!only) return [];
    if (matched.length === 1) return [{ ok: true, pool, poolConfig: only }];
    const names = matched.map((poolConfig) => formatPath(['pools', poolConfig.index]));
    return [
      {
        ok: false,
        pool,
        reason: 'ambiguous-config',
        message: `pool is matched by more than one config entry (${names.join(', ')})`,
        poolConfigs: matched,
      },
    ];
  });
}

/** The config's flavor entries for each flavor of the pool: exact names first, '*' for the rest. */
function managedFlavors(poolConfig: PoolConfig, pool: Pool): Map<string, ManagedFlavor> {
  const byName = new Map(poolConfig.flavors.map((managed) => [managed.flavor, managed]));
  const wildcard = byName.get('*');
  const result = new Map<string, ManagedFlavor>();
  for (const { flavor } of pool.spec.resources) {
    const managed = byName.get(flavor) ?? wildcard;
    if (managed) result.set(flavor, managed);
  }
  return result;
}

// A config entry's policy, copied and deep-frozen once: the planner reads it for every pool of every cycle,
// and a copy per pool (10,000 pools x 4 flavors) cost most of a cycle's planning time. Frozen, so that code
// that would change a shared policy throws instead of changing every pool's (and the config's).
const frozenPolicies = new WeakMap<ManagedFlavor, FlavorPolicy>();

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

function frozenPolicy(managed: ManagedFlavor): FlavorPolicy {
  let policy = frozenPolicies.get(managed);
  if (policy === undefined) {
    policy = deepFreeze(structuredClone(managed.policy));
    frozenPolicies.set(managed, policy);
  }
  return policy;
}

/** The resolved policy for one pool: a FlavorPolicy for every flavor of the pool the entry manages. */
export function resolvePoolPolicy(_config: Config, poolConfig: PoolConfig, pool: Pool): PoolPolicy {
  const flavors: PoolPolicy['flavors'] = {};
  for (const [flavor, managed] of managedFlavors(poolConfig, pool)) {
    flavors[flavor] = { ...frozenPolicy(managed), flavor };
  }
  return { paused: poolConfig.paused, allowPrepaid: poolConfig.allowPrepaid, flavors };
}

/** Where and how to read each managed flavor's backlog, for the metrics layer. */
export function resolveBacklogSettings(
  _config: Config,
  poolConfig: PoolConfig,
  pool: Pool,
): Record<string, BacklogSettings> {
  const settings: Record<string, BacklogSettings> = {};
  for (const [flavor, managed] of managedFlavors(poolConfig, pool))
    settings[flavor] = structuredClone(managed.backlog);
  return settings;
}

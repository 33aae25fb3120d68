import type { z } from 'zod';
import type { CapacitySettings } from '../capacity/types';
import { resolveEndpoint } from '../modelarts/endpoint';
import type { AzStrategy, DirectionRules, Fallback, FlavorPolicy } from '../scaling/policy';
import type { Schedule } from '../schedules/types';
import { builtInFlavorDefaults } from './defaults';
import { type ConfigIssue, formatPath, fromZodIssues, type PathSegment, quote } from './issues';
import type { ScheduleConfig } from './schedules-schema';
import {
  ConfigHeadSchema,
  type ConnectionConfig,
  ConnectionSchema,
  FlavorEntrySchema,
  type FlavorPolicyFields,
  FlavorPolicyFieldsSchema,
  PoolHeadSchema,
} from './schema';
import type { Config, ManagedFlavor, PoolConfig } from './types';

// From a parsed document to a Config. Each connection, pool and flavor is validated on its own, so one broken
// entry does not hide the problems of the others, and the cross-field checks (which need the merged view)
// still run for every entry that is well-formed.

type Issues = ConfigIssue[];

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

const listAt = (value: unknown, key: string): unknown[] =>
  isRecord(value) && Array.isArray(value[key]) ? (value[key] as unknown[]) : [];

function parsePiece<S extends z.ZodType>(
  schema: S,
  value: unknown,
  path: PathSegment[],
  issues: Issues,
): z.output<S> | undefined {
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  issues.push(...fromZodIssues(result.error.issues, path, schema));
  return undefined;
}

const issue = (issues: Issues, path: PathSegment[], message: string) =>
  issues.push({ path: formatPath(path), message });

const lastDefined = <T>(values: (T | undefined)[]): T | undefined =>
  values.findLast((value) => value !== undefined);

/** Field-by-field merge of optional objects, later layers winning; undefined fields do not override. */
function mergeFields<T extends object>(base: T, layers: (Partial<T> | undefined)[]): T {
  const merged: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer ?? {})) if (value !== undefined) merged[key] = value;
  }
  return structuredClone(merged) as T;
}

const toAzStrategy = (value: NonNullable<FlavorPolicyFields['azStrategy']>): AzStrategy =>
  typeof value === 'string' ? { type: value } : { type: 'weighted', weights: value.weighted };

const toFallback = (value: NonNullable<FlavorPolicyFields['fallback']>): Fallback =>
  value === 'hold' ? { type: 'hold' } : { type: 'fixed', count: value.fixed };

// Resolved once per config entry, so that every flavor the entry covers shares one list (evaluated once a cycle).
const resolvedSchedules = new WeakMap<ScheduleConfig[], Schedule[]>();

function toSchedules(schedules: ScheduleConfig[]): Schedule[] {
  let resolved = resolvedSchedules.get(schedules);
  if (resolved === undefined) {
    resolved = schedules.map(({ name, ...schedule }) => ({ name: name ?? schedule.cron, ...schedule }));
    resolvedSchedules.set(schedules, resolved);
  }
  return resolved;
}

function checkSchedules(
  schedules: ScheduleConfig[],
  min: number,
  max: number,
  path: PathSegment[],
  issues: Issues,
): void {
  schedules.forEach((schedule, index) => {
    if (schedule.min !== undefined && schedule.min > max)
      issue(
        issues,
        [...path, 'schedules', index, 'min'],
        `must be <= the flavor's max ${max} (got ${schedule.min})`,
      );
    if (schedule.max !== undefined && schedule.max < min)
      issue(
        issues,
        [...path, 'schedules', index, 'max'],
        `must be >= the flavor's min ${min} (got ${schedule.max})`,
      );
  });
}

const inherited = 'set it on the flavor, in the pool defaults or in the global defaults';

function checkRules(rules: DirectionRules, path: PathSegment[], issues: Issues): void {
  if (rules.policies.length === 0 && rules.selectPolicy !== 'Disabled') {
    issue(issues, [...path, 'policies'], 'must list at least one policy unless selectPolicy is Disabled');
  }
  if (path.at(-1) !== 'scaleDown') return;
  rules.policies.forEach((policy, index) => {
    if (policy.type === 'Percent' && policy.value > 100) {
      issue(
        issues,
        [...path, 'policies', index, 'value'],
        `must be <= 100 to scale down (got ${policy.value})`,
      );
    }
  });
}

/** `capacity:` merged field by field (its `backoff` too), checked on the merged view. */
function resolveCapacity(
  layers: FlavorPolicyFields[],
  method: 'idle-nodes' | 'count',
  path: PathSegment[],
  issues: Issues,
): CapacitySettings {
  const d = builtInFlavorDefaults.capacity;
  const backoff = mergeFields(
    d.backoff,
    layers.map((layer) => layer.capacity?.backoff),
  );
  const { backoff: _inherited, ...flat } = mergeFields(
    d,
    layers.map((layer) => {
      if (layer.capacity === undefined) return undefined;
      const { backoff: _own, ...rest } = layer.capacity;
      return rest;
    }),
  );
  const capacity: CapacitySettings = { ...flat, backoff };
  if (backoff.initialSeconds > backoff.maxSeconds) {
    issue(
      issues,
      [...path, 'capacity', 'backoff', 'initialSeconds'],
      `must be <= maxSeconds (got ${backoff.initialSeconds} > ${backoff.maxSeconds})`,
    );
  }
  if (capacity.replaceAbnormalAfterSeconds !== undefined && method === 'count') {
    issue(
      issues,
      [...path, 'capacity', 'replaceAbnormalAfterSeconds'],
      'needs scaleDown.method idle-nodes: with count no Abnormal node is replaced (a later count-down could ' +
        'remove a healthy node in its place); remove it or use idle-nodes',
    );
  }
  return capacity;
}

/** Merges one flavor entry over its pool's and the global defaults, and checks the result. */
function resolveFlavor(
  layers: FlavorPolicyFields[],
  flavor: string,
  path: PathSegment[],
  issues: Issues,
): ManagedFlavor | undefined {
  const d = builtInFlavorDefaults;
  const pick = <K extends keyof FlavorPolicyFields>(key: K) => lastDefined(layers.map((layer) => layer[key]));
  const before = issues.length;

  const min = pick('min') ?? d.min;
  const max = pick('max');
  if (max === undefined) issue(issues, [...path, 'max'], `required: ${inherited}`);
  else if (max < min) issue(issues, [...path, 'max'], `must be >= min (got ${max} < ${min})`);

  const backlog = mergeFields(
    d.backlog,
    layers.map((layer) => layer.backlog),
  );
  const source = lastDefined(layers.map((layer) => layer.backlog?.source));
  if (source === undefined) issue(issues, [...path, 'backlog', 'source'], `required: ${inherited}`);

  const fallback = toFallback(pick('fallback') ?? 'hold');
  if (fallback.type === 'fixed' && max !== undefined && (fallback.count < min || fallback.count > max)) {
    issue(
      issues,
      [...path, 'fallback', 'fixed'],
      `must be between min and max (got ${fallback.count}, ${min}..${max})`,
    );
  }

  const scaleUp = mergeFields(
    d.scaleUp,
    layers.map((layer) => layer.scaleUp),
  );
  const scaleDown = mergeFields(
    d.scaleDown,
    layers.map((layer) => layer.scaleDown),
  );
  checkRules(scaleUp, [...path, 'scaleUp'], issues);
  checkRules(scaleDown, [...path, 'scaleDown'], issues);
  const schedules = pick('schedules');
  if (schedules !== undefined && max !== undefined) checkSchedules(schedules, min, max, path, issues);
  const capacity = resolveCapacity(layers, scaleDown.method, path, issues);

  if (issues.length > before || max === undefined || source === undefined) return undefined;
  const azStrategy = pick('azStrategy');
  const policy: FlavorPolicy = {
    flavor,
    min,
    max,
    targetPerNode: backlog.targetPerNode,
    activationThreshold: backlog.activationThreshold,
    tolerance: pick('tolerance') ?? d.tolerance[backlog.unit],
    azStrategy: azStrategy === undefined ? structuredClone(d.azStrategy) : toAzStrategy(azStrategy),
    scaleUp,
    scaleDown,
    fallback,
    capacity,
  };
  if (schedules !== undefined) policy.schedules = toSchedules(schedules);
  const forecast = pick('forecast');
  if (forecast !== undefined) {
    const weekly = forecast.seasonality === 'weekly';
    policy.forecast = {
      mode: forecast.mode,
      leadSeconds: forecast.leadSeconds,
      periodSeconds: weekly ? 7 * 86_400 : 86_400,
      periods: weekly ? 1 : forecast.days,
    };
    if (forecast.spread !== undefined) policy.forecast.spread = forecast.spread;
  }
  const headroom = pick('headroom');
  if (headroom !== undefined) policy.headroom = { ...headroom };
  return {
    flavor,
    policy,
    backlog: { source, unit: backlog.unit, staleAfterSeconds: backlog.staleAfterSeconds },
  };
}

const stringAt = (value: unknown, key: string): string | undefined =>
  isRecord(value) && typeof value[key] === 'string' ? value[key] : undefined;

// Judged on the raw entry, so that the entry's other problems do not hide these.
function checkPoolReferences(
  rawPool: unknown,
  connectionNames: string[],
  path: PathSegment[],
  issues: Issues,
) {
  if (!isRecord(rawPool)) return undefined;
  if ((rawPool.name === undefined) === (rawPool.selector === undefined)) {
    issue(issues, path, 'set exactly one of name and selector');
  }
  const connection = stringAt(rawPool, 'connection');
  const known = connectionNames.map(quote).join(', ');
  if (connection === undefined) {
    if (connectionNames.length === 1) return connectionNames[0];
    if (connectionNames.length > 1) {
      issue(issues, [...path, 'connection'], `required when several connections are listed (${known})`);
    }
    return undefined;
  }
  if (connectionNames.includes(connection)) return connection;
  issue(
    issues,
    [...path, 'connection'],
    `unknown connection ${quote(connection)} (known: ${known || 'none'})`,
  );
  return undefined;
}

function checkUnique<T>(
  items: { value: T; path: PathSegment[] }[],
  key: (value: T) => string | undefined,
  describe: (value: T) => string,
  issues: Issues,
): void {
  const seen = new Map<string, PathSegment[]>();
  for (const { value, path } of items) {
    const k = key(value);
    if (k === undefined) continue;
    const first = seen.get(k);
    if (first) issue(issues, path, `duplicate ${describe(value)} (also at ${formatPath(first)})`);
    else seen.set(k, path);
  }
}

function resolvePool(
  rawPool: unknown,
  index: number,
  globalDefaults: FlavorPolicyFields | undefined,
  connectionNames: string[],
  issues: Issues,
): PoolConfig | undefined {
  const path: PathSegment[] = ['pools', index];
  const before = issues.length;
  const head = parsePiece(PoolHeadSchema, rawPool, path, issues);
  const poolDefaults = parsePiece(
    FlavorPolicyFieldsSchema,
    isRecord(rawPool) ? (rawPool.defaults ?? {}) : {},
    [...path, 'defaults'],
    issues,
  );

  const connection = checkPoolReferences(rawPool, connectionNames, path, issues);

  const rawFlavors = listAt(rawPool, 'flavors');
  checkUnique(
    rawFlavors.map((raw, j) => ({ value: stringAt(raw, 'flavor'), path: [...path, 'flavors', j, 'flavor'] })),
    (flavor) => flavor,
    (flavor) => `flavor ${quote(flavor ?? '')} in this pool`,
    issues,
  );
  const entries = rawFlavors.map((rawFlavor, j) => {
    const flavorPath = [...path, 'flavors', j];
    return { path: flavorPath, value: parsePiece(FlavorEntrySchema, rawFlavor, flavorPath, issues) };
  });

  const flavors: ManagedFlavor[] = [];
  for (const { value: entry, path: flavorPath } of entries) {
    if (!entry || !globalDefaults || !poolDefaults) continue;
    const managed = resolveFlavor([globalDefaults, poolDefaults, entry], entry.flavor, flavorPath, issues);
    if (managed) flavors.push(managed);
  }

  if (issues.length > before || !head || connection === undefined) return undefined;
  return {
    index,
    connection,
    ...(head.name === undefined ? {} : { name: head.name }),
    ...(head.selector === undefined ? {} : { selector: head.selector }),
    paused: head.paused,
    allowPrepaid: head.allowPrepaid,
    flavors,
  };
}

const canonical = (value: unknown): string =>
  JSON.stringify(value, (_key, inner: unknown) =>
    isRecord(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => a.localeCompare(b)))
      : inner,
  );

function checkDuplicatePools(rawPools: unknown[], connectionNames: string[], issues: Issues): void {
  // Judged on the raw entries so that a duplicate is reported even when one of the two has other problems.
  const connectionOf = (pool: Record<string, unknown>) =>
    stringAt(pool, 'connection') ?? (connectionNames.length === 1 ? connectionNames[0] : '');
  const pools = rawPools.map((pool, index) => ({
    value: isRecord(pool) ? pool : {},
    path: ['pools', index],
  }));
  checkUnique(
    pools.map(({ value, path }) => ({ value, path: [...path, 'name'] })),
    (pool) => (typeof pool.name === 'string' ? `${connectionOf(pool)}\n${pool.name}` : undefined),
    (pool) => {
      const connection = connectionOf(pool);
      return `pool name ${quote(String(pool.name))}${connection ? ` on connection ${quote(connection)}` : ''}`;
    },
    issues,
  );
  checkUnique(
    pools.map(({ value, path }) => ({ value, path: [...path, 'selector'] })),
    (pool) => (isRecord(pool.selector) ? `${connectionOf(pool)}\n${canonical(pool.selector)}` : undefined),
    () => 'selector (the same pools would be matched twice)',
    issues,
  );
}

/** The base URL the client would send to, spelled one way; undefined when it cannot be resolved. */
function effectiveEndpoint(connection: ConnectionConfig): string | undefined {
  try {
    return resolveEndpoint({ endpoint: connection.endpoint, region: connection.region });
  } catch {
    return undefined;
  }
}

// Two connections to one project on one endpoint list the same pools, and each would be scaled by both:
// two leases, two histories, two PATCHes per cycle.
function checkDuplicateConnections(connections: (ConnectionConfig | undefined)[], issues: Issues): void {
  const seen = new Map<string, { name: string; index: number }>();
  connections.forEach((connection, index) => {
    if (!connection) return;
    const endpoint = effectiveEndpoint(connection);
    if (endpoint === undefined) return;
    const key = `${connection.projectId}\n${endpoint}`;
    const first = seen.get(key);
    if (!first) {
      seen.set(key, { name: connection.name, index });
      return;
    }
    issue(
      issues,
      ['connections', index],
      `connection ${quote(connection.name)} reaches the same project on the same endpoint as connection ` +
        `${quote(first.name)} (${formatPath(['connections', first.index])}), so their pools would be managed ` +
        'twice: keep one connection and point its pools at it',
    );
  });
}

// Problems are listed in file order (entries by index), whichever check found them.
const sortKey = (path: string) =>
  path.replace(/\[(\d+)\]/g, (_, index: string) => `[${index.padStart(8, '0')}]`);
const byPath = (a: ConfigIssue, b: ConfigIssue) => {
  const [x, y] = [sortKey(a.path), sortKey(b.path)];
  return x < y ? -1 : x > y ? 1 : 0;
};

export type ResolveResult = { ok: true; config: Config } | { ok: false; issues: ConfigIssue[] };

/** Validates a parsed config document and merges every flavor policy; lists every problem found. */
export function resolveConfig(document: unknown): ResolveResult {
  const issues: Issues = [];
  const head = parsePiece(ConfigHeadSchema, document, [], issues);
  const globalDefaults = parsePiece(
    FlavorPolicyFieldsSchema,
    isRecord(document) ? (document.defaults ?? {}) : {},
    ['defaults'],
    issues,
  );

  const rawConnections = listAt(document, 'connections');
  const connections = rawConnections.map((raw, index) =>
    parsePiece(ConnectionSchema, raw, ['connections', index], issues),
  );
  // Names as written, so that a connection with an unrelated problem does not make its pools fail too.
  const writtenNames = rawConnections.map((raw) => stringAt(raw, 'name'));
  const connectionNames = [...new Set(writtenNames.filter((name) => name !== undefined))];
  checkUnique(
    writtenNames.map((name, index) => ({ value: name, path: ['connections', index, 'name'] })),
    (name) => name,
    (name) => `connection name ${quote(name ?? '')}`,
    issues,
  );

  checkDuplicateConnections(connections, issues);

  const rawPools = listAt(document, 'pools');
  checkDuplicatePools(rawPools, connectionNames, issues);
  const pools = rawPools.map((raw, index) =>
    resolvePool(raw, index, globalDefaults, connectionNames, issues),
  );

  if (issues.length > 0 || !head) return { ok: false, issues: issues.sort(byPath) };
  return {
    ok: true,
    config: {
      dryRun: head.dryRun,
      killSwitch: head.killSwitch,
      intervalSeconds: head.intervalSeconds,
      concurrency: head.concurrency,
      fanOutAbovePools: head.fanOutAbovePools,
      state: head.state,
      metrics: head.metrics,
      ...(head.notifications ? { notifications: head.notifications } : {}),
      connections: connections as ConnectionConfig[],
      pools: withDrainSeconds(pools as PoolConfig[], head.intervalSeconds),
    },
  };
}

/** A drain stands one cycle unless the file says otherwise: the default is the interval, known only here. */
function withDrainSeconds(pools: PoolConfig[], intervalSeconds: number): PoolConfig[] {
  for (const pool of pools) {
    for (const { policy } of pool.flavors) policy.scaleDown.drainSeconds ??= intervalSeconds;
  }
  return pools;
}

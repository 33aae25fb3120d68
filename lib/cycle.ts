// One scaling cycle: read pools, read backlog, plan, guard, then PATCH or stop at a dry-run, and report.
// Everything with I/O arrives in CycleDeps; the decisions themselves are lib/scaling's pure plan().

// Imported from the modules, not the config index: that one also loads the YAML parser, which Lambda bundles
// (config inlined at build time) do not need.
import { forEachBounded } from './bounded';
import { matchPools, resolveBacklogSettings, resolvePoolPolicy } from './config/pools';
import type { Config, ConnectionConfig, PoolConfig } from './config/types';
import type { Backlog } from './metrics/backlog';
import type { PushedBacklog } from './metrics/pushed';
import { overlayPushed } from './metrics/pushed';
import { type BacklogRequest, readBacklogs } from './metrics/read';
import type { BacklogSourceDeps } from './metrics/registry';
import type { ModelArtsClient } from './modelarts/client';
import { ModelArtsApiError } from './modelarts/errors';
import type { Pool } from './modelarts/schemas';
import { type Plan, type PoolInput, type PoolPlan, plan } from './scaling/plan';
import type { PoolHistory, StateStore } from './state/store';

export interface DecisionRecord {
  at: number;
  key: string;
  pool: string;
  flavor?: string;
  current?: number;
  target?: number;
  desired?: number;
  backlog?: number;
  backlogSource?: string;
  action: string;
  reasons: string[];
  outcome: PoolOutcome['status'];
  dryRun: boolean;
  error?: string;
}

export interface CycleDeps {
  /** Built once per cold start by the caller, one per connection name. */
  clients: (connectionName: string) => ModelArtsClient;
  store: StateStore;
  sources?: BacklogSourceDeps;
  now: () => number;
  /** Lease owner id: unique per invocation. */
  owner: string;
  /** One structured record per pool and flavor. */
  log?: (record: DecisionRecord) => void;
}

/** A minimum count for a flavor pushed with the invocation (webhook): raises, never lowers. */
export interface Floor {
  pool: string;
  flavor: string;
  minCount: number;
}

export interface CycleOptions {
  /** Plan only: no PATCH, no state written. config.dryRun forces it too. */
  dryRun?: boolean;
  /** Only these pool names (worker, webhook, a manual plan of a few pools): read with one GET each. */
  pools?: string[];
  /** Backlog carried by the invocation; overlays the read values. */
  pushed?: PushedBacklog[];
  /** Names the carrier of pushed values in decision records. */
  origin?: string;
  /** `raise`: pushed values may raise a flavor's backlog but never lower it (webhooks). */
  pushMode?: 'replace' | 'raise';
  floors?: Floor[];
  /**
   * Only raise targets (a webhook may raise a target, never lower it): scale-in is paused for this
   * invocation, whatever the regular cycle would do.
   */
  raiseOnly?: boolean;
  /** A global stop from outside the config (an SSM parameter). */
  killSwitch?: boolean;
  /** Cancels backlog reads still running (the invocation's deadline). */
  signal?: AbortSignal;
}

export type PoolStatus = 'patched' | 'dry-run' | 'unchanged' | 'skipped' | 'lease-busy' | 'failed';

export interface PoolOutcome {
  key: string;
  pool: string;
  connection: string;
  status: PoolStatus;
  error?: string;
  /** For a failure from the ModelArts API: the HTTP status and error_code, so callers can react by kind. */
  httpStatus?: number;
  errorCode?: string;
  patch?: PoolPlan['patch'];
}

export interface CycleResult {
  at: number;
  dryRun: boolean;
  plan: Plan;
  outcomes: PoolOutcome[];
}

/** errorCode of a failed outcome for a pool the invocation named but the config does not manage. */
export const NOT_MANAGED = 'not-managed';

/** How long a pool's lease lives: longer than one PATCH with its retries, short enough to recover from a crash. */
export const LEASE_TTL_MS = 60_000;

interface Snapshot {
  connection: ConnectionConfig;
  poolConfig: PoolConfig;
  pool: Pool;
  readAt: number;
}

interface Prepared {
  snapshot: Snapshot;
  input: PoolInput;
}

// Errors from lib/ carry secret-free messages by construction; anything else is reduced to its message.
const describeFailure = (error: unknown): string => (error instanceof Error ? error.message : String(error));

const poolKey = (connection: ConnectionConfig, name: string) => `${connection.projectId}/${name}`;

/** The connections the config's pool entries use, in config order. */
function usedConnections(config: Config): ConnectionConfig[] {
  const names = new Set(config.pools.map((entry) => entry.connection));
  return config.connections.filter((connection) => names.has(connection.name));
}

/** Connections a named pool may live on: those naming it, else those selecting pools by label. */
function connectionsFor(config: Config, name: string): ConnectionConfig[] {
  const has = (test: (entry: PoolConfig) => boolean) =>
    usedConnections(config).filter((c) =>
      config.pools.some((entry) => entry.connection === c.name && test(entry)),
    );
  const naming = has((entry) => entry.name === name);
  return naming.length > 0 ? naming : has((entry) => entry.selector !== undefined);
}

/** ONE list call per connection. A pool the API answers badly for fails alone. */
async function listPools(deps: CycleDeps, connection: ConnectionConfig, failures: PoolOutcome[]) {
  try {
    const listed = await deps.clients(connection.name).listPools();
    for (const error of listed.errors) failures.push(failed(connection, error.pool ?? '(unnamed)', error));
    return listed.pools;
  } catch (error) {
    failures.push(failed(connection, '*', error));
    return undefined;
  }
}

/** A GET per pool the invocation names, on the connections it may live on. */
async function getNamedPools(
  config: Config,
  deps: CycleDeps,
  names: string[],
  failures: PoolOutcome[],
): Promise<Map<ConnectionConfig, Pool[]>> {
  const found = new Map<ConnectionConfig, Pool[]>();
  const lookups = names.flatMap((name) =>
    connectionsFor(config, name).map((connection) => ({ name, connection })),
  );
  for (const name of names)
    if (!lookups.some((lookup) => lookup.name === name))
      failures.push({
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
      const pool = await deps.clients(connection.name).getPool(name);
      found.set(connection, [...(found.get(connection) ?? []), pool]);
    } catch (error) {
      misses.set(name, [...(misses.get(name) ?? []), failed(connection, name, error)]);
    }
  });
  // A 404 on one of several candidate connections is expected; report a pool only if no connection had it.
  const seen = new Set([...found.values()].flat().map((pool) => pool.metadata.name));
  for (const [name, outcomes] of misses) if (!seen.has(name)) failures.push(...outcomes);
  return found;
}

/**
 * The managed pools as they are now: ONE list call per connection, or a GET per pool when the
 * invocation names its pools. A pool the config names but the list lacks (another workspace, deleted,
 * a typo) is reported, not silently dropped: the user believes it is managed.
 */
async function readPools(
  config: Config,
  deps: CycleDeps,
  names: string[] | undefined,
  failures: PoolOutcome[],
): Promise<Snapshot[]> {
  const readAt = deps.now();
  const byConnection = new Map<ConnectionConfig, Pool[]>();
  if (names)
    for (const [connection, pools] of await getNamedPools(config, deps, names, failures))
      byConnection.set(connection, pools);
  else
    for (const connection of usedConnections(config)) {
      const pools = await listPools(deps, connection, failures);
      if (!pools) continue;
      byConnection.set(connection, pools);
      failures.push(...missingNamedPools(config, connection, pools));
    }
  const snapshots: Snapshot[] = [];
  for (const [connection, pools] of byConnection)
    for (const match of matchPools(config, connection.name, pools)) {
      if (match.ok) snapshots.push({ connection, poolConfig: match.poolConfig, pool: match.pool, readAt });
      else failures.push(failed(connection, match.pool.metadata.name, new Error(match.message)));
    }
  return snapshots;
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

function failed(connection: ConnectionConfig, pool: string, error: unknown): PoolOutcome {
  return { key: poolKey(connection, pool), pool, connection: connection.name, ...failure(error) };
}

function failure(error: unknown): Pick<PoolOutcome, 'status' | 'error' | 'httpStatus' | 'errorCode'> {
  const api = error instanceof ModelArtsApiError ? error : undefined;
  return {
    status: 'failed',
    error: describeFailure(error),
    ...(api ? { httpStatus: api.status } : {}),
    ...(api?.errorCode ? { errorCode: api.errorCode } : {}),
  };
}

function backlogRequests(config: Config, snapshot: Snapshot): BacklogRequest[] {
  const settings = resolveBacklogSettings(config, snapshot.poolConfig, snapshot.pool);
  return Object.entries(settings).map(([flavor, backlog]) => ({
    connection: snapshot.connection.name,
    pool: snapshot.pool.metadata.name,
    flavor,
    source: backlog.source,
    unit: backlog.unit,
    staleAfterSeconds: backlog.staleAfterSeconds,
  }));
}

async function readAllBacklogs(
  config: Config,
  deps: CycleDeps,
  snapshots: Snapshot[],
  options: CycleOptions,
  now: number,
): Promise<Map<string, Record<string, Backlog>>> {
  const requests = snapshots.flatMap((snapshot) => backlogRequests(config, snapshot));
  const read = await readBacklogs(requests, {
    now: deps.now,
    concurrency: config.concurrency,
    ...(deps.sources ? { deps: deps.sources } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const pushed = options.pushed ?? [];
  const backlogs = pushed.length
    ? overlayPushed(read, pushed, {
        origin: options.origin ?? 'invocation',
        now,
        mode: options.pushMode ?? 'replace',
      })
    : read;
  const byPool = new Map<string, Record<string, Backlog>>();
  for (const [request, backlog] of backlogs) {
    const forPool = byPool.get(request.pool) ?? {};
    forPool[request.flavor] = backlog;
    byPool.set(request.pool, forPool);
  }
  // A push for a flavor the config does not manage still reaches the planner, which records why it is refused
  // (never add flavors) instead of silently dropping it.
  for (const entry of pushed) {
    const forPool = byPool.get(entry.pool) ?? {};
    if (!(entry.flavor in forPool)) {
      forPool[entry.flavor] = {
        ok: true,
        value: entry.value,
        observedAt: entry.observedAt ?? now,
        source: `pushed:${options.origin ?? 'invocation'}`,
      };
      byPool.set(entry.pool, forPool);
    }
  }
  return byPool;
}

function floorsFor(options: CycleOptions, pool: string): Record<string, number> | undefined {
  const floors = (options.floors ?? []).filter((floor) => floor.pool === pool);
  if (floors.length === 0) return undefined;
  const result: Record<string, number> = {};
  for (const floor of floors) result[floor.flavor] = Math.max(result[floor.flavor] ?? 0, floor.minCount);
  return result;
}

async function prepare(
  config: Config,
  deps: CycleDeps,
  snapshots: Snapshot[],
  backlogs: Map<string, Record<string, Backlog>>,
  options: CycleOptions,
): Promise<Prepared[]> {
  const prepared: Prepared[] = [];
  await forEachBounded(snapshots, config.concurrency, async (snapshot) => {
    const key = poolKey(snapshot.connection, snapshot.pool.metadata.name);
    const history = await deps.store.load(key);
    prepared.push({ snapshot, input: toInput(config, snapshot, key, backlogs, history, options) });
  });
  // Bounded concurrency finishes in any order; plans and reports keep the order pools were read in.
  const order = new Map(snapshots.map((snapshot, index) => [snapshot, index]));
  return prepared.sort((a, b) => (order.get(a.snapshot) ?? 0) - (order.get(b.snapshot) ?? 0));
}

function toInput(
  config: Config,
  snapshot: Snapshot,
  key: string,
  backlogs: Map<string, Record<string, Backlog>>,
  history: PoolHistory,
  options: CycleOptions,
): PoolInput {
  const name = snapshot.pool.metadata.name;
  const floors = floorsFor(options, name);
  const policy = resolvePoolPolicy(config, snapshot.poolConfig, snapshot.pool);
  if (options.raiseOnly)
    policy.paused = policy.paused === false || policy.paused === 'scale-in' ? 'scale-in' : 'all';
  return {
    key,
    pool: snapshot.pool,
    policy,
    backlogs: backlogs.get(name) ?? {},
    history,
    ...(floors ? { floors } : {}),
  };
}

/**
 * PATCH one pool under its lease. Another invocation may have scaled the pool after our read: then our
 * snapshot is stale, so we read the pool again and re-plan it before sending anything (no overshoot, and
 * at most one PATCH per distinct target).
 */
async function applyPool(
  deps: CycleDeps,
  prepared: Prepared,
  poolPlan: PoolPlan,
  killSwitch: boolean,
): Promise<{ outcome: PoolOutcome; plan: PoolPlan }> {
  const { snapshot, input } = prepared;
  const base = { key: poolPlan.key, pool: poolPlan.pool, connection: snapshot.connection.name };
  if (!(await deps.store.acquireLease(poolPlan.key, deps.owner, LEASE_TTL_MS, deps.now())))
    return { outcome: { ...base, status: 'lease-busy' }, plan: poolPlan };
  let current = poolPlan;
  let stored: PoolHistory | undefined;
  try {
    stored = await deps.store.load(poolPlan.key);
    if ((stored.lastPatchAt ?? Number.NEGATIVE_INFINITY) >= snapshot.readAt) {
      const fresh = await deps.clients(snapshot.connection.name).getPool(poolPlan.pool);
      current = plan({ now: deps.now(), killSwitch, pools: [{ ...input, pool: fresh, history: stored }] })
        .pools[0] as PoolPlan;
    }
    if (!current.patch) {
      await deps.store.save(current.key, current.history);
      return { outcome: { ...base, status: 'unchanged' }, plan: current };
    }
    await deps.clients(snapshot.connection.name).patchPool(current.pool, current.patch);
    await deps.store.save(current.key, { ...current.history, lastPatchAt: deps.now() });
    return { outcome: { ...base, status: 'patched', patch: current.patch }, plan: current };
  } catch (error) {
    // A PATCH that timed out may still have been applied: record the attempt, so that any invocation
    // holding an older snapshot re-reads the pool instead of sending its own body.
    if (current.patch && stored)
      await deps.store.save(current.key, { ...stored, lastPatchAt: deps.now() }).catch(() => undefined);
    const patch = current.patch ? { patch: current.patch } : {};
    return { outcome: { ...base, ...failure(error), ...patch }, plan: current };
  } finally {
    await deps.store.releaseLease(poolPlan.key, deps.owner).catch(() => undefined);
  }
}

async function settle(
  deps: CycleDeps,
  prepared: Prepared,
  poolPlan: PoolPlan,
  dryRun: boolean,
  killSwitch: boolean,
): Promise<{ outcome: PoolOutcome; plan: PoolPlan }> {
  const base = { key: poolPlan.key, pool: poolPlan.pool, connection: prepared.snapshot.connection.name };
  if (dryRun)
    return {
      outcome: {
        ...base,
        status: poolPlan.patch ? 'dry-run' : 'unchanged',
        ...(poolPlan.patch ? { patch: poolPlan.patch } : {}),
      },
      plan: poolPlan,
    };
  try {
    if (poolPlan.patch) return await applyPool(deps, prepared, poolPlan, killSwitch);
    // Recommendations must accumulate even when nothing changes, or stabilization windows never fill.
    await deps.store.save(poolPlan.key, poolPlan.history);
    return {
      outcome: { ...base, status: poolPlan.action === 'skip' ? 'skipped' : 'unchanged' },
      plan: poolPlan,
    };
  } catch (error) {
    return { outcome: { ...base, ...failure(error) }, plan: poolPlan };
  }
}

function report(deps: CycleDeps, at: number, dryRun: boolean, poolPlan: PoolPlan, outcome: PoolOutcome) {
  if (!deps.log) return;
  const common = { at, key: poolPlan.key, pool: poolPlan.pool, outcome: outcome.status, dryRun };
  const poolReasons = poolPlan.reasons.map((r) => r.code);
  const error = outcome.error ? { error: outcome.error } : {};
  if (poolPlan.flavors.length === 0)
    deps.log({ ...common, action: poolPlan.action, reasons: poolReasons, ...error });
  for (const flavor of poolPlan.flavors) {
    deps.log({
      ...common,
      flavor: flavor.flavor,
      current: flavor.current,
      target: flavor.target,
      ...(flavor.desired === undefined ? {} : { desired: flavor.desired }),
      ...(flavor.backlog === undefined ? {} : { backlog: flavor.backlog }),
      ...(flavor.backlogSource === undefined ? {} : { backlogSource: flavor.backlogSource }),
      action: flavor.action,
      reasons: [...poolReasons, ...flavor.reasons.map((r) => r.code)],
      ...error,
    });
  }
}

function reportFailure(deps: CycleDeps, at: number, dryRun: boolean, outcome: PoolOutcome) {
  deps.log?.({
    at,
    key: outcome.key,
    pool: outcome.pool,
    action: 'skip',
    reasons: ['read-failed'],
    outcome: 'failed',
    dryRun,
    ...(outcome.error ? { error: outcome.error } : {}),
  });
}

export async function runCycle(
  config: Config,
  deps: CycleDeps,
  options: CycleOptions = {},
): Promise<CycleResult> {
  const at = deps.now();
  const dryRun = Boolean(options.dryRun || config.dryRun);
  const killSwitch = Boolean(options.killSwitch || config.killSwitch.enabled);
  const failures: PoolOutcome[] = [];

  const snapshots = await readPools(config, deps, options.pools, failures);
  const backlogs = await readAllBacklogs(config, deps, snapshots, options, at);
  const prepared = await prepare(config, deps, snapshots, backlogs, options);
  const planned = plan({ now: at, killSwitch, pools: prepared.map((p) => p.input) });

  const settled: { outcome: PoolOutcome; plan: PoolPlan }[] = new Array(prepared.length);
  await forEachBounded(
    prepared.map((_, index) => index),
    config.concurrency,
    async (index) => {
      settled[index] = await settle(
        deps,
        prepared[index] as Prepared,
        planned.pools[index] as PoolPlan,
        dryRun,
        killSwitch,
      );
    },
  );

  for (const { outcome, plan: poolPlan } of settled) report(deps, at, dryRun, poolPlan, outcome);
  for (const outcome of failures) reportFailure(deps, at, dryRun, outcome);
  return {
    at,
    dryRun,
    plan: { ...planned, pools: settled.map((s) => s.plan) },
    outcomes: [...settled.map((s) => s.outcome), ...failures],
  };
}

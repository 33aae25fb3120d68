import {
  type Config,
  type PoolConfig,
  parseConfig,
  resolveBacklogSettings,
  resolvePoolPolicy,
} from '../config';
import type { Pool } from '../modelarts/schemas';
import { withStockAware } from './capacity';
import { SimulatorError } from './errors';
import { type FloorOverrides, withFloors } from './floors';
import type { BacklogUnit } from './observe';
import { type ScaleDownOverride, scaleDownOf, withScaleDown } from './scale-down';
import type { SimulationSetup } from './simulate';
import type { SoldOutWindow } from './sold-out';
import type { SimJob } from './trace';
import type { PlatformModel } from './world';

// From a config (or the built-in defaults), a trace and the simulation settings to a SimulationSetup: the one
// pool to simulate, holding every flavor the trace uses, with the policy the config gives it.

export interface SetupOptions {
  /** The trace or scenario name. */
  name: string;
  jobs: readonly SimJob[];
  /** Default: defaultSimulationConfig(max). */
  config?: Config;
  /** The config entry to simulate, by pool name; default the first entry. */
  pool?: string;
  /** Used only without a config. Default 32. */
  max?: number;
  /** AZs of every flavor; default the AZs the flavor's jobs name (none: no AZ split). */
  azs?: readonly string[];
  provisioningDelaySeconds: number;
  deletionDelaySeconds: number;
  /** Default the config's intervalSeconds. */
  intervalSeconds?: number;
  /** Default one hour after the last job would end if it started on arrival. */
  durationSeconds?: number;
  /** Epoch ms of time 0. */
  startAt?: number;
  /** How the platform carries out a lower count; default graceful. */
  platform?: PlatformModel;
  /** Set on every flavor of the policy, over the config's scaleDown method, idleSeconds, drainSeconds, drainAhead. */
  scaleDown?: ScaleDownOverride;
  /** When flavors are sold out in an AZ (a scenario's, or a trace's `soldOut`); default never. */
  soldOut?: readonly SoldOutWindow[];
  /** Set on every flavor of the policy: whether growth reads the stock and backs off (capacity.stockAware). */
  stockAware?: boolean;
  /** The stock read fails every cycle: growth learns of a sold-out AZ from refusals alone. */
  stockReadFails?: boolean;
  /** Set on every flavor of the policy, over the config's: warm headroom and the forecast. */
  floors?: FloorOverrides;
}

export class SimulationSetupError extends SimulatorError {
  override readonly name = 'SimulationSetupError';
}

export const DEFAULT_MAX = 32;
/** 2026-01-01T00:00:00Z: any fixed time will do; a fixed one keeps runs identical. */
export const DEFAULT_START_AT = Date.UTC(2026, 0, 1);
const SIMULATED_POOL = 'simulated-pool-00000000000000000000000000000000';
const WORKSPACE_LABEL = 'os.modelarts/workspace.id';
const DRAIN_SECONDS = 3600;

/**
 * The built-in policy the simulator uses without a config: the built-in flavor defaults, min 1, and a backlog
 * counted in nodes, one per node (a job asking for 4 nodes needs 4 nodes, whatever the job count).
 */
export function defaultSimulationConfig(max = DEFAULT_MAX): Config {
  const text = `
connections:
  - { name: simulated, region: simulated, projectId: simulated, auth: { type: none } }
pools:
  - name: ${SIMULATED_POOL}
    flavors:
      - flavor: "*"
        min: 1
        max: ${max}
        backlog: { source: { type: static, value: 0 }, unit: nodes, targetPerNode: 1 }
`;
  return parseConfig({ text, env: {}, source: 'the built-in simulation policy' });
}

export function simulationSetup(options: SetupOptions): { setup: SimulationSetup; notes: string[] } {
  const config = options.config ?? defaultSimulationConfig(options.max);
  const notes: string[] = [];
  const entry = pickEntry(config, options.pool);
  const pool = simulatedPool(entry, options.jobs, options.azs);
  const policy = withFloors(
    withStockAware(
      withScaleDown(resolvePoolPolicy(config, entry, pool), options.scaleDown),
      options.stockAware,
    ),
    options.floors,
  );
  const settings = resolveBacklogSettings(config, entry, pool);
  const units: Record<string, BacklogUnit> = {};
  for (const [flavor, backlog] of Object.entries(settings)) units[flavor] = backlog.unit;
  const heldCount = 1;
  for (const { flavor } of pool.spec.resources) {
    if (!Object.hasOwn(policy.flavors, flavor))
      notes.push(`flavor ${flavor} is not managed by pools[${entry.index}]: held at ${heldCount} node`);
  }
  for (const { flavor } of entry.flavors) {
    if (flavor !== '*' && !pool.spec.resources.some((resource) => resource.flavor === flavor))
      notes.push(`flavor ${flavor} of pools[${entry.index}] has no job in the trace: left out`);
  }
  const connection = config.connections.find((c) => c.name === entry.connection);
  const intervalSeconds = options.intervalSeconds ?? config.intervalSeconds;
  const durationSeconds = options.durationSeconds ?? defaultDuration(options.jobs);
  const scaleDown = scaleDownOf(policy, intervalSeconds);
  checkSettings({
    provisioningDelaySeconds: options.provisioningDelaySeconds,
    deletionDelaySeconds: options.deletionDelaySeconds,
    intervalSeconds,
    durationSeconds,
    idleSeconds: scaleDown.idleSeconds,
    drainSeconds: scaleDown.drainSeconds,
  });
  const late = options.jobs.filter((job) => job.arrival >= durationSeconds).length;
  if (late > 0)
    notes.push(`${late} job(s) arrive after the end of the simulation (${durationSeconds} s): left out`);
  return {
    setup: {
      name: options.name,
      jobs: options.jobs,
      key: `${connection?.projectId ?? 'simulated'}/${pool.metadata.name}`,
      pool,
      policy,
      units,
      heldCount,
      delays: {
        provisioningSeconds: options.provisioningDelaySeconds,
        deletionSeconds: options.deletionDelaySeconds,
      },
      platform: options.platform ?? 'graceful',
      scaleDown,
      intervalSeconds,
      durationSeconds,
      startAt: options.startAt ?? DEFAULT_START_AT,
      ...(options.soldOut === undefined || options.soldOut.length === 0
        ? {}
        : { soldOut: options.soldOut.map((window) => ({ ...window })) }),
      ...(options.stockReadFails === true ? { stockReadFails: true } : {}),
    },
    notes,
  };
}

function checkSettings(settings: Record<string, number>): void {
  const problems: string[] = [];
  for (const [name, value] of Object.entries(settings)) {
    const positive = name === 'intervalSeconds' || name === 'durationSeconds';
    if (!Number.isFinite(value) || value < 0 || (positive && value === 0))
      problems.push(`${name} must be a number of seconds ${positive ? '> 0' : '>= 0'} (got ${value})`);
  }
  if (problems.length > 0) throw new SimulationSetupError(problems.join('; '));
}

function pickEntry(config: Config, name: string | undefined): PoolConfig {
  if (name === undefined) {
    const [first] = config.pools;
    if (first === undefined) throw new SimulationSetupError('the config has no pool entry');
    return first;
  }
  const entry = config.pools.find((poolConfig) => poolConfig.name === name);
  if (entry === undefined) {
    const names = config.pools.flatMap((poolConfig) =>
      poolConfig.name === undefined ? [] : [poolConfig.name],
    );
    throw new SimulationSetupError(
      `the config has no pool entry named "${name}" (named entries: ${names.join(', ') || 'none'})`,
    );
  }
  return entry;
}

/** A Running pool the entry matches (by name, or with the labels its selector asks for). */
function simulatedPool(entry: PoolConfig, jobs: readonly SimJob[], azs: readonly string[] | undefined): Pool {
  const labels: Record<string, string> = { ...entry.selector?.labels };
  if (entry.selector?.workspaceId !== undefined) labels[WORKSPACE_LABEL] = entry.selector.workspaceId;
  const flavors: string[] = [];
  const jobAzs = new Map<string, Set<string>>();
  for (const job of jobs) {
    if (!flavors.includes(job.flavor)) flavors.push(job.flavor);
    if (job.az === undefined) continue;
    const set = jobAzs.get(job.flavor) ?? new Set<string>();
    set.add(job.az);
    jobAzs.set(job.flavor, set);
  }
  const resources = flavors.map((flavor) => {
    const names = azs ?? [...(jobAzs.get(flavor) ?? [])].sort();
    return names.length === 0
      ? { flavor, count: 1 }
      : { flavor, count: 1, azs: names.map((az, i) => ({ az, count: i === 0 ? 1 : 0 })) };
  });
  return {
    kind: 'Pool',
    apiVersion: 'v2',
    metadata: { name: entry.name ?? SIMULATED_POOL, labels },
    spec: { type: 'Dedicate', resources },
    status: { phase: 'Running' },
  };
}

function defaultDuration(jobs: readonly SimJob[]): number {
  let last = 0;
  for (const job of jobs) last = Math.max(last, job.arrival + job.runTime);
  return Math.ceil(last) + DRAIN_SECONDS;
}

import type { FlavorPolicy, Paused } from '../scaling/policy';
import type { NotificationsConfig } from './notifications-schema';
import type { ConnectionConfig, KillSwitchConfig, MetricsConfig, PoolSelector, StateConfig } from './schema';
import type { BacklogSourceConfig } from './sources';

// The loaded configuration: validated, environment overrides applied, every flavor policy merged
// (flavor entry over pool defaults over global defaults over built-in defaults).

/** What the metrics layer needs to read a flavor's backlog. */
export interface BacklogSettings {
  source: BacklogSourceConfig;
  unit: 'jobs' | 'nodes';
  staleAfterSeconds: number;
}

export interface ManagedFlavor {
  /** The exact flavor name, or '*' for every flavor of the pool not listed by name. */
  flavor: string;
  /** The resolved policy; `policy.flavor` equals `flavor` ('*' is replaced when a pool is resolved). */
  policy: FlavorPolicy;
  backlog: BacklogSettings;
}

export interface PoolConfig {
  /** Position in the file's `pools` list, to name the entry in messages (`pools[2]`). */
  index: number;
  connection: string;
  /** Exactly one of name and selector is set. */
  name?: string;
  selector?: PoolSelector;
  paused: Paused;
  allowPrepaid: boolean;
  flavors: ManagedFlavor[];
}

export interface Config {
  dryRun: boolean;
  killSwitch: KillSwitchConfig;
  intervalSeconds: number;
  concurrency: number;
  fanOutAbovePools: number;
  state: StateConfig;
  metrics: MetricsConfig;
  /** Absent: nothing is announced. */
  notifications?: NotificationsConfig;
  connections: ConnectionConfig[];
  pools: PoolConfig[];
}

export type {
  BacklogSourceConfig,
  ConnectionConfig,
  KillSwitchConfig,
  MetricsConfig,
  NotificationsConfig,
  PoolSelector,
  StateConfig,
};

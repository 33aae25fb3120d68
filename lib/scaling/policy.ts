// The resolved scaling policy the pure core works from. lib/config turns the user's file (with
// pool-level defaults and environment overrides) into these; the core never sees raw config.

import type { CapacitySettings } from '../capacity/types';
import type { ForecastSettings } from '../forecast/seasonal';
import type { Schedule } from '../schedules/types';

/** `forecastOnly` records what the forecast would do; `forecastAndScale` raises the floor to it. */
export interface ForecastPolicy extends ForecastSettings {
  mode: 'forecastAndScale' | 'forecastOnly';
  /**
   * Absent: the floor is the nodes the forecast backlog keeps busy. Set: the floor is the nodes the backlog keeps
   * busy now plus ⌈spread·√F⌉ ready ones, F the forecast backlog in nodes (lib/forecast/spread.ts).
   */
  spread?: number;
}

/** Warm headroom: a fixed number of ready nodes, or a share of the busy ones. */
export type Headroom = { nodes: number } | { percent: number };

/** A rate limit on one direction, as a Kubernetes HPA `behavior` policy. */
export interface StepPolicy {
  type: 'Nodes' | 'Percent';
  value: number;
  periodSeconds: number;
}

export interface DirectionRules {
  /** Recommendations are kept this long; scale-up takes the lowest in the window, scale-down the highest. */
  stabilizationWindowSeconds: number;
  policies: StepPolicy[];
  /** Max: the policy allowing the biggest change wins; Min: the smallest; Disabled: no change this way. */
  selectPolicy: 'Max' | 'Min' | 'Disabled';
  /** No change in this direction within this many seconds of the flavor's last change. */
  cooldownSeconds: number;
}

export type AzStrategy =
  | { type: 'balanced' }
  | { type: 'weighted'; weights: Record<string, number> }
  | { type: 'fixed' }
  | { type: 'backlog' };

/** What to do when a flavor's backlog is missing, failed or stale. Never below the current count. */
export type Fallback = { type: 'hold' } | { type: 'fixed'; count: number };

export interface FlavorPolicy {
  flavor: string;
  /** ModelArts cannot scale a flavor to 0, so min >= 1. */
  min: number;
  max: number;
  /** Backlog units one node should carry (KEDA's queueLength). */
  targetPerNode: number;
  /** The flavor leaves `min` only once backlog reaches this (KEDA's activationThreshold). */
  activationThreshold: number;
  /** No change while backlog / (current * targetPerNode) is within [1 - tolerance, 1 + tolerance]. */
  tolerance: number;
  azStrategy: AzStrategy;
  scaleUp: DirectionRules;
  scaleDown: DirectionRules & { enabled: boolean } & ScaleDownNodes;
  fallback: Fallback;
  /** Idle nodes kept ready above the busy ones (warm headroom), counted as need so that it is refilled. */
  headroom?: Headroom;
  /** Scale up ahead of a seasonal backlog (never down on a forecast alone). */
  forecast?: ForecastPolicy;
  /** Known busy (or quiet) hours: their min raises the floor, their max lowers the ceiling while in force. */
  schedules?: Schedule[];
  /** Capacity awareness (issue #15); absent in policies built by older tools and tests: DEFAULT_CAPACITY. */
  capacity?: CapacitySettings;
}

/**
 * How nodes leave (issue #14). The config always sets all three (method `idle-nodes` by default); a policy built
 * without it (older tools and tests) keeps `count`, the platform-picks behaviour it was written for.
 */
export interface ScaleDownNodes {
  /** `idle-nodes`: drain and delete chosen idle nodes by name; `count`: lower the count, the platform picks. */
  method?: 'idle-nodes' | 'count';
  /** A node is removed only once idle this long by its own timer. */
  idleSeconds?: number;
  /** A drain stands this long before the drained node is deleted. */
  drainSeconds?: number;
  /**
   * Drain the idle nodes the scale-down window will release within drainSeconds, so the drain stands while the
   * window runs (lib/scaling/drain-ahead.ts). Default true; false drains only once the window has let them go.
   */
  drainAhead?: boolean;
}

export type Paused = false | 'all' | 'scale-in' | 'scale-out';

export interface PoolPolicy {
  paused: Paused;
  /** Yearly/monthly pools (annotation os.modelarts/billing.mode = 1) are left alone unless this is set. */
  allowPrepaid: boolean;
  /** Flavors the config manages; a pool flavor without a policy is held at its count (but still listed in PATCHes). */
  flavors: Record<string, FlavorPolicy>;
}

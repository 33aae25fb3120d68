import { type CapacitySettings, DEFAULT_CAPACITY } from '../capacity/types';
import { DEFAULT_STALE_AFTER_SECONDS } from '../metrics/backlog';
import type { AzStrategy, DirectionRules, Fallback } from '../scaling/policy';

// Built-in flavor policy defaults: the last layer under global `defaults`, pool `defaults` and the flavor entry.
// They keep the Kubernetes HPA shape (tolerance, windows, Nodes/Percent step policies) with values chosen on the
// simulator (`npx tsx bench/quality.ts`), because a GPU/NPU node is not a pod: it takes minutes to arrive, is
// billed while it does, and a queue says exactly how many the work needs.
//
//   tolerance   HPA's 10% for a backlog in jobs (targetPerNode is a goal, as KEDA's queueLength); none for a
//               backlog in nodes: that count is exactly the nodes the queue asks for, and a 10% band leaves up to
//               a tenth of them queued for nothing.
//   scale-up    32 nodes or 100% per 15 s, where HPA allows 4 or 100%: HPA runs every 15 s and compounds four
//               steps a minute (from 4 pods, 64 a minute later); this scaler runs once a minute, and each node
//               it holds back makes jobs wait one more provisioning.
//   scale-down  a 120 s window (the backlog must be lower on two readings a minute apart, so one odd reading
//               gives nothing back) and no cooldown. HPA waits 300 s, the cluster-autoscaler 10 minutes after a
//               scale-up; on the simulated job traces every longer window or cooldown costs node-hours and does
//               not shorten the p95 wait: a held node is used again too rarely to repay its idle time (see
//               bench/hold-alternative.yaml).

export interface BacklogDefaults {
  unit: 'jobs' | 'nodes';
  targetPerNode: number;
  activationThreshold: number;
  staleAfterSeconds: number;
}

export interface FlavorDefaults {
  min: number;
  /** By backlog unit. */
  tolerance: Readonly<Record<BacklogDefaults['unit'], number>>;
  azStrategy: AzStrategy;
  fallback: Fallback;
  backlog: BacklogDefaults;
  scaleUp: DirectionRules;
  scaleDown: DirectionRules & {
    enabled: boolean;
    method: 'idle-nodes' | 'count';
    idleSeconds: number;
    drainAhead: boolean;
  };
  /** cluster-autoscaler's backoff (5 min doubling to 30, reset after 3 h) and max-node-provision-time (15 min). */
  capacity: Readonly<CapacitySettings>;
}

export const builtInFlavorDefaults: Readonly<FlavorDefaults> = {
  min: 1,
  tolerance: { jobs: 0.1, nodes: 0 },
  azStrategy: { type: 'balanced' },
  fallback: { type: 'hold' },
  backlog: {
    unit: 'jobs',
    targetPerNode: 1,
    activationThreshold: 0,
    staleAfterSeconds: DEFAULT_STALE_AFTER_SECONDS,
  },
  scaleUp: {
    stabilizationWindowSeconds: 0,
    policies: [
      { type: 'Nodes', value: 32, periodSeconds: 15 },
      { type: 'Percent', value: 100, periodSeconds: 15 },
    ],
    selectPolicy: 'Max',
    cooldownSeconds: 0,
  },
  scaleDown: {
    enabled: true,
    method: 'idle-nodes',
    // Chosen on the simulator (bench/idle-seconds.ts): the fewest node-hours that meets every scenario's p95 target.
    // The timer starts only once the flavor is wanted lower (after its scale-down window), and the drain stands
    // drainSeconds more before the delete, so 0 still holds a node for some minutes.
    idleSeconds: 0,
    // The drain runs during the window's last drainSeconds rather than after it (lib/scaling/drain-ahead.ts).
    drainAhead: true,
    stabilizationWindowSeconds: 120,
    policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
    selectPolicy: 'Max',
    cooldownSeconds: 0,
  },
  capacity: DEFAULT_CAPACITY,
};

/** The global settings' defaults, also quoted in the schema descriptions. */
export const builtInGlobalDefaults = {
  dryRun: false,
  intervalSeconds: 60,
  concurrency: 8,
  fanOutAbovePools: 50,
  metricsPerPool: false,
  statePath: '.autoscaler/state.json',
} as const;

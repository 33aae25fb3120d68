import type { AzStrategy, DirectionRules, Fallback } from '../scaling/policy';

// Built-in flavor policy defaults: the last layer under global `defaults`, pool `defaults` and the flavor entry.
// Scale-up follows the Kubernetes HPA defaults, so users read them as they already know them. Scale-down is
// slower than HPA on purpose: a GPU/NPU node takes many minutes to provision (and stock may be gone when it is
// needed again), so releasing it on a five-minute dip is the costly mistake. Ten minutes of low backlog, and ten
// minutes since the flavor's last change, mirror the cluster-autoscaler's scale-down-unneeded-time and
// scale-down-delay-after-add.

export interface BacklogDefaults {
  unit: 'jobs' | 'nodes';
  targetPerNode: number;
  activationThreshold: number;
  staleAfterSeconds: number;
}

export interface FlavorDefaults {
  min: number;
  tolerance: number;
  azStrategy: AzStrategy;
  fallback: Fallback;
  backlog: BacklogDefaults;
  scaleUp: DirectionRules;
  scaleDown: DirectionRules & { enabled: boolean };
}

export const builtInFlavorDefaults: Readonly<FlavorDefaults> = {
  min: 1,
  tolerance: 0.1,
  azStrategy: { type: 'balanced' },
  fallback: { type: 'hold' },
  backlog: { unit: 'jobs', targetPerNode: 1, activationThreshold: 0, staleAfterSeconds: 300 },
  scaleUp: {
    stabilizationWindowSeconds: 0,
    policies: [
      { type: 'Nodes', value: 4, periodSeconds: 15 },
      { type: 'Percent', value: 100, periodSeconds: 15 },
    ],
    selectPolicy: 'Max',
    cooldownSeconds: 0,
  },
  scaleDown: {
    enabled: true,
    stabilizationWindowSeconds: 600,
    policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
    selectPolicy: 'Max',
    cooldownSeconds: 600,
  },
};

/** The global settings' defaults, also quoted in the schema descriptions. */
export const builtInGlobalDefaults = {
  dryRun: false,
  intervalSeconds: 60,
  concurrency: 8,
  fanOutAbovePools: 50,
  statePath: '.autoscaler/state.json',
} as const;

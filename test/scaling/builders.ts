import type { FlavorStockMap } from '../../lib/capacity/types';
import type { Backlog } from '../../lib/metrics/backlog';
import type { AzCount, FlavorCount, Pool } from '../../lib/modelarts/schemas';
import type { PoolInput } from '../../lib/scaling/plan';
import type {
  DirectionRules,
  FlavorPolicy,
  PoolPolicy,
  ScaleDownNodes,
  StepPolicy,
} from '../../lib/scaling/policy';
import type { FlavorHistory, PoolHistory, ScaleEvent } from '../../lib/state/store';

// Example builders for the scaling tests. Defaults are neutral (no windows, no step policies, no cooldown, no
// tolerance) so that a table row only states the behaviour it is about.

export const NOW = 1_700_000_000_000;
export const SECOND = 1000;
export const ago = (seconds: number): number => NOW - seconds * SECOND;

export function rules(overrides: Partial<DirectionRules> = {}): DirectionRules {
  return {
    stabilizationWindowSeconds: 0,
    policies: [],
    selectPolicy: 'Max',
    cooldownSeconds: 0,
    ...overrides,
  };
}

export const nodes = (value: number, periodSeconds: number): StepPolicy => ({
  type: 'Nodes',
  value,
  periodSeconds,
});
export const percent = (value: number, periodSeconds: number): StepPolicy => ({
  type: 'Percent',
  value,
  periodSeconds,
});

export interface FlavorPolicyOverrides extends Partial<Omit<FlavorPolicy, 'scaleUp' | 'scaleDown'>> {
  scaleUp?: Partial<DirectionRules>;
  scaleDown?: Partial<DirectionRules & { enabled: boolean } & ScaleDownNodes>;
}

export function flavorPolicy(flavor: string, overrides: FlavorPolicyOverrides = {}): FlavorPolicy {
  const { scaleUp, scaleDown, ...rest } = overrides;
  const { enabled = true, ...down } = scaleDown ?? {};
  return {
    flavor,
    min: 1,
    max: 1000,
    targetPerNode: 1,
    activationThreshold: 0,
    tolerance: 0,
    azStrategy: { type: 'balanced' },
    fallback: { type: 'hold' },
    ...rest,
    scaleUp: rules(scaleUp),
    scaleDown: { ...rules(down), enabled },
  };
}

/** HPA's defaults (pkg/apis/autoscaling/v2/defaults.go) as a flavor policy. */
export function hpaDefaultPolicy(flavor: string, overrides: FlavorPolicyOverrides = {}): FlavorPolicy {
  return flavorPolicy(flavor, {
    tolerance: 0.1,
    ...overrides,
    scaleUp: { policies: [nodes(4, 15), percent(100, 15)], ...overrides.scaleUp },
    scaleDown: { stabilizationWindowSeconds: 300, policies: [percent(100, 15)], ...overrides.scaleDown },
  });
}

export const ok = (value: number, source = 'static'): Backlog => ({
  ok: true,
  value,
  observedAt: NOW,
  source,
});
export const failed = (reason: 'failed' | 'stale' | 'missing' = 'failed', source = 'sqs:jobs'): Backlog => ({
  ok: false,
  reason,
  source,
  message: `the source is ${reason}`,
});

/** Per-AZ counts from a record, in its key order: azs({ a: 2, b: 1 }). */
export const azs = (spec: Record<string, number>): AzCount[] =>
  Object.entries(spec).map(([az, count]) => ({ az, count }));

export interface ResourceSpec {
  flavor: string;
  count: number;
  azs?: AzCount[];
}

export interface PoolSpec {
  name?: string;
  resources: ResourceSpec[];
  phase?: string | undefined;
  controlMode?: number;
  annotations?: Record<string, string>;
  creating?: FlavorCount[];
  deleting?: FlavorCount[];
  available?: FlavorCount[];
  abnormal?: FlavorCount[];
}

export function pool(spec: PoolSpec): Pool {
  const status: NonNullable<Pool['status']> = {};
  if (spec.phase !== undefined) status.phase = spec.phase;
  if (spec.creating || spec.deleting || spec.available || spec.abnormal) {
    status.resources = { creating: spec.creating, deleting: spec.deleting, available: spec.available };
    if (spec.abnormal) status.resources.abnormal = spec.abnormal;
  }
  return {
    metadata: { name: spec.name ?? 'pool-a', ...(spec.annotations ? { annotations: spec.annotations } : {}) },
    spec: {
      resources: spec.resources.map((r) => ({ ...r })),
      ...(spec.controlMode === undefined ? {} : { controlMode: spec.controlMode }),
    },
    status,
  } as Pool;
}

export const running = (resources: ResourceSpec[], extra: Omit<PoolSpec, 'resources'> = {}): Pool =>
  pool({ phase: 'Running', ...extra, resources });

export function poolPolicy(
  flavors: FlavorPolicy[],
  overrides: Partial<Omit<PoolPolicy, 'flavors'>> = {},
): PoolPolicy {
  return {
    paused: false,
    allowPrepaid: false,
    ...overrides,
    flavors: Object.fromEntries(flavors.map((f) => [f.flavor, f])),
  };
}

export function poolInput(
  p: Pool,
  policy: PoolPolicy,
  backlogs: Record<string, Backlog>,
  extra: {
    history?: PoolHistory;
    minCounts?: Record<string, number>;
    key?: string;
    stock?: FlavorStockMap;
  } = {},
): PoolInput {
  return {
    key: extra.key ?? `project/${p.metadata.name}`,
    pool: p,
    policy,
    backlogs,
    history: extra.history ?? { flavors: {} },
    ...(extra.minCounts ? { minCounts: extra.minCounts } : {}),
    ...(extra.stock ? { stock: extra.stock } : {}),
  };
}

export const recs = (...entries: [secondsAgo: number, count: number][]): FlavorHistory['recommendations'] =>
  entries.map(([s, count]) => ({ at: ago(s), count }));

/** A change of `delta` nodes (negative: removed) `secondsAgo` seconds ago. */
export const change = (secondsAgo: number, delta: number, from = 100): ScaleEvent => ({
  at: ago(secondsAgo),
  from,
  to: from + delta,
});

export function history(
  recommendations: FlavorHistory['recommendations'] = [],
  events: ScaleEvent[] = [],
): FlavorHistory {
  return { recommendations, events };
}

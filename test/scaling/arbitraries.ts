import fc from 'fast-check';
import type { Backlog } from '../../lib/metrics/backlog';
import type { AzCount, FlavorCount, Pool } from '../../lib/modelarts/schemas';
import type { PlanInput, PoolInput } from '../../lib/scaling/plan';
import type {
  AzStrategy,
  DirectionRules,
  FlavorPolicy,
  PoolPolicy,
  StepPolicy,
} from '../../lib/scaling/policy';
import type { FlavorHistory, PoolHistory, ScaleEvent } from '../../lib/state/store';

// Reusable fast-check arbitraries for the scaling core: pools as ModelArts returns them (1-4 flavors, 0-3 AZs
// each, any controlMode, phase, billing annotation and nodes in flight), policies, backlogs (failures included),
// histories and minCounts. Mostly realistic, with a share of odd inputs (guards, mismatched AZs, zero counts).

export const PLAN_NOW = 1_700_000_000_000;

export const FLAVOR_NAMES = [
  'modelarts.bm.gpu.8v100',
  'modelarts.vm.cpu.8u',
  'modelarts.bm.npu.8a',
  'modelarts.vm.gpu.t4',
  'modelarts.bm.gpu.a100',
] as const;
export const AZ_NAMES = ['cn-north-4a', 'cn-north-4b', 'cn-north-4c', 'cn-north-4d'] as const;

export const arbAzName = fc.constantFrom(...AZ_NAMES);

/** AZ names in a random order (the planner must not depend on the order for its tie-breaks). */
export const arbAzNames = (maxLength = 3): fc.Arbitrary<string[]> =>
  fc.shuffledSubarray([...AZ_NAMES], { minLength: 0, maxLength });

/** Per-AZ counts that add up to `total`. */
export function arbAzSplit(names: readonly string[], total: number): fc.Arbitrary<AzCount[]> {
  if (names.length === 0) return fc.constant([]);
  return fc.array(fc.nat(total), { minLength: names.length - 1, maxLength: names.length - 1 }).map((cuts) => {
    const points = [0, ...[...cuts].sort((a, b) => a - b), total];
    return names.map((az, i) => ({ az, count: (points[i + 1] as number) - (points[i] as number) }));
  });
}

export const arbStepPolicy: fc.Arbitrary<StepPolicy> = fc.record({
  type: fc.constantFrom('Nodes' as const, 'Percent' as const),
  value: fc.integer({ min: 1, max: 200 }),
  periodSeconds: fc.integer({ min: 1, max: 600 }),
});

export const arbDirectionRules: fc.Arbitrary<DirectionRules> = fc.record({
  stabilizationWindowSeconds: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 900 })),
  policies: fc.array(arbStepPolicy, { maxLength: 3 }),
  selectPolicy: fc.oneof(
    { weight: 5, arbitrary: fc.constant('Max' as const) },
    { weight: 2, arbitrary: fc.constant('Min' as const) },
    { weight: 1, arbitrary: fc.constant('Disabled' as const) },
  ),
  cooldownSeconds: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 900 })),
});

export const arbAzStrategy: fc.Arbitrary<AzStrategy> = fc.oneof(
  fc.constant({ type: 'balanced' as const }),
  fc.constant({ type: 'fixed' as const }),
  fc.constant({ type: 'backlog' as const }),
  fc
    .dictionary(arbAzName, fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 5 })), { maxKeys: 4 })
    .map((weights) => ({ type: 'weighted' as const, weights })),
);

export function arbFlavorPolicy(flavor: string): fc.Arbitrary<FlavorPolicy> {
  return fc
    .record({
      min: fc.integer({ min: 1, max: 5 }),
      span: fc.integer({ min: 0, max: 40 }),
      targetPerNode: fc.oneof(fc.integer({ min: 1, max: 20 }), fc.constantFrom(0.1, 0.5, 2.5)),
      activationThreshold: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 30 })),
      tolerance: fc.constantFrom(0, 0.05, 0.1, 0.25),
      azStrategy: arbAzStrategy,
      scaleUp: arbDirectionRules,
      scaleDown: fc.record({ rules: arbDirectionRules, enabled: fc.nat(5).map((n) => n !== 0) }),
      fallback: fc.oneof(
        fc.constant({ type: 'hold' as const }),
        fc.integer({ min: 1, max: 30 }).map((count) => ({ type: 'fixed' as const, count })),
      ),
    })
    .map(({ min, span, scaleDown, ...rest }) => ({
      flavor,
      min,
      max: min + span,
      ...rest,
      scaleDown: { ...scaleDown.rules, enabled: scaleDown.enabled },
    }));
}

export const arbBacklog: fc.Arbitrary<Backlog> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .oneof(fc.nat(300), fc.double({ min: 0, max: 300, noNaN: true }))
      .map((value) => okBacklog(value)),
  },
  {
    // Split by AZ, as a per-AZ source reports it (read by the 'backlog' AZ strategy).
    weight: 2,
    arbitrary: fc
      .record({ value: fc.nat(300), perAz: fc.dictionary(arbAzName, fc.nat(100), { maxKeys: 3 }) })
      .map(
        ({ value, perAz }): Backlog => ({ ok: true, value, perAz, observedAt: PLAN_NOW, source: 'static' }),
      ),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom('failed' as const, 'stale' as const, 'missing' as const)
      .map((reason): Backlog => ({ ok: false, reason, source: 'sqs:jobs', message: `backlog ${reason}` })),
  },
);

const okBacklog = (value: number): Backlog => ({ ok: true, value, observedAt: PLAN_NOW, source: 'static' });

export function arbFlavorHistory(now = PLAN_NOW): fc.Arbitrary<FlavorHistory> {
  const at = fc.integer({ min: now - 900_000, max: now });
  return fc.record({
    recommendations: fc
      .array(fc.record({ at, count: fc.nat(50) }), { maxLength: 12 })
      .map((list) => list.sort((a, b) => a.at - b.at)),
    events: fc
      .array(
        fc
          .record({ at, from: fc.nat(50), delta: fc.integer({ min: -10, max: 10 }) })
          .map(({ at, from, delta }): ScaleEvent => ({ at, from, to: Math.max(0, from + delta) })),
        { maxLength: 5 },
      )
      .map((list) => list.sort((a, b) => a.at - b.at)),
  });
}

interface ArbResource {
  flavor: string;
  count: number;
  azs?: AzCount[];
}

function arbResource(flavor: string): fc.Arbitrary<ArbResource> {
  return fc
    .record({
      count: fc.oneof(
        { weight: 1, arbitrary: fc.constant(0) },
        { weight: 12, arbitrary: fc.integer({ min: 1, max: 50 }) },
      ),
      names: arbAzNames(3),
      mismatch: fc.oneof(
        { weight: 40, arbitrary: fc.constant(0) },
        { weight: 1, arbitrary: fc.integer({ min: 1, max: 3 }) },
      ),
    })
    .chain(({ count, names, mismatch }) =>
      arbAzSplit(names, count).map((azs): ArbResource => {
        if (azs.length === 0) return { flavor, count };
        // Now and then the API reports per-AZ counts that do not add up.
        if (mismatch > 0) (azs[0] as AzCount).count += mismatch;
        return { flavor, count, azs };
      }),
    );
}

const arbFlavorCounts = (flavors: readonly string[]): fc.Arbitrary<FlavorCount[] | undefined> =>
  fc.option(
    fc.array(
      fc
        .record({
          flavor: fc.option(fc.constantFrom(...flavors), { nil: undefined, freq: 8 }),
          count: fc.integer({ min: 0, max: 4 }),
        })
        .map(({ flavor, count }) => (flavor === undefined ? { count } : { flavor, count })),
      { maxLength: 2 },
    ),
    { nil: undefined, freq: 2 },
  );

export const arbControlMode: fc.Arbitrary<number | undefined> = fc.oneof(
  { weight: 12, arbitrary: fc.constant(undefined) },
  { weight: 8, arbitrary: fc.constantFrom(0, 1) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 31 }) },
  { weight: 1, arbitrary: fc.constantFrom(32, 33, 64) },
);

export const arbPhase: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 15, arbitrary: fc.constant('Running') },
  { weight: 1, arbitrary: fc.constantFrom('Creating', 'Abnormal', 'ScalingFailed', 'Waiting', undefined) },
);

/** A pool with 1-4 distinct flavors (now and then one listed twice), 0-3 AZs each. */
export function arbPool(): fc.Arbitrary<Pool> {
  return fc
    .uniqueArray(fc.constantFrom(...FLAVOR_NAMES), { minLength: 1, maxLength: 4 })
    .chain((flavors) =>
      fc.record({
        resources: fc.tuple(...flavors.map(arbResource)),
        duplicate: fc.oneof(
          { weight: 30, arbitrary: fc.constant(false) },
          { weight: 1, arbitrary: fc.constant(true) },
        ),
        controlMode: arbControlMode,
        phase: arbPhase,
        billing: fc.constantFrom(undefined, undefined, undefined, '0', '0', '0', '0', '1'),
        creating: arbFlavorCounts(flavors),
        deleting: arbFlavorCounts(flavors),
        available: arbFlavorCounts(flavors),
      }),
    )
    .map(({ resources, duplicate, controlMode, phase, billing, creating, deleting, available }) => {
      const list = duplicate ? [...resources, { ...(resources[0] as ArbResource) }] : resources;
      const status: NonNullable<Pool['status']> = {};
      if (phase !== undefined) status.phase = phase;
      if (creating || deleting || available) status.resources = { creating, deleting, available };
      return {
        metadata: {
          name: 'pool-under-test',
          ...(billing === undefined ? {} : { annotations: { 'os.modelarts/billing.mode': billing } }),
        },
        spec: {
          resources: list.map((r) => ({ ...r, maxCount: r.count, extendParams: { runtime: 'docker' } })),
          ...(controlMode === undefined ? {} : { controlMode }),
        },
        status,
      } as Pool;
    });
}

export function arbPoolPolicy(flavors: readonly string[]): fc.Arbitrary<PoolPolicy> {
  return fc
    .record({
      paused: fc.oneof(
        { weight: 12, arbitrary: fc.constant(false as const) },
        { weight: 1, arbitrary: fc.constantFrom('all' as const, 'scale-in' as const, 'scale-out' as const) },
      ),
      allowPrepaid: fc.boolean(),
      // Most flavors managed; some not; now and then a policy for a flavor the pool lacks.
      managed: fc
        .tuple(...flavors.map(() => fc.nat(4)), fc.nat(6))
        .map((draws) =>
          [...flavors, 'modelarts.vm.absent'].filter((_, i) =>
            i < flavors.length ? draws[i] !== 0 : draws[i] === 0,
          ),
        ),
    })
    .chain(({ paused, allowPrepaid, managed }) =>
      fc.tuple(...managed.map(arbFlavorPolicy)).map((policies) => ({
        paused,
        allowPrepaid,
        flavors: Object.fromEntries(policies.map((p) => [p.flavor, p])),
      })),
    );
}

/** Backlogs per flavor: most present (some failed), some missing, now and then one for a flavor the pool lacks. */
export function arbBacklogs(flavors: readonly string[]): fc.Arbitrary<Record<string, Backlog>> {
  return fc
    .tuple(
      fc.tuple(...flavors.map(() => fc.option(arbBacklog, { nil: undefined, freq: 6 }))),
      fc.oneof({ weight: 5, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arbBacklog }),
    )
    .map(([backlogs, stray]) => {
      const record: Record<string, Backlog> = {};
      flavors.forEach((flavor, i) => {
        const backlog = backlogs[i];
        if (backlog !== undefined) record[flavor] = backlog;
      });
      if (stray !== undefined) record['modelarts.vm.stray'] = stray;
      return record;
    });
}

export function arbPoolHistory(flavors: readonly string[], now = PLAN_NOW): fc.Arbitrary<PoolHistory> {
  return fc
    .tuple(...flavors.map(() => fc.option(arbFlavorHistory(now), { nil: undefined, freq: 3 })))
    .map((histories) => {
      const result: PoolHistory = { flavors: {} };
      flavors.forEach((flavor, i) => {
        const h = histories[i];
        if (h !== undefined) result.flavors[flavor] = h;
      });
      return result;
    });
}

export function arbMinCounts(flavors: readonly string[]): fc.Arbitrary<Record<string, number> | undefined> {
  return fc.option(
    fc.dictionary(fc.constantFrom(...flavors, 'modelarts.vm.stray'), fc.nat(60), { maxKeys: 3 }),
    { nil: undefined, freq: 2 },
  );
}

export function arbPoolInput(now = PLAN_NOW): fc.Arbitrary<PoolInput> {
  return arbPool().chain((pool) => {
    const flavors = [...new Set(pool.spec.resources.map((r) => r.flavor))];
    return fc
      .record({
        policy: arbPoolPolicy(flavors),
        backlogs: arbBacklogs(flavors),
        history: arbPoolHistory(flavors, now),
        minCounts: arbMinCounts(flavors),
      })
      .map(
        ({ policy, backlogs, history, minCounts }): PoolInput => ({
          key: 'project-1/pool-under-test',
          pool,
          policy,
          backlogs,
          history,
          ...(minCounts === undefined ? {} : { minCounts }),
        }),
      );
  });
}

export function arbPlanInput(now = PLAN_NOW): fc.Arbitrary<PlanInput> {
  return fc
    .record({
      killSwitch: fc.oneof(
        { weight: 12, arbitrary: fc.constant(undefined) },
        { weight: 3, arbitrary: fc.constant(false) },
        { weight: 1, arbitrary: fc.constant(true) },
      ),
      pools: fc.array(arbPoolInput(now), { minLength: 1, maxLength: 3 }),
    })
    .map(({ killSwitch, pools }) => ({
      now,
      ...(killSwitch === undefined ? {} : { killSwitch }),
      pools: pools.map((p, i) => ({ ...p, key: `project-1/pool-${i}` })),
    }));
}

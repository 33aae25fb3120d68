import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AzCount, PatchPoolBodySchema, type PoolFlavorResource } from '../../lib/modelarts/schemas';
import {
  type FlavorDecision,
  type Plan,
  type PlanInput,
  type PoolInput,
  type PoolPlan,
  plan,
} from '../../lib/scaling/plan';
import type { DirectionRules, FlavorPolicy } from '../../lib/scaling/policy';
import type { FlavorHistory, ScaleEvent } from '../../lib/state/store';
import { arbPlanInput, PLAN_NOW } from './arbitraries';

// Invariants of plan() over arbitrary pools, policies, backlogs, histories and minCounts. The oracles below are
// written from the rules (ARCHITECTURE invariants, HPA semantics), not from the planner's code paths.

const RUNS = 3000;
const NOW = PLAN_NOW;

const own = <T>(record: Record<string, T> | undefined, key: string): T | undefined =>
  record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;

/** Whether a pool-level guard applies, decided from the invariants alone. */
function isGuarded(input: PoolInput, killSwitch: boolean): boolean {
  const { pool, policy } = input;
  const mode = pool.spec.controlMode ?? 0;
  const flavors = pool.spec.resources.map((r) => r.flavor);
  return (
    killSwitch ||
    mode - (mode % 2) !== 0 ||
    pool.status?.phase !== 'Running' ||
    (pool.metadata.annotations?.['os.modelarts/billing.mode'] === '1' && !policy.allowPrepaid) ||
    policy.paused === 'all' ||
    new Set(flavors).size !== flavors.length ||
    pool.spec.resources.some(
      (r) => r.azs !== undefined && r.azs.length > 0 && r.azs.reduce((s, az) => s + az.count, 0) !== r.count,
    )
  );
}

interface FlavorCase {
  input: PoolInput;
  result: PoolPlan;
  decision: FlavorDecision;
  policy: FlavorPolicy;
  min: number;
}

/** Every managed flavor of every pool that was planned (not skipped). */
function managedFlavors(input: PlanInput, result: Plan): FlavorCase[] {
  const cases: FlavorCase[] = [];
  input.pools.forEach((poolInput, i) => {
    const poolResult = result.pools[i] as PoolPlan;
    if (poolResult.action === 'skip') return;
    for (const decision of poolResult.flavors) {
      const policy = own(poolInput.policy.flavors, decision.flavor);
      if (policy === undefined) continue;
      const floor = own(poolInput.minCounts, decision.flavor);
      const min =
        floor !== undefined && floor > policy.min ? Math.min(Math.ceil(floor), policy.max) : policy.min;
      cases.push({ input: poolInput, result: poolResult, decision, policy, min });
    }
  });
  return cases;
}

const deferred = (d: FlavorDecision): boolean => d.reasons.some((r) => r.code === 'mixed-direction-deferred');
const raisedForAz = (d: FlavorDecision): boolean => d.reasons.some((r) => r.code === 'az-backlog-short');
const heldWhole = (p: PoolPlan): boolean => p.reasons.some((r) => r.code === 'zero-count');

/** The furthest count HPA's step policies allow in `direction`, from the rules. */
function stepBound(
  rules: DirectionRules,
  events: readonly ScaleEvent[],
  current: number,
  direction: 1 | -1,
): number {
  if (rules.policies.length === 0) return direction * Number.POSITIVE_INFINITY;
  const limits = rules.policies.map((step) => {
    let added = 0;
    let removed = 0;
    for (const e of events) {
      if (e.at <= NOW - step.periodSeconds * 1000) continue;
      if (e.to > e.from) added += e.to - e.from;
      else removed += e.from - e.to;
    }
    const start = current - added + removed;
    if (step.type === 'Nodes') return start + direction * step.value;
    return direction === 1
      ? start + Math.ceil((start * step.value) / 100)
      : Math.trunc((start * (100 - step.value)) / 100);
  });
  const biggestChange = rules.selectPolicy === 'Max';
  return direction === 1
    ? biggestChange
      ? Math.max(...limits)
      : Math.min(...limits)
    : biggestChange
      ? Math.min(...limits)
      : Math.max(...limits);
}

/** What the windows read: the stored recommendations, or the current count for a flavor with none stored. */
function windowRecommendations(h: FlavorHistory | undefined, current: number) {
  const stored = h?.recommendations ?? [];
  return stored.length > 0 ? stored : [{ at: NOW, count: current }];
}

/** The plan's PATCH, applied: new counts and azs, and the history the plan says to save. */
function applyPlan(input: PlanInput, result: Plan): PlanInput {
  return {
    ...input,
    pools: input.pools.map((poolInput, i) => {
      const poolResult = result.pools[i] as PoolPlan;
      const body = poolResult.patch?.spec.resources;
      const resources = poolInput.pool.spec.resources.map((resource, j): PoolFlavorResource => {
        const sent = body?.[j];
        if (sent === undefined) return resource;
        return {
          ...resource,
          count: sent.count,
          ...(sent.azs === undefined ? {} : { azs: sent.azs as AzCount[] }),
        };
      });
      return {
        ...poolInput,
        pool: { ...poolInput.pool, spec: { ...poolInput.pool.spec, resources } },
        history: poolResult.history,
      };
    }),
  };
}

const withoutFloors = (input: PlanInput): PlanInput => ({
  ...input,
  pools: input.pools.map(({ minCounts: _floors, ...rest }) => rest),
});

type Check = (input: PlanInput, result: Plan) => void;

// Invariants run in groups over one generated input each, so thousands of runs stay quick; a failure names the
// invariant that broke.
const groups = new Map<string, [string, Check][]>();
let group = '';
const property = (name: string, check: Check) => {
  groups.set(group, [...(groups.get(group) ?? []), [name, check]]);
};

function checkGroup(name: string) {
  const checks = groups.get(name) ?? [];
  fc.assert(
    fc.property(arbPlanInput(NOW), (input) => {
      const result = plan(input);
      for (const [invariant, check] of checks) {
        try {
          check(input, result);
        } catch (error) {
          throw new Error(`${invariant}: ${(error as Error).message}`, { cause: error });
        }
      }
    }),
    { numRuns: RUNS },
  );
}

describe('plan() invariants over arbitrary pools, policies, backlogs, histories and minCounts', () => {
  group = 'shape and guards';
  property('a guarded pool gets no body, and a pool with a body passed every pool guard', (input, result) => {
    input.pools.forEach((poolInput, i) => {
      const poolResult = result.pools[i] as PoolPlan;
      if (isGuarded(poolInput, input.killSwitch === true)) {
        expect(poolResult.action).toBe('skip');
        expect(poolResult.patch).toBeUndefined();
      }
      if (poolResult.patch !== undefined) expect(isGuarded(poolInput, input.killSwitch === true)).toBe(false);
      expect(poolResult.action === 'patch').toBe(poolResult.patch !== undefined);
    });
  });

  property(
    'a body lists every flavor in order, only flavor/count/azs, azs adding up, as ModelArts takes it',
    (input, result) => {
      input.pools.forEach((poolInput, i) => {
        const poolResult = result.pools[i] as PoolPlan;
        const resources = poolInput.pool.spec.resources;
        expect(poolResult.flavors.map((f) => f.flavor)).toEqual(resources.map((r) => r.flavor));
        const body = poolResult.patch;
        if (body === undefined) return;
        expect(Object.keys(body)).toEqual(['spec']);
        expect(Object.keys(body.spec)).toEqual(['resources']);
        expect(body.spec.resources.map((r) => r.flavor)).toEqual(resources.map((r) => r.flavor));
        body.spec.resources.forEach((sent, j) => {
          const had = resources[j]?.azs;
          expect(Object.keys(sent)).toEqual(
            had !== undefined && had.length > 0 ? ['flavor', 'count', 'azs'] : ['flavor', 'count'],
          );
          for (const az of sent.azs ?? []) expect(Object.keys(az)).toEqual(['az', 'count']);
          if (sent.azs !== undefined) expect(sent.azs.reduce((s, az) => s + az.count, 0)).toBe(sent.count);
          expect(sent.count).toBe(poolResult.flavors[j]?.target);
        });
        expect(PatchPoolBodySchema.safeParse(body).success).toBe(true);
      });
    },
  );

  property('unmanaged flavors, skipped pools and held pools keep every count', (_input, result) => {
    for (const poolResult of result.pools) {
      poolResult.flavors.forEach((d) => {
        if (!d.managed || poolResult.action !== 'patch') expect(d.target).toBe(d.current);
        expect(d.action === 'scale-up').toBe(d.target > d.current);
        expect(d.action === 'scale-down').toBe(d.target < d.current);
      });
    }
  });

  property('never grows one flavor and shrinks another in one body', (_input, result) => {
    for (const poolResult of result.pools) {
      const actions = poolResult.flavors.map((f) => f.action);
      expect(actions.includes('scale-up') && actions.includes('scale-down')).toBe(false);
    }
  });

  group = 'counts';
  property('counts stay within [min, max], or only move toward it', (input, result) => {
    for (const { decision: d, policy, min } of managedFlavors(input, result)) {
      if (d.current >= min && d.current <= policy.max) {
        expect(d.target).toBeGreaterThanOrEqual(min);
        expect(d.target).toBeLessThanOrEqual(policy.max);
      } else if (d.current > policy.max) {
        expect(d.target).toBeLessThanOrEqual(d.current);
        expect(d.target).toBeGreaterThanOrEqual(min);
      } else {
        expect(d.target).toBeGreaterThanOrEqual(d.current);
        expect(d.target).toBeLessThanOrEqual(policy.max);
      }
    }
  });

  property('step policies, stabilization windows and cooldowns hold (inside [min, max])', (input, result) => {
    for (const { input: poolInput, decision: d, policy, min } of managedFlavors(input, result)) {
      if (d.target === d.current || d.current < min || d.current > policy.max) continue;
      const h = own(poolInput.history.flavors, d.flavor);
      const events = h?.events ?? [];
      const lastChange = Math.max(...events.map((e) => e.at));
      const recommendations = windowRecommendations(h, d.current);
      const desired = d.desired as number;
      if (d.target > d.current) {
        expect(d.target).toBeLessThanOrEqual(
          Math.max(d.current, stepBound(policy.scaleUp, events, d.current, 1)),
        );
        const inWindow = recommendations.filter(
          (r) => r.at > NOW - policy.scaleUp.stabilizationWindowSeconds * 1000,
        );
        expect(d.target).toBeLessThanOrEqual(Math.min(desired, ...inWindow.map((r) => r.count)));
        expect(NOW - lastChange).toBeGreaterThanOrEqual(policy.scaleUp.cooldownSeconds * 1000);
        expect(policy.scaleUp.selectPolicy).not.toBe('Disabled');
      } else {
        expect(d.target).toBeGreaterThanOrEqual(
          Math.min(d.current, stepBound(policy.scaleDown, events, d.current, -1)),
        );
        const inWindow = recommendations.filter(
          (r) => r.at > NOW - policy.scaleDown.stabilizationWindowSeconds * 1000,
        );
        expect(d.target).toBeGreaterThanOrEqual(Math.max(desired, ...inWindow.map((r) => r.count)));
        expect(NOW - lastChange).toBeGreaterThanOrEqual(policy.scaleDown.cooldownSeconds * 1000);
        expect(policy.scaleDown.enabled).toBe(true);
        expect(policy.scaleDown.selectPolicy).not.toBe('Disabled');
      }
    }
  });

  property(
    'no scale-down on a missing, failed or stale backlog, with nodes in flight, or when paused',
    (input, result) => {
      for (const { input: poolInput, decision: d } of managedFlavors(input, result)) {
        const backlog = own(poolInput.backlogs, d.flavor);
        const blocked =
          backlog === undefined ||
          !backlog.ok ||
          d.creating > 0 ||
          d.deleting > 0 ||
          poolInput.policy.paused === 'scale-in' ||
          poolInput.pool.metadata.annotations?.['os.modelarts/billing.mode'] === '1';
        if (blocked) expect(d.target).toBeGreaterThanOrEqual(d.current);
        if (poolInput.policy.paused === 'scale-out') expect(d.target).toBeLessThanOrEqual(d.current);
      }
    },
  );

  group = 'minCounts';
  property('minCounts never lower a target', (input, withMinCounts) => {
    const without = plan(withoutFloors(input));
    withMinCounts.pools.forEach((poolResult, i) => {
      poolResult.flavors.forEach((d, j) => {
        expect(d.target).toBeGreaterThanOrEqual(without.pools[i]?.flavors[j]?.target as number);
      });
    });
  });

  property('minCounts raise a target to min(floor, max) unless a guard holds the flavor', (input, result) => {
    for (const { input: poolInput, result: poolResult, decision: d, policy, min } of managedFlavors(
      input,
      result,
    )) {
      const floor = own(poolInput.minCounts, d.flavor);
      if (floor === undefined || heldWhole(poolResult) || deferred(d)) continue;
      const held = d.reasons.some((r) =>
        ['paused-scale-out', 'scale-up-disabled', 'az-split-refused'].includes(r.code),
      );
      if (!held) expect(d.target).toBeGreaterThanOrEqual(Math.min(min, policy.max));
    }
  });

  group = 'determinism, dry-run, re-planning, unknown flavors';
  property('the same input gives the same plan, and the input is left as it was', (input, result) => {
    const before = JSON.stringify(input);
    const again = plan(structuredClone(input));
    expect(again).toEqual(result);
    expect(JSON.stringify(again)).toBe(JSON.stringify(result));
    expect(JSON.stringify(input)).toBe(before);
    expect(JSON.stringify(result)).not.toMatch(/null|undefined|NaN/);
  });

  property('applying the plan and planning again does not overshoot', (input, first) => {
    const second = plan(applyPlan(input, first));
    second.pools.forEach((poolResult, i) => {
      const previous = first.pools[i] as PoolPlan;
      expect(poolResult.action === 'skip').toBe(previous.action === 'skip');
      poolResult.flavors.forEach((d, j) => {
        const before = previous.flavors[j] as FlavorDecision;
        // A deferred scale-down, or the surplus left behind by growing an AZ short of its own backlog, goes at
        // the next cycle; nothing grows again.
        if (deferred(before) || raisedForAz(before)) expect(d.target).toBeLessThanOrEqual(d.current);
        else expect(d.target).toBe(d.current);
      });
      // Once the deferred scale-downs are applied too, nothing moves.
      const third = plan(applyPlan(applyPlan(input, first), second)).pools[i] as PoolPlan;
      for (const d of third.flavors) expect(d.target).toBe(d.current);
    });
  });

  property('anything like a dry-run flag changes nothing', (input, result) => {
    const flagged = { ...input, dryRun: true, apply: false } as PlanInput;
    expect(plan(flagged)).toEqual(result);
  });

  property(
    'a backlog or floor for a flavor the pool lacks changes nothing but the pool reasons',
    (input, result) => {
      const stripped: PlanInput = {
        ...input,
        pools: input.pools.map((poolInput) => {
          const flavors = new Set(poolInput.pool.spec.resources.map((r) => r.flavor));
          const keep = <T>(record: Record<string, T>) =>
            Object.fromEntries(Object.entries(record).filter(([flavor]) => flavors.has(flavor)));
          return {
            ...poolInput,
            backlogs: keep(poolInput.backlogs),
            ...(poolInput.minCounts === undefined ? {} : { minCounts: keep(poolInput.minCounts) }),
          };
        }),
      };
      const other = plan(stripped);
      const withoutUnknown = (p: Plan) =>
        p.pools.map((pool) => ({
          ...pool,
          reasons: pool.reasons.filter((r) => r.code !== 'unknown-flavor'),
        }));
      expect(withoutUnknown(result)).toEqual(withoutUnknown(other));
    },
  );

  group = 'history';
  property(
    'history stays small: only what a window, period or cooldown reads, plus this cycle',
    (input, result) => {
      input.pools.forEach((poolInput, i) => {
        const poolResult = result.pools[i] as PoolPlan;
        for (const [flavor, h] of Object.entries(poolResult.history.flavors)) {
          const policy = own(poolInput.policy.flavors, flavor) as FlavorPolicy;
          const recWindow = Math.max(
            policy.scaleUp.stabilizationWindowSeconds,
            policy.scaleDown.stabilizationWindowSeconds,
          );
          for (const r of h.recommendations) expect(r.at).toBeGreaterThan(NOW - recWindow * 1000);
          const periods = [policy.scaleUp, policy.scaleDown].flatMap((rules) => [
            rules.cooldownSeconds,
            ...rules.policies.map((p) => p.periodSeconds),
          ]);
          for (const e of h.events) expect(e.at).toBeGreaterThan(NOW - Math.max(...periods) * 1000);
          expect(poolInput.pool.spec.resources.some((r) => r.flavor === flavor)).toBe(true);
        }
      });
    },
  );

  it.each([...groups.keys()])('%s', (name) => checkGroup(name));
});

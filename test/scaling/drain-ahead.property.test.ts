// Drain-ahead over arbitrary pools, policies, backlogs and histories, every managed flavor on idle-nodes. It
// decides only which idle nodes are drained early: it never changes a count, a PATCH or an action; it drains
// nothing where a scale-down could not happen (invariant 7, the guards); and what it drains down to lies
// between the flavor's minimum in force and its target.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Plan, type PlanInput, plan } from '../../lib/scaling/plan';
import type { FlavorPolicy } from '../../lib/scaling/policy';
import { arbPlanInput } from './arbitraries';

const RUNS = 2000;

const own = <T>(record: Record<string, T> | undefined, key: string): T | undefined =>
  record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;

/** The input with every managed flavor on idle-nodes, a drain of `drainSeconds`, drain-ahead on or off. */
function onIdleNodes(input: PlanInput, drainAhead: boolean, drainSeconds: number): PlanInput {
  return {
    ...input,
    pools: input.pools.map((pool) => {
      const flavors: Record<string, FlavorPolicy> = {};
      for (const [flavor, policy] of Object.entries(pool.policy.flavors)) {
        const scaleDown = { ...policy.scaleDown, method: 'idle-nodes' as const, drainSeconds, drainAhead };
        flavors[flavor] = { ...policy, scaleDown };
      }
      return { ...pool, policy: { ...pool.policy, flavors } };
    }),
  };
}

/** Everything a plan decides but the scale-in's drainTo and the drain-ahead reason. */
function withoutAhead(result: Plan): unknown {
  return {
    ...result,
    pools: result.pools.map(({ scaleIn, ...pool }) => {
      // A flavor held by its window is handed to the scale-in only to drain ahead.
      const aheadOnly = (flavor: string) =>
        pool.flavors.find((f) => f.flavor === flavor)?.reasons.some((r) => r.code === 'drain-ahead') === true;
      return {
        ...pool,
        flavors: pool.flavors.map((flavor) => ({
          ...flavor,
          reasons: flavor.reasons.filter((r) => r.code !== 'drain-ahead'),
        })),
        scaleIn: scaleIn
          ?.map(({ drainTo: _, ...entry }) => entry)
          .filter((entry) => entry.target < entry.current || !aheadOnly(entry.flavor)),
      };
    }),
  };
}

const scenario = fc.record({
  input: arbPlanInput(),
  drainSeconds: fc.constantFrom(0, 30, 60, 120, 600),
});

describe('drain-ahead invariants over arbitrary plans', () => {
  it('changes no count, PATCH or action: only which idle nodes are drained early', () => {
    fc.assert(
      fc.property(scenario, ({ input, drainSeconds }) => {
        const ahead = plan(onIdleNodes(input, true, drainSeconds));
        const after = plan(onIdleNodes(input, false, drainSeconds));
        const plain = (result: Plan) => JSON.parse(JSON.stringify(withoutAhead(result))) as unknown;
        // Pools that only drain ahead become 'scale-in' rather than 'hold'.
        const actions = (result: Plan) =>
          result.pools.map((p) =>
            p.action === 'scale-in' &&
            (p.scaleIn ?? []).every((e) => e.drainTo !== undefined && e.target === e.current)
              ? 'hold'
              : p.action,
          );
        expect(actions(ahead)).toEqual(after.pools.map((p) => p.action));
        const strip = (result: Plan) =>
          (plain(result) as Plan).pools.map(({ action: _, scaleIn, ...pool }) => ({
            ...pool,
            scaleIn: scaleIn?.length === 0 ? undefined : scaleIn,
          }));
        expect(strip(ahead)).toEqual(strip(after));
      }),
      { numRuns: RUNS },
    );
  });

  it('drains ahead only below the target and not below the minimum in force, and only where a scale-down could happen', () => {
    fc.assert(
      fc.property(scenario, ({ input, drainSeconds }) => {
        const planned = onIdleNodes(input, true, drainSeconds);
        const result = plan(planned);
        result.pools.forEach((pool, i) => {
          const poolInput = planned.pools[i];
          for (const entry of pool.scaleIn ?? []) {
            if (entry.drainTo === undefined) continue;
            const decision = pool.flavors.find((f) => f.flavor === entry.flavor);
            const backlog = own(poolInput?.backlogs, entry.flavor);
            expect(entry.drainTo).toBeLessThan(entry.target);
            expect(entry.target).toBeLessThanOrEqual(entry.current);
            expect(entry.drainTo).toBeGreaterThanOrEqual(
              own(poolInput?.policy.flavors, entry.flavor)?.min ?? Number.POSITIVE_INFINITY,
            );
            expect(entry.drainTo).toBeGreaterThanOrEqual(decision?.desired ?? Number.POSITIVE_INFINITY);
            // Invariant 7 and the guards: a usable backlog, a planned pool, scale-in not paused.
            expect(backlog?.ok).toBe(true);
            expect(input.killSwitch).not.toBe(true);
            expect(pool.action).not.toBe('skip');
            expect(poolInput?.policy.paused).not.toBe('scale-in');
            expect(poolInput?.pool.metadata.annotations?.['os.modelarts/billing.mode']).not.toBe('1');
            expect(drainSeconds).toBeGreaterThan(0);
          }
        });
      }),
      { numRuns: RUNS },
    );
  });

  it('does drain ahead in some of these plans', () => {
    let found = 0;
    fc.assert(
      fc.property(scenario, ({ input, drainSeconds }) => {
        const result = plan(onIdleNodes(input, true, drainSeconds));
        for (const pool of result.pools)
          for (const entry of pool.scaleIn ?? []) if (entry.drainTo !== undefined) found++;
      }),
      { numRuns: RUNS },
    );
    expect(found).toBeGreaterThan(0);
  });
});

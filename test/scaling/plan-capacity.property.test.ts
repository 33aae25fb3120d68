import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Backoff, CapacityMemory, FlavorStockMap } from '../../lib/capacity/types';
import { type FlavorDecision, type PoolInput, type PoolPlan, plan } from '../../lib/scaling/plan';
import { AZ_NAMES, arbPoolInput, PLAN_NOW } from './arbitraries';

// Invariants of capacity-aware growth over arbitrary pools, policies, backlogs and histories, with arbitrary stock
// and backoffs. The oracle for "blocked" is written from the rules (issue #15), not from lib/capacity.

const RUNS = 1000;
const NOW = PLAN_NOW;

const arbBackoff: fc.Arbitrary<Backoff> = fc
  .record({
    cause: fc.constantFrom('sold-out' as const, 'quota' as const, 'stuck-creating' as const),
    failures: fc.integer({ min: 1, max: 5 }),
    untilSeconds: fc.integer({ min: -900, max: 900 }),
  })
  .map(({ cause, failures, untilSeconds }) => ({
    cause,
    failures,
    until: NOW + untilSeconds * 1000,
    lastFailureAt: NOW + (untilSeconds - 300) * 1000,
  }));

const arbStockWord = fc.constantFrom('normal', 'soldout', 'soldout', 'limited');

function arbCapacity(flavors: readonly string[]) {
  const perFlavor = <T>(arb: fc.Arbitrary<T>) =>
    fc.tuple(...flavors.map(() => fc.option(arb, { nil: undefined, freq: 2 }))).map((values) => {
      const record: Record<string, T> = {};
      flavors.forEach((flavor, i) => {
        if (values[i] !== undefined) record[flavor] = values[i] as T;
      });
      return record;
    });
  return fc.record({
    stock: fc.option(perFlavor(fc.dictionary(fc.constantFrom(...AZ_NAMES), arbStockWord, { maxKeys: 4 })), {
      nil: undefined,
      freq: 4,
    }),
    azs: perFlavor(fc.dictionary(fc.constantFrom(...AZ_NAMES, '*'), arbBackoff, { maxKeys: 3 })),
    quota: fc.option(perFlavor(arbBackoff), { nil: undefined, freq: 4 }),
  });
}

interface Case {
  today: PoolInput;
  aware: PoolInput;
}

const arbCase: fc.Arbitrary<Case> = arbPoolInput().chain((today) => {
  const flavors = [...new Set(today.pool.spec.resources.map((r) => r.flavor))];
  return arbCapacity(flavors).map(({ stock, azs, quota }): Case => {
    const capacity: CapacityMemory = { azs };
    if (quota !== undefined) capacity.quota = quota;
    const aware: PoolInput = { ...today, history: { ...today.history, capacity } };
    if (stock !== undefined) aware.stock = stock as FlavorStockMap;
    return { today, aware };
  });
});

const planOf = (input: PoolInput): PoolPlan => plan({ now: NOW, pools: [input] }).pools[0] as PoolPlan;

const own = <T>(record: Record<string, T> | undefined, key: string): T | undefined =>
  record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;

const active = (backoff: Backoff | undefined) => backoff !== undefined && NOW < backoff.until;

/** Every AZ of the flavor blocked as a whole: quota, a '*' backoff. */
function wholeFlavorBlocked(input: PoolInput, flavor: string): boolean {
  const memory = input.history.capacity;
  return active(own(memory?.quota, flavor)) || active(own(own(memory?.azs, flavor), '*'));
}

/** Growth must avoid `az` of a flavor that lists azs. */
function azBlocked(input: PoolInput, flavor: string, az: string): boolean {
  return (
    wholeFlavorBlocked(input, flavor) ||
    own(own(input.stock, flavor), az) === 'soldout' ||
    active(own(own(input.history.capacity?.azs, flavor), az))
  );
}

/** A flavor without azs: blocked as a whole, or sold out in every AZ the stock names for it. */
function flavorBlocked(input: PoolInput, flavor: string): boolean {
  if (wholeFlavorBlocked(input, flavor)) return true;
  const stock = own(input.stock, flavor);
  const words = stock === undefined ? [] : Object.values(stock);
  return words.length > 0 && words.every((word) => word === 'soldout');
}

const countIn = (azs: readonly { az: string; count: number }[] | undefined, az: string) =>
  azs?.find((entry) => entry.az === az)?.count ?? 0;

function decisions(input: PoolInput, result: PoolPlan): FlavorDecision[] {
  if (result.action === 'skip') return [];
  return result.flavors.filter((d) => own(input.policy.flavors, d.flavor) !== undefined);
}

/** The AZs the flavor's strategy may grow: the listed ones (fixed: those in use), and weighted AZs with a weight. */
function growable(input: PoolInput, decision: FlavorDecision): string[] {
  const strategy = own(input.policy.flavors, decision.flavor)?.azStrategy;
  const listed = decision.azsBefore ?? [];
  if (strategy?.type === 'fixed') return listed.filter((a) => a.count > 0).map((a) => a.az);
  const names = listed.map((a) => a.az);
  if (strategy?.type === 'weighted') {
    const weighted = Object.keys(strategy.weights).filter((az) => (strategy.weights[az] ?? 0) > 0);
    return [...names.filter((az) => weighted.includes(az)), ...weighted.filter((az) => !names.includes(az))];
  }
  return names;
}

/** The same decisions, body and scale-in (the history may differ: it carries the capacity memory). */
function expectSameDecisions(after: PoolPlan, before: PoolPlan): void {
  const { history: _after, ...decided } = after;
  const { history: _before, ...today } = before;
  expect(decided).toEqual(today);
}

describe('capacity-aware growth (properties)', () => {
  it('growth is never placed in a blocked AZ, nor in a flavor without azs that is blocked', () => {
    fc.assert(
      fc.property(arbCase, ({ aware }) => {
        const result = planOf(aware);
        for (const d of decisions(aware, result)) {
          if (d.action !== 'scale-up') continue;
          if (d.azsBefore === undefined) {
            expect(flavorBlocked(aware, d.flavor)).toBe(false);
            continue;
          }
          for (const { az, count } of d.azsAfter ?? []) {
            if (count > countIn(d.azsBefore, az)) expect(azBlocked(aware, d.flavor, az)).toBe(false);
          }
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('the split sums to the target and never moves nodes between AZs', () => {
    fc.assert(
      fc.property(arbCase, ({ aware }) => {
        for (const d of decisions(aware, planOf(aware))) {
          if (d.azsBefore === undefined || d.azsAfter === undefined) continue;
          expect(d.azsAfter.reduce((sum, a) => sum + a.count, 0)).toBe(d.target);
          const names = new Set([...d.azsBefore, ...d.azsAfter].map((a) => a.az));
          for (const az of names) {
            const delta = countIn(d.azsAfter, az) - countIn(d.azsBefore, az);
            if (d.target > d.current) expect(delta).toBeGreaterThanOrEqual(0);
            if (d.target < d.current) expect(delta).toBeLessThanOrEqual(0);
            if (d.target === d.current) expect(delta).toBe(0);
          }
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('a flavor whose AZs are all blocked never grows', () => {
    fc.assert(
      fc.property(arbCase, ({ aware }) => {
        for (const d of decisions(aware, planOf(aware))) {
          const blocked =
            d.azsBefore === undefined
              ? flavorBlocked(aware, d.flavor)
              : growable(aware, d).every((az) => azBlocked(aware, d.flavor, az));
          if (blocked) expect(d.action).not.toBe('scale-up');
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('a pool that does not grow plans the same with and without stock and backoffs (scale-downs unaffected)', () => {
    fc.assert(
      fc.property(arbCase, ({ today, aware }) => {
        const before = planOf(today);
        // zero-count holds every flavor after the fact, hiding a growth the plan did try.
        fc.pre(
          !before.flavors.some((d) => d.action === 'scale-up') &&
            !before.reasons.some((r) => r.code === 'zero-count'),
        );
        const after = planOf(aware);
        expectSameDecisions(after, before);
      }),
      { numRuns: RUNS },
    );
  });

  it('with the stock unknown and no backoff still running, the plan is today’s plan', () => {
    fc.assert(
      fc.property(arbCase, ({ today, aware }) => {
        const { stock: _unknown, ...unread } = aware;
        const memory = unread.history.capacity ?? {};
        const over = (b: Backoff) => ({ ...b, until: Math.min(b.until, NOW) });
        const azs = Object.fromEntries(
          Object.entries(memory.azs ?? {}).map(([f, byAz]) => [
            f,
            Object.fromEntries(Object.entries(byAz).map(([az, b]) => [az, over(b)])),
          ]),
        );
        const input: PoolInput = { ...unread, history: { ...unread.history, capacity: { azs } } };
        const before = planOf(today);
        const after = planOf(input);
        expectSameDecisions(after, before);
      }),
      { numRuns: RUNS },
    );
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AzStrategy } from '../../lib/scaling/policy';
import { azShortfall, fixedMinimum, largestRemainder, nodesPerAz, splitAzs } from '../../lib/scaling/zones';
import { arbAzNames, arbAzSplit, arbAzStrategy } from './arbitraries';
import { azs } from './builders';

const balanced: AzStrategy = { type: 'balanced' };
const fixed: AzStrategy = { type: 'fixed' };
const weighted = (weights: Record<string, number>): AzStrategy => ({ type: 'weighted', weights });
const backlog: AzStrategy = { type: 'backlog' };

interface Row {
  name: string;
  strategy: AzStrategy;
  before: Record<string, number>;
  total: number;
  after: Record<string, number>;
}

function expectSplit(row: Row) {
  const split = splitAzs(row.strategy, azs(row.before), row.total);
  expect(split).toEqual({ ok: true, azs: azs(row.after) });
}

describe('balanced', () => {
  it.each<Row>([
    {
      name: 'adds to the smallest AZ',
      strategy: balanced,
      before: { a: 3, b: 1, c: 2 },
      total: 7,
      after: { a: 3, b: 2, c: 2 },
    },
    {
      name: 'ties go to the first AZ by name',
      strategy: balanced,
      before: { a: 2, b: 2, c: 2 },
      total: 7,
      after: { a: 3, b: 2, c: 2 },
    },
    {
      name: 'one node at a time keeps AZs within one',
      strategy: balanced,
      before: { a: 2, b: 2, c: 2 },
      total: 11,
      after: { a: 4, b: 4, c: 3 },
    },
    {
      name: 'removes from the largest AZ',
      strategy: balanced,
      before: { a: 3, b: 1, c: 2 },
      total: 5,
      after: { a: 2, b: 1, c: 2 },
    },
    {
      name: 'removal ties come from the last AZ by name',
      strategy: balanced,
      before: { a: 2, b: 2, c: 2 },
      total: 5,
      after: { a: 2, b: 2, c: 1 },
    },
    {
      name: 'an unbalanced flavor evens out as it grows',
      strategy: balanced,
      before: { a: 5, b: 1 },
      total: 9,
      after: { a: 5, b: 4 },
    },
    {
      name: 'an unbalanced flavor evens out as it shrinks',
      strategy: balanced,
      before: { a: 5, b: 1 },
      total: 4,
      after: { a: 3, b: 1 },
    },
    {
      name: 'an empty AZ the flavor lists is filled first',
      strategy: balanced,
      before: { a: 0, b: 3 },
      total: 4,
      after: { a: 1, b: 3 },
    },
    {
      name: 'ties by name, not by position; order kept',
      strategy: balanced,
      before: { b: 1, a: 1 },
      total: 3,
      after: { b: 1, a: 2 },
    },
    {
      name: 'removal ties by name, not by position',
      strategy: balanced,
      before: { b: 2, a: 2 },
      total: 3,
      after: { b: 1, a: 2 },
    },
    {
      name: 'no change leaves the split as is',
      strategy: balanced,
      before: { a: 5, b: 1 },
      total: 6,
      after: { a: 5, b: 1 },
    },
  ])('$name', expectSplit);

  it('grows from the canonical split to the canonical split (lower names carry the extra node)', () => {
    for (let total = 1; total <= 12; total++) {
      const grown = splitAzs(balanced, azs({ a: 1, b: 0, c: 0 }), total);
      const shrunk = splitAzs(balanced, azs({ a: 4, b: 4, c: 4 }), total);
      const canonical = ['a', 'b', 'c'].map((az, i) => ({
        az,
        count: Math.floor(total / 3) + (i < total % 3 ? 1 : 0),
      }));
      expect(grown).toEqual({ ok: true, azs: canonical });
      expect(shrunk).toEqual({ ok: true, azs: canonical });
    }
  });
});

describe('weighted (largest remainder on the weights)', () => {
  it.each<Row>([
    {
      name: 'splits by weight',
      strategy: weighted({ a: 2, b: 1 }),
      before: { a: 4, b: 2 },
      total: 9,
      after: { a: 6, b: 3 },
    },
    {
      name: 'the largest remainder gets the extra node',
      strategy: weighted({ a: 2, b: 1 }),
      before: { a: 4, b: 2 },
      total: 10,
      after: { a: 7, b: 3 },
    },
    {
      name: 'remainder ties go to the first AZ by name',
      strategy: weighted({ a: 1, b: 1, c: 1 }),
      before: { a: 1, b: 1, c: 1 },
      total: 4,
      after: { a: 2, b: 1, c: 1 },
    },
    {
      name: 'an AZ absent from the weights is never grown',
      strategy: weighted({ a: 1 }),
      before: { a: 2, x: 2 },
      total: 6,
      after: { a: 4, x: 2 },
    },
    {
      name: 'an AZ absent from the weights is drained first',
      strategy: weighted({ a: 1 }),
      before: { a: 2, x: 2 },
      total: 3,
      after: { a: 2, x: 1 },
    },
    {
      name: 'a drained AZ stays listed at 0',
      strategy: weighted({ a: 1 }),
      before: { a: 2, x: 2 },
      total: 2,
      after: { a: 2, x: 0 },
    },
    {
      name: 'a weighted AZ the flavor lacks is added after the listed ones',
      strategy: weighted({ c: 1, a: 1, b: 1 }),
      before: { a: 2 },
      total: 6,
      after: { a: 2, b: 2, c: 2 },
    },
    {
      name: 'an added AZ that gets no node is not listed',
      strategy: weighted({ a: 9, b: 1 }),
      before: { a: 3 },
      total: 4,
      after: { a: 4 },
    },
    {
      name: 'moving toward the share never takes a node away on scale-up',
      strategy: weighted({ a: 1, b: 1 }),
      before: { a: 6, b: 0 },
      total: 8,
      after: { a: 6, b: 2 },
    },
    {
      name: 'moving toward the share never adds a node on scale-down',
      strategy: weighted({ a: 1, b: 1 }),
      before: { a: 0, b: 6 },
      total: 4,
      after: { a: 0, b: 4 },
    },
  ])('$name', expectSplit);

  it('refuses when no AZ has a positive weight', () => {
    const split = splitAzs(weighted({ x: 0 }), azs({ a: 2 }), 3);
    expect(split.ok).toBe(false);
    expect(split.ok ? undefined : split.reason.code).toBe('az-split-refused');
  });
});

describe('fixed (the AZs in use, in their proportions)', () => {
  it.each<Row>([
    { name: 'grows in proportion', strategy: fixed, before: { a: 3, b: 1 }, total: 8, after: { a: 6, b: 2 } },
    {
      name: 'one node goes where the proportion wants it',
      strategy: fixed,
      before: { a: 3, b: 1 },
      total: 5,
      after: { a: 4, b: 1 },
    },
    {
      name: 'shrinks in proportion',
      strategy: fixed,
      before: { a: 6, b: 2 },
      total: 4,
      after: { a: 3, b: 1 },
    },
    {
      name: 'never empties an AZ in use',
      strategy: fixed,
      before: { a: 5, b: 1 },
      total: 3,
      after: { a: 2, b: 1 },
    },
    {
      name: 'never starts an AZ that is not in use',
      strategy: fixed,
      before: { a: 0, b: 2 },
      total: 4,
      after: { a: 0, b: 4 },
    },
    { name: 'a single AZ takes every change', strategy: fixed, before: { a: 3 }, total: 9, after: { a: 9 } },
    {
      name: 'shrinking to one node per AZ works',
      strategy: fixed,
      before: { a: 3, b: 4, c: 2 },
      total: 3,
      after: { a: 1, b: 1, c: 1 },
    },
  ])('$name', expectSplit);

  it('refuses a shrink below one node per AZ in use, and says so', () => {
    const split = splitAzs(fixed, azs({ a: 2, b: 2, c: 1 }), 2);
    expect(split).toEqual({
      ok: false,
      reason: {
        code: 'az-split-refused',
        message: 'fixed: 2 nodes cannot keep a node in each of the 3 AZs in use',
      },
    });
  });

  it('refuses to grow a flavor with no node in any AZ', () => {
    expect(splitAzs(fixed, azs({ a: 0, b: 0 }), 2).ok).toBe(false);
  });

  it('fixedMinimum is the number of AZs in use', () => {
    expect(fixedMinimum(azs({ a: 2, b: 0, c: 1 }))).toBe(2);
    expect(fixedMinimum(undefined)).toBe(0);
  });
});

describe('flavors without azs', () => {
  it.each([balanced, fixed, weighted({ a: 1 })])('get no azs ($type)', (strategy) => {
    expect(splitAzs(strategy, undefined, 5)).toEqual({ ok: true, azs: undefined });
    expect(splitAzs(strategy, [], 5)).toEqual({ ok: true, azs: undefined });
  });
});

describe('largestRemainder', () => {
  const split = (total: number, weights: Record<string, number>) =>
    largestRemainder(
      total,
      Object.entries(weights).map(([az, weight]) => ({ az, weight })),
    );

  it.each<{ total: number; weights: Record<string, number>; shares: number[] }>([
    { total: 10, weights: { a: 2, b: 1 }, shares: [7, 3] },
    { total: 4, weights: { a: 1, b: 1, c: 1 }, shares: [2, 1, 1] },
    { total: 4, weights: { c: 1, b: 1, a: 1 }, shares: [1, 1, 2] },
    { total: 0, weights: { a: 1, b: 3 }, shares: [0, 0] },
    { total: 7, weights: { a: 0, b: 1 }, shares: [0, 7] },
    { total: 5, weights: { a: 0.5, b: 0.25, c: 0.25 }, shares: [3, 1, 1] },
  ])('$total by $weights', ({ total, weights, shares }) => {
    expect(split(total, weights)).toEqual(shares);
  });

  it('is undefined without a positive weight', () => {
    expect(split(3, { a: 0 })).toBeUndefined();
    expect(split(3, {})).toBeUndefined();
  });

  it('always adds up to the total and gives nothing to a zero weight', () => {
    fc.assert(
      fc.property(fc.nat(500), fc.array(fc.nat(10), { minLength: 1, maxLength: 5 }), (total, weights) => {
        const shares = largestRemainder(
          total,
          weights.map((weight, i) => ({ az: `az-${i}`, weight })),
        );
        if (weights.every((w) => w === 0)) {
          expect(shares).toBeUndefined();
          return;
        }
        expect(shares?.reduce((a, b) => a + b, 0)).toBe(total);
        weights.forEach((w, i) => {
          if (w === 0) expect(shares?.[i]).toBe(0);
        });
      }),
      { numRuns: 2000 },
    );
  });
});

describe('backlog', () => {
  const split = (before: Record<string, number>, total: number, need?: Record<string, number>) =>
    splitAzs(backlog, azs(before), total, need);

  it('grows the AZ whose own backlog asks for more nodes than it has, not the smallest', () => {
    expect(split({ a: 5, b: 2 }, 9, { a: 7, b: 1 })).toEqual({ ok: true, azs: azs({ a: 7, b: 2 }) });
  });

  it('shrinks the AZ whose nodes exceed its backlog, not the largest', () => {
    expect(split({ a: 5, b: 3 }, 6, { a: 5, b: 1 })).toEqual({ ok: true, azs: azs({ a: 5, b: 1 }) });
  });

  it('breaks ties as balanced does, and past the need grows the AZ least over it', () => {
    // a and b are 1 short each: the smaller (b) grows first, then a. Past the need, a and b are at it and c is
    // 5 over: the smaller of a and b grows.
    expect(split({ a: 3, b: 1, c: 5 }, 12, { a: 4, b: 2 })).toEqual({
      ok: true,
      azs: azs({ a: 4, b: 3, c: 5 }),
    });
    // Everyone at its need: the largest gives the node back.
    expect(split({ a: 3, b: 2 }, 4, { a: 3, b: 2 })).toEqual({ ok: true, azs: azs({ a: 2, b: 2 }) });
  });

  it('is balanced without a per-AZ split, and ignores AZs the flavor does not have', () => {
    expect(split({ a: 3, b: 1 }, 6)).toEqual(splitAzs(balanced, azs({ a: 3, b: 1 }), 6));
    expect(split({ a: 3, b: 1 }, 6, { z: 9 })).toEqual(splitAzs(balanced, azs({ a: 3, b: 1 }), 6));
  });

  it("works out each AZ's need in whole nodes, and the nodes AZs lack for it", () => {
    expect(nodesPerAz({ a: 5, b: 0, c: 0.5, d: Number.NaN }, 2)).toEqual({ a: 3, c: 1 });
    expect(azShortfall(azs({ a: 2, b: 4 }), { a: 5, b: 1, z: 3 })).toBe(3);
    expect(azShortfall(undefined, { a: 5 })).toBe(0);
  });

  it('never grows an AZ at or above its need while another is below it, nor shrinks one at or below its need while another is above (property)', () => {
    const arbCase = fc
      .record({
        names: arbAzNames(4),
        total: fc.nat(40),
        newTotal: fc.nat(60),
        need: fc.array(fc.nat(20), { minLength: 4, maxLength: 4 }),
      })
      .chain(({ names, total, newTotal, need }) =>
        arbAzSplit(names, total).map((before) => ({
          before,
          newTotal,
          need: Object.fromEntries(before.map((az, i) => [az.az, need[i] ?? 0])),
        })),
      );
    fc.assert(
      fc.property(arbCase, ({ before, newTotal, need }) => {
        const result = splitAzs(backlog, before, newTotal, need);
        expect(result.ok).toBe(true);
        if (!result.ok || before.length === 0) return;
        const after = result.azs ?? [];
        expect(after.reduce((sum, az) => sum + az.count, 0)).toBe(newTotal);
        const needs = before.map((az) => need[az.az] ?? 0);
        const grewPastNeed = after.some(
          (az, i) => az.count > (before[i]?.count ?? 0) && az.count > (needs[i] ?? 0),
        );
        const shrankBelowNeed = after.some(
          (az, i) => az.count < (before[i]?.count ?? 0) && az.count < (needs[i] ?? 0),
        );
        // Past its need only once every AZ has its need; below it only once no AZ is over its need.
        if (grewPastNeed)
          for (const [i, az] of after.entries()) expect(az.count).toBeGreaterThanOrEqual(needs[i] ?? 0);
        if (shrankBelowNeed)
          for (const [i, az] of after.entries()) expect(az.count).toBeLessThanOrEqual(needs[i] ?? 0);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('properties of every strategy', () => {
  const arbCase = fc
    .record({ names: arbAzNames(4), total: fc.nat(40), strategy: arbAzStrategy, newTotal: fc.nat(60) })
    .chain(({ names, total, strategy, newTotal }) =>
      arbAzSplit(names, total).map((before) => ({ before, strategy, newTotal })),
    );

  it('the split adds up to the new total, keeps the listed AZs in order, and never moves a node', () => {
    fc.assert(
      fc.property(arbCase, ({ before, strategy, newTotal }) => {
        const split = splitAzs(strategy, before, newTotal);
        if (!split.ok) return;
        if (before.length === 0) {
          expect(split.azs).toBeUndefined();
          return;
        }
        const after = split.azs ?? [];
        expect(after.reduce((sum, az) => sum + az.count, 0)).toBe(newTotal);
        expect(after.slice(0, before.length).map((az) => az.az)).toEqual(before.map((az) => az.az));
        const oldTotal = before.reduce((sum, az) => sum + az.count, 0);
        after.forEach((az, i) => {
          const was = before[i]?.count ?? 0;
          expect(az.count).toBeGreaterThanOrEqual(0);
          if (newTotal >= oldTotal) expect(az.count).toBeGreaterThanOrEqual(was);
          else expect(az.count).toBeLessThanOrEqual(was);
        });
      }),
      { numRuns: 5000 },
    );
  });

  it('balanced keeps a balanced flavor balanced', () => {
    fc.assert(
      fc.property(arbAzNames(4), fc.nat(40), fc.nat(60), (names, total, newTotal) => {
        if (names.length === 0) return;
        const before = names.map((az, i) => ({
          az,
          count: Math.floor(total / names.length) + (i < total % names.length ? 1 : 0),
        }));
        const split = splitAzs({ type: 'balanced' }, before, newTotal);
        const counts = (split.ok ? (split.azs ?? []) : []).map((az) => az.count);
        expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
      }),
      { numRuns: 3000 },
    );
  });

  it('fixed never starts or empties an AZ, and refuses only below one node per AZ in use', () => {
    fc.assert(
      fc.property(arbCase, ({ before, newTotal }) => {
        const split = splitAzs({ type: 'fixed' }, before, newTotal);
        const used = fixedMinimum(before);
        const oldTotal = before.reduce((sum, az) => sum + az.count, 0);
        if (before.length === 0 || newTotal === oldTotal) {
          expect(split.ok).toBe(true);
          return;
        }
        expect(split.ok).toBe(used > 0 && newTotal >= used);
        if (!split.ok) return;
        split.azs?.forEach((az, i) => {
          expect(az.count > 0).toBe((before[i]?.count ?? 0) > 0);
        });
      }),
      { numRuns: 5000 },
    );
  });

  it('weighted never grows an AZ without weight', () => {
    fc.assert(
      fc.property(arbCase, ({ before, strategy, newTotal }) => {
        if (strategy.type !== 'weighted') return;
        const split = splitAzs(strategy, before, newTotal);
        if (!split.ok) return;
        for (const az of split.azs ?? []) {
          if (!((strategy.weights[az.az] ?? 0) > 0)) {
            expect(az.count).toBeLessThanOrEqual(before.find((b) => b.az === az.az)?.count ?? 0);
          }
        }
      }),
      { numRuns: 5000 },
    );
  });
});

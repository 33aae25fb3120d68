import { describe, expect, it } from 'vitest';
import { backoffsAt, grownAzs, recordRefusal } from '../../lib/capacity/record-refusal';
import { DEFAULT_CAPACITY, WHOLE_FLAVOR } from '../../lib/capacity/types';

const NOW = Date.UTC(2026, 0, 1);
const MIN = 60_000;
const settings = () => DEFAULT_CAPACITY;
const soldOut = (az?: string) =>
  az === undefined
    ? ({ kind: 'sold-out', code: 'ModelArts.6716' } as const)
    : ({ kind: 'sold-out', code: 'ModelArts.6716', az } as const);

/** A flavor resource with these per-AZ counts. */
const zoned = (flavor: string, azs: Record<string, number>) => ({
  flavor,
  count: Object.values(azs).reduce((a, b) => a + b, 0),
  azs: Object.entries(azs).map(([az, count]) => ({ az, count })),
});

describe('grownAzs', () => {
  it('names the AZs whose count a body raises, and a flavor without azs as a whole', () => {
    const before = [zoned('gpu', { a: 1, b: 1 }), { flavor: 'cpu', count: 1 }, { flavor: 'npu', count: 3 }];
    const after = [
      zoned('gpu', { a: 2, b: 1, c: 1 }),
      { flavor: 'cpu', count: 2 },
      { flavor: 'npu', count: 2 },
    ];
    expect(grownAzs(before, after)).toEqual({ gpu: ['a', 'c'], cpu: [WHOLE_FLAVOR] });
  });
});

describe('recordRefusal', () => {
  it('backs off only the AZ a sold-out error names, in each flavor grown there', () => {
    const memory = recordRefusal(undefined, { gpu: ['a', 'b'], npu: ['b'] }, soldOut('a'), NOW, settings);
    expect(memory).toEqual({
      azs: {
        gpu: {
          a: {
            cause: 'sold-out',
            failures: 1,
            until: NOW + 5 * MIN,
            lastFailureAt: NOW,
            code: 'ModelArts.6716',
          },
        },
      },
    });
  });

  it('backs off every AZ grown when the error names none, or names an AZ nothing grew in', () => {
    const grown = { gpu: ['a', 'b'], cpu: [WHOLE_FLAVOR] };
    for (const refusal of [soldOut(), soldOut('z')]) {
      const memory = recordRefusal(undefined, grown, refusal, NOW, settings);
      expect(Object.keys(memory.azs?.gpu ?? {})).toEqual(['a', 'b']);
      expect(Object.keys(memory.azs?.cpu ?? {})).toEqual([WHOLE_FLAVOR]);
      expect(backoffsAt(memory, NOW)).toBe(3);
    }
  });

  it('doubles the wait with each refusal in a row, up to the max, and keeps other memory as it was', () => {
    const order = { at: NOW - MIN, flavors: { gpu: 2 } };
    let memory = recordRefusal({ order }, { gpu: ['a'] }, soldOut('a'), NOW, settings);
    const waits: number[] = [];
    let now = NOW;
    for (let i = 0; i < 5; i++) {
      waits.push(((memory.azs?.gpu?.a?.until ?? 0) - now) / MIN);
      now = memory.azs?.gpu?.a?.until ?? now;
      memory = recordRefusal(memory, { gpu: ['a'] }, soldOut('a'), now, settings);
    }
    expect(waits).toEqual([5, 10, 20, 30, 30]);
    expect(memory.order).toEqual(order);
    expect(backoffsAt(memory, now)).toBe(1);
  });

  it('backs off each grown flavor in every AZ on a quota refusal, naming the quota', () => {
    const before = {
      azs: { gpu: { a: { cause: 'sold-out', failures: 1, until: NOW, lastFailureAt: NOW } } },
    } as const;
    const quota = { kind: 'quota', code: 'ModelArts.0118', quota: 'quota of GPU cards' } as const;
    const memory = recordRefusal(before, { gpu: ['b'], cpu: [WHOLE_FLAVOR] }, quota, NOW, settings);
    expect(memory.quota).toEqual({
      gpu: {
        cause: 'quota',
        failures: 1,
        until: NOW + 5 * MIN,
        lastFailureAt: NOW,
        code: 'quota of GPU cards',
      },
      cpu: {
        cause: 'quota',
        failures: 1,
        until: NOW + 5 * MIN,
        lastFailureAt: NOW,
        code: 'quota of GPU cards',
      },
    });
    expect(memory.azs).toBe(before.azs);
  });

  it('uses each flavor its own settings, and changes nothing it was given', () => {
    const short = { ...DEFAULT_CAPACITY, backoff: { ...DEFAULT_CAPACITY.backoff, initialSeconds: 60 } };
    const given = { azs: { gpu: {} } };
    const frozen = JSON.stringify(given);
    const memory = recordRefusal(given, { gpu: ['a'], npu: ['a'] }, soldOut('a'), NOW, (flavor) =>
      flavor === 'npu' ? short : DEFAULT_CAPACITY,
    );
    expect(memory.azs?.npu?.a?.until).toBe(NOW + MIN);
    expect(memory.azs?.gpu?.a?.until).toBe(NOW + 5 * MIN);
    expect(JSON.stringify(given)).toBe(frozen);
  });
});

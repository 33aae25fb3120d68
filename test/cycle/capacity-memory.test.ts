// The capacity memory the cycle writes (pure): which AZs a refusal backs off, and how concurrent saves combine.

import { describe, expect, it } from 'vitest';
import { capacityRefusal } from '../../lib/capacity/refusals';
import { DEFAULT_CAPACITY } from '../../lib/capacity/types';
import { growthOf, mergeCapacity, recordRefusal } from '../../lib/cycle/capacity-memory';
import type { PoolPlan } from '../../lib/scaling/plan';

const T0 = Date.UTC(2026, 11, 3, 8);
const settings = () => DEFAULT_CAPACITY;

const planGrowing = (flavors: PoolPlan['flavors']): PoolPlan =>
  ({ key: 'p/x', pool: 'x', action: 'patch', reasons: [], flavors, history: { flavors: {} } }) as PoolPlan;

const decision = (flavor: string, current: number, target: number, before?: number[], after?: number[]) => ({
  flavor,
  managed: true,
  current,
  target,
  available: current,
  creating: 0,
  deleting: 0,
  action: target > current ? ('scale-up' as const) : ('hold' as const),
  reasons: [],
  ...(before ? { azsBefore: before.map((count, i) => ({ az: `az-${i + 1}`, count })) } : {}),
  ...(after ? { azsAfter: after.map((count, i) => ({ az: `az-${i + 1}`, count })) } : {}),
});

describe('capacity memory written by the cycle', () => {
  it('takes the grown AZs of each growing flavor, and "*" for a flavor without azs', () => {
    const plan = planGrowing([
      decision('gpu', 3, 5, [2, 1, 0], [2, 2, 1]),
      decision('cpu', 2, 3),
      decision('npu', 2, 2, [1, 1], [1, 1]),
    ]);
    expect(growthOf(plan)).toEqual([
      { flavor: 'gpu', azs: ['az-2', 'az-3'] },
      { flavor: 'cpu', azs: ['*'] },
    ]);
  });

  it('backs off only the AZ a sold-out message names, when it names one the pool knows', () => {
    const growth = [{ flavor: 'gpu', azs: ['az-2', 'az-3'] }];
    const named = capacityRefusal(
      { errorCode: 'ModelArts.6716', errorMsg: 'flavor gpu is sold out in az-3' },
      ['az-1', 'az-2', 'az-3'],
    );
    const recorded = recordRefusal(undefined, named as NonNullable<typeof named>, growth, settings, T0);
    expect(Object.keys(recorded.memory.azs?.gpu ?? {})).toEqual(['az-3']);
    expect(recorded.backedOff).toEqual({ gpu: ['az-3'] });

    const unnamed = capacityRefusal({ errorCode: 'ModelArts.6716', errorMsg: 'sold out in az-9' }, ['az-2']);
    const all = recordRefusal(undefined, unnamed as NonNullable<typeof unnamed>, growth, settings, T0);
    expect(Object.keys(all.memory.azs?.gpu ?? {})).toEqual(['az-2', 'az-3']);
  });

  it('keeps the later of two saves of a backoff, and the saver’s creatingSince', () => {
    const older = { cause: 'sold-out' as const, failures: 1, until: T0 + 300_000, lastFailureAt: T0 };
    const newer = {
      cause: 'sold-out' as const,
      failures: 2,
      until: T0 + 900_000,
      lastFailureAt: T0 + 300_000,
    };
    const stored = { azs: { gpu: { 'az-1': newer } }, creatingSince: { gpu: T0 } };
    const mine = { azs: { gpu: { 'az-1': older, 'az-2': older } }, creatingSince: {} };
    expect(mergeCapacity(stored, mine)).toEqual({
      azs: { gpu: { 'az-1': newer, 'az-2': older } },
      creatingSince: {},
    });
    expect(mergeCapacity(undefined, mine)).toBe(mine);
    expect(mergeCapacity(stored, undefined)).toBe(stored);
  });
});

import { describe, expect, it } from 'vitest';
import { DEFAULT_CAPACITY } from '../../lib/capacity/types';
import {
  awareStock,
  historyAfterRefusal,
  SOLD_OUT_CODE,
  simulationSetup,
  withStockAware,
} from '../../lib/simulate';
import { emptyHistory } from '../../lib/state/store';

// The planner controller's capacity side: what it gives the planner and what a refusal leaves in its history.

const NOW = Date.UTC(2026, 0, 1);

function policyOf(stockAware?: boolean) {
  const jobs = [
    { id: 'g', arrival: 0, flavor: 'gpu', nodes: 1, runTime: 60, az: 'a' },
    { id: 'n', arrival: 0, flavor: 'npu', nodes: 1, runTime: 60 },
  ];
  return simulationSetup({
    name: 't',
    jobs,
    azs: ['a', 'b'],
    provisioningDelaySeconds: 60,
    deletionDelaySeconds: 0,
    ...(stockAware === undefined ? {} : { stockAware }),
  }).setup;
}

/** A gpu resource with these per-AZ counts. */
const gpu = (azs: Record<string, number>) => ({
  flavor: 'gpu',
  count: Object.values(azs).reduce((a, b) => a + b, 0),
  azs: Object.entries(azs).map(([az, count]) => ({ az, count })),
});
const before = [gpu({ a: 1, b: 1 })];
const body = { spec: { resources: [gpu({ a: 2, b: 2 })] } };
const refusal = {
  status: 400 as const,
  errorCode: SOLD_OUT_CODE,
  message: 'flavor gpu is sold out in a: no node can be added there',
};

describe('the planner controller and capacity', () => {
  it('is stock-aware by default (DEFAULT_CAPACITY), and --stock-aware sets every flavor', () => {
    const { policy } = policyOf();
    expect(policy.flavors.gpu?.capacity?.stockAware ?? DEFAULT_CAPACITY.stockAware).toBe(true);
    expect(awareStock(policy, { gpu: { a: 'soldout' } })).toEqual({ gpu: { a: 'soldout' } });
    const off = policyOf(false).policy;
    expect(off.flavors.gpu?.capacity).toEqual({ ...DEFAULT_CAPACITY, stockAware: false });
    expect(awareStock(off, { gpu: { a: 'soldout' } })).toBeUndefined();
  });

  it('gives the planner the stock of the stock-aware flavors only', () => {
    const { policy } = policyOf();
    const mixed = {
      ...policy,
      flavors: {
        ...policy.flavors,
        npu: { ...policy.flavors.npu, capacity: { ...DEFAULT_CAPACITY, stockAware: false } },
      },
    } as typeof policy;
    expect(awareStock(mixed, { gpu: { a: 'soldout' }, npu: { a: 'soldout' } })).toEqual({
      gpu: { a: 'soldout' },
    });
  });

  it('keeps the history the plan started from after a refusal, with a backoff for the AZ the error names', () => {
    const history = emptyHistory();
    const after = historyAfterRefusal(history, policyOf().policy, refusal, body, before, NOW);
    expect(after.capacity?.azs).toEqual({
      gpu: {
        a: { cause: 'sold-out', failures: 1, until: NOW + 300_000, lastFailureAt: NOW, code: SOLD_OUT_CODE },
      },
    });
    expect(after.flavors).toBe(history.flavors);
  });

  it('records nothing without stock awareness, or for a refusal that is not about capacity', () => {
    const history = emptyHistory();
    expect(historyAfterRefusal(history, policyOf(false).policy, refusal, body, before, NOW)).toBe(history);
    const other = { ...refusal, errorCode: 'ModelArts.50004000' };
    expect(historyAfterRefusal(history, policyOf().policy, other, body, before, NOW)).toBe(history);
  });

  it('withStockAware leaves a policy alone when not asked', () => {
    const { policy } = policyOf();
    expect(withStockAware(policy, undefined)).toBe(policy);
  });
});

import { describe, expect, it } from 'vitest';
import { benchCycleCost, benchPools, formatCycleCost } from '../../bench/cycle-cost';

// The cycle-cost benchmark's fleet and counts on a small fleet; wall times are the benchmark's business.

describe('the cycle-cost benchmark', () => {
  it('builds a fleet where every tenth pool needs a change', () => {
    const pools = benchPools(30, 10);
    expect(
      pools.filter((pool) => pool.spec.resources[0]?.count === 2).map((p) => p.metadata.name),
    ).toHaveLength(3);
    expect(new Set(pools.map((pool) => pool.metadata.name)).size).toBe(30);
  });

  it('counts one list, and one GET and one PATCH per changed pool, through the real cycle', async () => {
    const figures = await benchCycleCost({ pools: 40, latencyMs: 0, concurrencies: [4], runs: 1 });
    expect(figures).toMatchObject({ pools: 40, changedPools: 4 });
    const [run] = figures.runs;
    expect(run).toMatchObject({
      concurrency: 4,
      requests: { listPools: 1, getPool: 4, patchPool: 4 },
      patched: 4,
      unchanged: 36,
      failed: 0,
      requestsAsExpected: true,
    });
    expect(formatCycleCost(figures)).toContain('requests: getPool 4, listPools 1, patchPool 4');
  });
});

import { describe, expect, it } from 'vitest';
import { benchCycleCost, benchPools, formatCycleCost, POOL_KINDS } from '../../bench/cycle-cost';
import { workerSettings } from '../../bench/serverless-settings';

// The cycle-cost benchmark's fleet and counts on a small fleet; wall times are the benchmark's business.

describe('the cycle-cost benchmark', () => {
  it('builds a fleet where every tenth pool changes, scale-ups and scale-ins taking turns', () => {
    const pools = benchPools(40, 10);
    const counts = pools.map((pool) => pool.spec.resources[0]?.count);
    expect(counts.filter((count) => count === 2)).toHaveLength(2);
    expect(counts.filter((count) => count === 6)).toHaveLength(2);
    expect(counts.filter((count) => count === 4)).toHaveLength(36);
    expect(new Set(pools.map((pool) => pool.metadata.name)).size).toBe(40);
    expect(POOL_KINDS).toEqual({
      unchanged: {},
      'scale-up': { getPool: 1, patchPool: 1 },
      'scale-in': { getPool: 1, listNodes: 1, listWorkloads: 1, drainNodes: 1 },
    });
  });

  it('runs the workers as serverless.yml deploys them', async () => {
    expect(await workerSettings()).toEqual({ batchSize: 1, concurrency: 5 });
  });

  it('counts, on both paths, one list, a GET and a PATCH per scale-up, a GET, the nodes, the workloads and a drain per scale-in, and none for the others', async () => {
    const figures = await benchCycleCost({ pools: 40, latencyMs: 0, runs: 1 });
    expect(figures).toMatchObject({ pools: 40, kinds: { 'scale-up': 2, 'scale-in': 2, unchanged: 36 } });
    const [single, fanOut] = figures.runs;
    for (const run of [single, fanOut])
      expect(run).toMatchObject({
        requests: {
          modelarts: {
            listPools: 1,
            getPool: 4,
            patchPool: 2,
            listNodes: 2,
            listWorkloads: 2,
            drainNodes: 2,
          },
        },
        outcomes: { patched: 2, drained: 2, unchanged: 36 },
        requestsAsExpected: true,
      });
    expect(single).toMatchObject({ path: 'single', requests: { invocations: { scheduled: 1 } } });
    // Four SendMessageBatch requests for 40 messages; one worker invocation per message.
    expect(fanOut).toMatchObject({
      path: 'fan-out',
      requests: { sqs: { SendMessageBatch: 4 }, invocations: { scheduled: 1, worker: 40 } },
    });
    // The state is in DynamoDB, not memory: one save per pool, and the histories read in batches of 100
    // (one for the single path's 40 pools; one per worker message); the changed pools' under their lease.
    // Plus the shared flavor stock: one GetItem per invocation that grows a pool (issue #15).
    for (const run of [single, fanOut]) expect(run?.requests.dynamodb.UpdateItem).toBeGreaterThanOrEqual(40);
    expect(single?.requests.modelarts.listFlavors).toBe(1);
    expect(single?.requests.dynamodb.GetItem).toBe(4 + 1);
    expect(fanOut?.requests.modelarts.listFlavors).toBeGreaterThanOrEqual(1);
    expect(fanOut?.requests.modelarts.listFlavors).toBeLessThanOrEqual(2);
    expect(fanOut?.requests.dynamodb.GetItem).toBe(4 + 2);
    expect(single?.requests.dynamodb.BatchGetItem).toBe(1);
    expect(fanOut?.requests.dynamodb.BatchGetItem).toBe(40);
    const text = formatCycleCost(figures);
    expect(text).toContain(
      'modelarts: drainNodes 2, getPool 4, listFlavors 1, listNodes 2, listPools 1, listWorkloads 2, patchPool 2',
    );
    expect(text).toContain('dynamodb: BatchGetItem 1, GetItem 5, UpdateItem');
    expect(text).toContain('state in dynalite (own process), 5 ms added per DynamoDB request');
  });
});

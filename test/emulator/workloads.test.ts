// The emulator's workload APIs over real HTTP, and its per-pool job queue.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FlavorStockStore } from '../../emulator/flavor-stock';
import { PoolStore } from '../../emulator/pool-store';
import type { EmulatorState } from '../../emulator/route';
import {
  handleWorkloadsAdmin,
  listWorkloads,
  seedWorkloads,
  setPoolWorkloads,
  workloadsOf,
} from '../../emulator/routes/workloads';
import { type Emulator, loadSeedPools, startEmulator } from '../../emulator/server';
import { TokenStore } from '../../emulator/tokens';
import { parsePool } from '../../lib/modelarts/schemas';
import { WorkloadListSchema, WorkloadStatisticsSchema } from '../../lib/modelarts/workloads';

const MULTI = 'multi-gpu-pool-fb414673d35cd05c56b692b7599755e9';
const T4 = 'modelarts.vm.gpu.t4u8';
const TNT = 'modelarts.vm.gpu.tnt004';

let emulator: Emulator;
beforeEach(async () => {
  emulator = await startEmulator();
});
afterEach(async () => {
  await emulator.close();
});

async function get(path: string) {
  const response = await fetch(`${emulator.url}/v2/${emulator.projectId}${path}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const list = async (pool: string, query = '') => {
  const { status, body } = await get(`/pools/${pool}/workloads${query}`);
  expect(status).toBe(200);
  return WorkloadListSchema.parse(body);
};

describe('emulator workload list', () => {
  it('lists a seed pool’s jobs of several flavors and states, newest first', async () => {
    const page = await list(MULTI);
    const seeded = seedWorkloads()[MULTI] ?? [];

    expect(page.kind).toBe('WorkloadList');
    expect(page.total).toBe(seeded.length);
    expect(new Set(page.items.map((job) => job.flavor))).toEqual(new Set([T4, TNT]));
    expect(new Set(page.items.map((job) => job.status))).toEqual(
      new Set(['Queue', 'Pending', 'Running', 'Completed', 'Failed']),
    );
    const times = page.items.map((job) => Number(job.createTime));
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it('filters by repeated type keys and by status', async () => {
    const notebooksAndInference = await list(MULTI, '?type=notebook&type=infer');
    const queued = await list(MULTI, '?status=Queue');

    expect(new Set(notebooksAndInference.items.map((job) => job.type))).toEqual(
      new Set(['notebook', 'infer']),
    );
    expect(queued.items.length).toBeGreaterThan(0);
    expect(queued.items.every((job) => job.status === 'Queue')).toBe(true);
  });

  it('pages with offset and limit, in a stable order', async () => {
    const all = await list(MULTI, '?sort=create_time&ascend=true');
    const pages = [await list(MULTI, '?sort=create_time&ascend=true&offset=0&limit=4')];
    pages.push(await list(MULTI, '?sort=create_time&ascend=true&offset=4&limit=4'));
    pages.push(await list(MULTI, '?sort=create_time&ascend=true&offset=8&limit=4'));

    expect(pages.flatMap((page) => page.items.map((job) => job.uid))).toEqual(
      all.items.map((job) => job.uid),
    );
    expect(pages.map((page) => page.total)).toEqual([all.total, all.total, all.total]);
  });

  it('refuses a page over 500, an unknown status and an unknown pool as ModelArts does', async () => {
    const tooBig = await get(`/pools/${MULTI}/workloads?limit=501`);
    const badStatus = await get(`/pools/${MULTI}/workloads?status=Queued`);
    const noPool = await get('/pools/no-such-pool/workloads');

    expect(tooBig).toMatchObject({ status: 400, body: { error_code: 'ModelArts.50004000' } });
    expect(badStatus).toMatchObject({ status: 400, body: { error_msg: expect.stringContaining('status') } });
    expect(noPool).toMatchObject({ status: 404, body: { error_code: 'ModelArts.50015001' } });
  });

  it('records workload requests under their route names, so faults can target them', async () => {
    emulator.failNext('listWorkloads', 1, { status: 503, errorCode: 'ModelArts.5039' });
    const failed = await get(`/pools/${MULTI}/workloads`);
    await get(`/statistics/pools/${MULTI}/workloads`);

    expect(failed.status).toBe(503);
    expect(emulator.requests.map((request) => [request.route, request.status])).toEqual([
      ['listWorkloads', 503],
      ['workloadStats', 200],
    ]);
  });
});

describe('emulator workload statistics', () => {
  it('counts a pool’s jobs per type and state, omitting empty states', async () => {
    const { status, body } = await get(`/statistics/pools/${MULTI}/workloads`);
    const statistics = WorkloadStatisticsSchema.parse(body);
    const jobs = seedWorkloads()[MULTI] ?? [];

    expect(status).toBe(200);
    for (const item of statistics.items) {
      const ofType = jobs.filter((job) => job.type === item.type);
      expect(item.total).toBe(ofType.length);
      for (const [state, count] of Object.entries(item.status)) {
        expect(count).toBe(ofType.filter((job) => job.status === state).length);
        expect(count).toBeGreaterThan(0);
      }
    }
    expect(statistics.items.reduce((sum, item) => sum + (item.total ?? 0), 0)).toBe(jobs.length);
  });
});

describe('emulator workload queue (admin)', () => {
  const now = () => 1_750_000_000_000;
  const stateOf = async (): Promise<EmulatorState> => ({
    projectId: 'emulator-project',
    pools: new PoolStore((await loadSeedPools()).map(parsePool), now, 30_000),
    flavorStock: new FlavorStockStore(),
    tokens: new TokenStore(),
    auth: { mode: 'open' },
    now,
  });
  const listed = (state: EmulatorState, query = '') =>
    WorkloadListSchema.parse(
      (
        listWorkloads.handle({
          params: { project_id: state.projectId, pool_name: MULTI },
          query: new URLSearchParams(query),
          headers: {},
          body: undefined,
          state,
        }) as { body: unknown }
      ).body,
    );

  it('replaces a pool’s jobs, filling ids, times and nodes from a short form', async () => {
    const state = await stateOf();
    const result = handleWorkloadsAdmin(
      'POST',
      `/__admin/pools/${MULTI}/workloads`,
      JSON.stringify({
        items: [
          { flavor: T4, status: 'Queue', nodeCount: 3 },
          { flavor: T4, status: 'Running', nodeCount: 2, type: 'infer' },
        ],
      }),
      state,
    );
    const jobs = listed(state).items;

    expect(result?.status).toBe(200);
    expect(jobs).toHaveLength(2);
    const queued = jobs.find((job) => job.status === 'Queue');
    const running = jobs.find((job) => job.status === 'Running');
    expect(queued).toMatchObject({ type: 'train', createTime: now() });
    expect(queued?.nodes).toHaveLength(3);
    expect(queued?.hostIps).toBe('');
    expect(running?.nodes?.every((node) => typeof node.hostIp === 'string')).toBe(true);
    expect(running?.hostIps?.split(',')).toHaveLength(2);
    expect(new Set(jobs.map((job) => job.uid)).size).toBe(2);
  });

  it('drains a queue to nothing and reads it back', async () => {
    const state = await stateOf();
    setPoolWorkloads(state, MULTI, []);
    expect(listed(state).items).toEqual([]);
    expect(handleWorkloadsAdmin('GET', `/__admin/pools/${MULTI}/workloads`, undefined, state)?.body).toEqual({
      pool: MULTI,
      items: [],
    });
  });

  it('refuses a job without a known status, naming the field, and an unknown pool', async () => {
    const state = await stateOf();
    expect(() => setPoolWorkloads(state, MULTI, [{ flavor: T4, status: 'Queued' }])).toThrow(
      /items\[0\]\.status/,
    );
    expect(() => setPoolWorkloads(state, 'no-such-pool', [])).toThrow(/not found/);
    expect(listed(state).total).toBe(seedWorkloads()[MULTI]?.length);
  });

  it('keeps each emulator’s queues apart and resets to the seed', async () => {
    const [a, b] = [await stateOf(), await stateOf()];
    setPoolWorkloads(a, MULTI, [{ flavor: T4, status: 'Queue' }]);
    expect(listed(a).total).toBe(1);
    expect(listed(b).total).toBe(seedWorkloads()[MULTI]?.length);
    workloadsOf(a).reset();
    expect(listed(a).total).toBe(seedWorkloads()[MULTI]?.length);
  });

  it('leaves other admin paths to the emulator', async () => {
    expect(handleWorkloadsAdmin('POST', '/__admin/reset', undefined, await stateOf())).toBeUndefined();
  });
});

// The emulator's capacity answers over real HTTP (issue #15): sold-out and quota refusals with the documented
// codes, ScalingFailed after a refusal, the order a PATCH starts, and nodes that never come up. Every answer the
// docs leave open is played both ways, at start, from a test and over the admin routes.

import { describe, expect, it } from 'vitest';
import { loadSeedPools } from '../../emulator/server';
import { capacityRefusal } from '../../lib/capacity/refusals';
import {
  azCounts,
  CPU,
  call,
  counts,
  emulatorFor,
  getPool,
  type Json,
  listNodes,
  multiGpuResources,
  patchPool,
  resize,
  seedPool,
  T0,
  T4,
  TRANSITION_MS,
  testClock,
} from './harness';

const MULTI = seedPool('multi-gpu-pool');
const SINGLE = seedPool('single-flavor-pool');
const ORDER_LABEL = 'os.modelarts/order.name';
const AZS = ['cn-north-7a', 'cn-north-7b', 'cn-north-7c'];

/** The multi-GPU pool growing t4u8 by one node in cn-north-7a. */
const growT4In7a = () => resize(...multiGpuResources([3, 2, 1], [1, 2]));

describe('emulator sold-out stock', () => {
  it('refuses growth into a sold-out AZ with 400 ModelArts.6716 naming the AZ, and changes nothing', async () => {
    const emulator = await emulatorFor({ flavorStock: { [T4]: { 'cn-north-7a': 'soldout' } } });
    const before = emulator.pool(MULTI);
    const nodesBefore = emulator.nodes(MULTI).nodes;
    const { status, body } = await patchPool(emulator, MULTI, growT4In7a());
    expect(status).toBe(400);
    expect(body.error_code).toBe('ModelArts.6716');
    expect(body.error_msg).toContain('cn-north-7a');
    expect(body.error_msg).toContain(T4);
    expect(capacityRefusal({ errorCode: body.error_code, errorMsg: body.error_msg }, AZS)).toEqual({
      kind: 'sold-out',
      code: 'ModelArts.6716',
      az: 'cn-north-7a',
    });
    expect(emulator.pool(MULTI)).toEqual(before);
    expect(emulator.nodes(MULTI).nodes).toEqual(nodesBefore);
  });

  it('grows the AZs that have stock while another AZ of the flavor is sold out', async () => {
    const emulator = await emulatorFor({ flavorStock: { [T4]: { 'cn-north-7a': 'soldout' } } });
    const { status, body } = await patchPool(
      emulator,
      MULTI,
      resize(...multiGpuResources([2, 3, 1], [1, 2])),
    );
    expect(status).toBe(200);
    expect(azCounts(body, 'creating', T4)).toEqual({ 'cn-north-7b': 1 });
    // Shrinking in a sold-out AZ is never refused.
    const down = await patchPool(emulator, MULTI, resize(...multiGpuResources([1, 3, 1], [1, 2])));
    expect(down.status).toBe(200);
  });

  it('answers with the configured sold-out code, naming the AZ or not, as set at start, by a test or over the admin route', async () => {
    const emulator = await emulatorFor({
      flavorStock: { [T4]: { 'cn-north-7a': 'soldout' } },
      capacity: { soldOutCode: 'ModelArts.6329', soldOutNamesAz: false },
    });
    const first = (await patchPool(emulator, MULTI, growT4In7a())).body;
    expect(first.error_code).toBe('ModelArts.6329');
    expect(first.error_msg).not.toContain('cn-north-7a');
    expect(capacityRefusal({ errorCode: first.error_code, errorMsg: first.error_msg }, AZS)).toEqual({
      kind: 'sold-out',
      code: 'ModelArts.6329',
    });
    emulator.setCapacityRules({ soldOutCode: 'ModelArts.4992' });
    expect((await patchPool(emulator, MULTI, growT4In7a())).body.error_code).toBe('ModelArts.4992');
    const set = await call(emulator, 'POST', '/__admin/capacity', { body: { soldOutNamesAz: true } });
    expect(set.body).toMatchObject({ soldOutCode: 'ModelArts.4992', soldOutNamesAz: true });
    expect((await patchPool(emulator, MULTI, growT4In7a())).body.error_msg).toContain('cn-north-7a');
    await call(emulator, 'POST', '/__admin/reset');
    expect((await call(emulator, 'GET', '/__admin/capacity')).body).toMatchObject({
      soldOutCode: 'ModelArts.6329',
      soldOutNamesAz: false,
    });
  });

  it('refuses a code that is not a sold-out code, naming the field', async () => {
    const emulator = await emulatorFor();
    const { status, body } = await call(emulator, 'POST', '/__admin/capacity', {
      body: { soldOutCode: 'ModelArts.0118' },
    });
    expect(status).toBe(400);
    expect(body.error_msg).toContain('soldOutCode');
  });

  it('places a flavor without azs in its emptiest AZ with stock, and refuses only when all its AZs are sold out', async () => {
    // The single-flavor pool with its three nodes split 1 in cn-north-7a, 2 in cn-north-7b.
    const pools = (await loadSeedPools()) as Json[];
    const single = pools.find((pool) => pool.metadata.name === SINGLE);
    single.status.resources.available = [
      {
        flavor: CPU,
        count: 3,
        azs: [
          { az: 'cn-north-7a', count: 1 },
          { az: 'cn-north-7b', count: 2 },
        ],
      },
    ];
    const emulator = await emulatorFor({ pools, flavorStock: { [CPU]: { 'cn-north-7a': 'soldout' } } });
    const grown = await patchPool(emulator, SINGLE, resize({ flavor: CPU, count: 4 }));
    expect(grown.status).toBe(200);
    // Without the stock, cn-north-7a (the emptiest) would have taken the node.
    expect(azCounts(grown.body, 'creating', CPU)).toEqual({ 'cn-north-7b': 1 });
    expect(grown.body.spec.resources).toEqual([{ flavor: CPU, count: 4 }]);

    emulator.setFlavorStock({ [CPU]: { 'cn-north-7b': 'soldout' } });
    const refused = await patchPool(emulator, SINGLE, resize({ flavor: CPU, count: 5 }));
    expect(refused.status).toBe(400);
    expect(refused.body.error_code).toBe('ModelArts.6716');
    expect(refused.body.error_msg).toContain('cn-north-7a, cn-north-7b');
    expect(emulator.pool(SINGLE)?.spec.resources).toEqual([{ flavor: CPU, count: 4 }]);
  });
});

describe('emulator quotas', () => {
  it('refuses growth past a per-flavor node quota summed over the project pools with 400 ModelArts.0118 naming the quota', async () => {
    // t4u8: 2 nodes in the billing-restricted pool, 5 in the multi-GPU pool.
    const emulator = await emulatorFor({ capacity: { quotas: { [T4]: 8 } } });
    const up = (t4: number) => resize(...multiGpuResources([2, 2, t4], [1, 2]));
    expect((await patchPool(emulator, MULTI, up(2))).status).toBe(200);
    const before = emulator.pool(MULTI);
    const { status, body } = await patchPool(emulator, MULTI, up(3));
    expect(status).toBe(400);
    expect(body.error_code).toBe('ModelArts.0118');
    expect(body.error_msg).toContain('quota per flavor is 8');
    expect(body.error_msg).toContain(`${T4} would have 9 nodes`);
    const parsed = capacityRefusal({ errorCode: body.error_code, errorMsg: body.error_msg }, AZS);
    expect(parsed).toEqual({
      kind: 'quota',
      code: 'ModelArts.0118',
      quota: 'Quota insufficient: node quota per flavor is 8',
    });
    expect(emulator.pool(MULTI)).toEqual(before);
    // Shrinking a flavor over its quota is not refused.
    emulator.setCapacityRules({ quotas: { [T4]: 1 } });
    expect((await patchPool(emulator, MULTI, up(1))).status).toBe(200);
  });

  it('answers 400 ModelArts.2815 or 403 ModelArts.5040 when set so', async () => {
    const emulator = await emulatorFor({ capacity: { quotas: { [T4]: 7 }, quotaCode: 'ModelArts.2815' } });
    const first = await patchPool(emulator, MULTI, growT4In7a());
    expect([first.status, first.body.error_code]).toEqual([400, 'ModelArts.2815']);
    await call(emulator, 'POST', '/__admin/capacity', { body: { quotaCode: 'ModelArts.5040' } });
    const second = await patchPool(emulator, MULTI, growT4In7a());
    expect([second.status, second.body.error_code]).toEqual([403, 'ModelArts.5040']);
  });
});

describe('emulator ScalingFailed', () => {
  it('turns the pool ScalingFailed after a refused scale-out when set, until the admin route puts it back to Running', async () => {
    const emulator = await emulatorFor({
      flavorStock: { [T4]: { 'cn-north-7a': 'soldout' } },
      capacity: { scalingFailed: true },
    });
    expect((await patchPool(emulator, MULTI, growT4In7a())).status).toBe(400);
    expect((await getPool(emulator, MULTI)).body.status.phase).toBe('ScalingFailed');
    const again = await patchPool(emulator, MULTI, resize(...multiGpuResources([2, 3, 1], [1, 2])));
    expect(again.body.error_code).toBe('ModelArts.2887');
    await call(emulator, 'POST', `/__admin/pools/${MULTI}`, { body: { phase: 'Running' } });
    expect((await patchPool(emulator, MULTI, resize(...multiGpuResources([2, 3, 1], [1, 2])))).status).toBe(
      200,
    );
  });

  it('leaves the pool Running after a refusal by default', async () => {
    const emulator = await emulatorFor({ flavorStock: { [T4]: { 'cn-north-7a': 'soldout' } } });
    expect((await patchPool(emulator, MULTI, growT4In7a())).status).toBe(400);
    expect((await getPool(emulator, MULTI)).body.status.phase).toBe('Running');
  });
});

describe('emulator orders', () => {
  it('labels the PATCH answer with a fresh order name, and GET keeps it after the order is done by default', async () => {
    const clock = testClock();
    const emulator = await emulatorFor({ now: clock.now });
    const first = (await patchPool(emulator, MULTI, growT4In7a())).body.metadata.labels[ORDER_LABEL];
    expect(first).toMatch(/^CS/);
    clock.advance(TRANSITION_MS);
    expect((await getPool(emulator, MULTI)).body.metadata.labels[ORDER_LABEL]).toBe(first);
    const second = (await patchPool(emulator, MULTI, resize(...multiGpuResources([3, 3, 1], [1, 2])))).body;
    expect(second.metadata.labels[ORDER_LABEL]).not.toBe(first);
  });

  it('drops the label once the order is done when set so', async () => {
    const clock = testClock();
    const emulator = await emulatorFor({ now: clock.now, capacity: { keepOrderLabel: false } });
    const answer = (await patchPool(emulator, MULTI, growT4In7a())).body;
    expect(answer.metadata.labels[ORDER_LABEL]).toMatch(/^CS/);
    clock.advance(TRANSITION_MS - 1);
    expect((await getPool(emulator, MULTI)).body.metadata.labels[ORDER_LABEL]).toBe(
      answer.metadata.labels[ORDER_LABEL],
    );
    clock.advance(1);
    expect((await getPool(emulator, MULTI)).body.metadata.labels).not.toHaveProperty(ORDER_LABEL);
  });

  it('changes the count at once but shows the new nodes only orderSeconds later', async () => {
    const clock = testClock();
    const emulator = await emulatorFor({ now: clock.now, capacity: { orderSeconds: 120 } });
    const answer = (await patchPool(emulator, MULTI, growT4In7a())).body;
    expect(answer.spec.resources[0].count).toBe(6);
    expect(counts(answer, 'creating')).toEqual({});
    clock.advance(119_000);
    expect(counts((await getPool(emulator, MULTI)).body, 'creating')).toEqual({});
    clock.advance(1_000);
    const started = (await getPool(emulator, MULTI)).body;
    expect(azCounts(started, 'creating', T4)).toEqual({ 'cn-north-7a': 1 });
    const created = (await listNodes(emulator, MULTI)).body.items.find(
      (node: Json) => node.status.phase === 'Creating',
    );
    expect(created.metadata.creationTimestamp).toBe(new Date(T0 + 120_000).toISOString().replace('.000', ''));
    clock.advance(TRANSITION_MS);
    expect(counts((await getPool(emulator, MULTI)).body, 'available')[T4]).toBe(6);
  });

  it('answers 409 ModelArts.5044 to a PATCH while an order runs when set so, and takes it once the order is done', async () => {
    const clock = testClock();
    const emulator = await emulatorFor({ now: clock.now, capacity: { conflictWhileOrder: true } });
    expect((await patchPool(emulator, MULTI, growT4In7a())).status).toBe(200);
    const next = resize(...multiGpuResources([3, 3, 1], [1, 2]));
    const conflict = await patchPool(emulator, MULTI, next);
    expect([conflict.status, conflict.body.error_code]).toEqual([409, 'ModelArts.5044']);
    expect(emulator.pool(MULTI)?.spec.resources[0]?.count).toBe(6);
    clock.advance(TRANSITION_MS);
    expect((await patchPool(emulator, MULTI, next)).status).toBe(200);
  });

  it('takes a PATCH while an order runs by default', async () => {
    const emulator = await emulatorFor({ capacity: { orderSeconds: 60 } });
    expect((await patchPool(emulator, MULTI, growT4In7a())).status).toBe(200);
    expect((await patchPool(emulator, MULTI, resize(...multiGpuResources([3, 3, 1], [1, 2])))).status).toBe(
      200,
    );
  });
});

describe('emulator node faults', () => {
  it('keeps the next nodes of a flavor and AZ Creating forever, in the node list and status.resources.creating', async () => {
    const clock = testClock();
    const emulator = await emulatorFor({
      now: clock.now,
      nodeFaults: [{ flavor: T4, az: 'cn-north-7c', count: 1 }],
    });
    const grow = resize(...multiGpuResources([3, 2, 3], [1, 2]));
    expect((await patchPool(emulator, MULTI, grow)).status).toBe(200);
    clock.advance(10 * TRANSITION_MS);
    const pool = (await getPool(emulator, MULTI)).body;
    expect(azCounts(pool, 'creating', T4)).toEqual({ 'cn-north-7c': 1 });
    expect(azCounts(pool, 'available', T4)).toEqual({ 'cn-north-7a': 3, 'cn-north-7b': 2, 'cn-north-7c': 2 });
    const stuck = (await listNodes(emulator, MULTI)).body.items.filter(
      (node: Json) => node.status.phase === 'Creating',
    );
    expect(stuck.map((node: Json) => [node.spec.flavor, node.status.az])).toEqual([[T4, 'cn-north-7c']]);
    expect(stuck[0].metadata.creationTimestamp).toBe(new Date(T0).toISOString().replace('.000', ''));
    expect(emulator.nodeFaults()).toEqual([]);
  });

  it('brings the next nodes of a flavor up Abnormal, in the node list and status.resources.abnormal', async () => {
    const clock = testClock();
    const emulator = await emulatorFor({ now: clock.now });
    emulator.addNodeFault({ flavor: T4, count: 2, outcome: 'abnormal' });
    await patchPool(emulator, MULTI, resize(...multiGpuResources([3, 2, 2], [1, 2])));
    expect(azCounts((await getPool(emulator, MULTI)).body, 'creating', T4)).toEqual({
      'cn-north-7a': 1,
      'cn-north-7c': 1,
    });
    clock.advance(TRANSITION_MS);
    const pool = (await getPool(emulator, MULTI)).body;
    expect(azCounts(pool, 'abnormal', T4)).toEqual({ 'cn-north-7a': 1, 'cn-north-7c': 1 });
    expect(counts(pool, 'available')[T4]).toBe(5);
    const abnormal = (await listNodes(emulator, MULTI)).body.items.filter(
      (node: Json) => node.status.phase === 'Abnormal',
    );
    expect(abnormal).toHaveLength(2);
  });

  it('queues faults over the admin route, lists those waiting, and reset restores the starting ones', async () => {
    const clock = testClock();
    const emulator = await emulatorFor({ now: clock.now, nodeFaults: [{ flavor: CPU, count: 3 }] });
    const added = await call(emulator, 'POST', '/__admin/node-faults', {
      body: { flavor: T4, az: 'cn-north-7a', count: 1 },
    });
    expect(added.body).toEqual([
      { flavor: CPU, count: 3, outcome: 'stuck' },
      { flavor: T4, az: 'cn-north-7a', count: 1, outcome: 'stuck' },
    ]);
    await patchPool(emulator, MULTI, growT4In7a());
    expect((await call(emulator, 'GET', '/__admin/node-faults')).body).toEqual([
      { flavor: CPU, count: 3, outcome: 'stuck' },
    ]);
    await call(emulator, 'POST', '/__admin/reset');
    expect(emulator.nodeFaults()).toEqual([{ flavor: CPU, count: 3, outcome: 'stuck' }]);
    const bad = await call(emulator, 'POST', '/__admin/node-faults', { body: { flavor: T4, count: 0 } });
    expect(bad.status).toBe(400);
    expect(bad.body.error_msg).toContain('count');
  });
});

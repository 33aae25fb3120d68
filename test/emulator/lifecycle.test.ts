import { describe, expect, it } from 'vitest';
import {
  azCounts,
  CPU,
  counts,
  emulatorFor,
  getPool,
  multiGpuResources,
  patchPool,
  resize,
  seedPool,
  T4,
  TNT,
  TRANSITION_MS,
  testClock,
} from './harness';

async function setup() {
  const clock = testClock();
  const emulator = await emulatorFor({ now: clock.now });
  return { clock, emulator };
}

describe('growth', () => {
  it('shows new nodes as creating, per AZ, until transitionMs has passed, then as available', async () => {
    const { clock, emulator } = await setup();
    const name = seedPool('multi-gpu-pool');
    const resources = multiGpuResources([3, 3, 2], [1, 2]);
    await patchPool(emulator, name, { spec: { resources } });

    clock.advance(TRANSITION_MS - 1);
    let pool = (await getPool(emulator, name)).body;
    expect(pool.spec.resources).toEqual(resources);
    expect(azCounts(pool, 'creating', T4)).toEqual({ 'cn-north-7a': 1, 'cn-north-7b': 1, 'cn-north-7c': 1 });
    expect(counts(pool, 'available')).toEqual({ [T4]: 5, [TNT]: 3 });

    clock.advance(1);
    pool = (await getPool(emulator, name)).body;
    expect(pool.status.resources.creating).toBeUndefined();
    expect(azCounts(pool, 'available', T4)).toEqual({ 'cn-north-7a': 3, 'cn-north-7b': 3, 'cn-north-7c': 2 });
    expect(counts(pool, 'available')).toEqual({ [T4]: 8, [TNT]: 3 });
  });

  it('keeps the status.resources array shape of the documentation', async () => {
    const { emulator } = await setup();
    const { body } = await patchPool(
      emulator,
      seedPool('single-flavor-pool'),
      resize({ flavor: CPU, count: 4 }),
    );
    expect(body.status.resources).toEqual({
      creating: [{ flavor: CPU, count: 1, azs: [{ az: 'cn-north-7b', count: 1 }] }],
      available: [{ flavor: CPU, count: 3, azs: [{ az: 'cn-north-7b', count: 3 }] }],
    });
  });

  it('spreads growth of a flavor without azs over its emptiest AZ', async () => {
    const { clock, emulator } = await setup();
    const name = seedPool('multi-gpu-pool');
    const { body } = await patchPool(
      emulator,
      name,
      resize({ flavor: T4, count: 7 }, { flavor: TNT, count: 3 }),
    );
    expect(azCounts(body, 'creating', T4)).toEqual({ 'cn-north-7c': 1, 'cn-north-7a': 1 });
    clock.advance(TRANSITION_MS);
    expect(azCounts((await getPool(emulator, name)).body, 'available', T4)).toEqual({
      'cn-north-7a': 3,
      'cn-north-7b': 2,
      'cn-north-7c': 2,
    });
  });
});

describe('shrinkage', () => {
  it('moves removed nodes from available to deleting at once; they disappear after transitionMs', async () => {
    const { clock, emulator } = await setup();
    const name = seedPool('single-flavor-pool');
    const { body } = await patchPool(emulator, name, resize({ flavor: CPU, count: 1 }));
    expect(counts(body, 'available')).toEqual({ [CPU]: 1 });
    expect(counts(body, 'deleting')).toEqual({ [CPU]: 2 });

    clock.advance(TRANSITION_MS);
    const pool = (await getPool(emulator, name)).body;
    expect(pool.status.resources).toEqual({
      available: [{ flavor: CPU, count: 1, azs: [{ az: 'cn-north-7b', count: 1 }] }],
    });
  });

  it('deletes per AZ as the new split says', async () => {
    const { emulator } = await setup();
    const { body } = await patchPool(emulator, seedPool('multi-gpu-pool'), {
      spec: { resources: multiGpuResources([2, 1, 0], [1, 2]) },
    });
    expect(azCounts(body, 'deleting', T4)).toEqual({ 'cn-north-7b': 1, 'cn-north-7c': 1 });
  });

  it('removes a dropped flavor entirely once its nodes are deleted', async () => {
    const { clock, emulator } = await setup();
    const name = seedPool('multi-gpu-pool');
    const t4 = emulator.pool(name)?.spec.resources[0];
    await patchPool(emulator, name, { spec: { resources: [t4] } });
    clock.advance(TRANSITION_MS);
    expect(counts((await getPool(emulator, name)).body, 'available')).toEqual({ [T4]: 5 });
  });
});

describe('changes while nodes are in flight', () => {
  it('cancels nodes still being created before deleting available ones', async () => {
    const { clock, emulator } = await setup();
    const name = seedPool('single-flavor-pool');
    await patchPool(emulator, name, resize({ flavor: CPU, count: 6 }));
    clock.advance(TRANSITION_MS / 2);
    const { body } = await patchPool(emulator, name, resize({ flavor: CPU, count: 4 }));
    expect(counts(body, 'creating')).toEqual({ [CPU]: 1 });
    expect(counts(body, 'deleting')).toEqual({});
    expect(counts(body, 'available')).toEqual({ [CPU]: 3 });
  });

  it('counts in-flight nodes, so repeating a target adds nothing', async () => {
    const { clock, emulator } = await setup();
    const name = seedPool('single-flavor-pool');
    await patchPool(emulator, name, resize({ flavor: CPU, count: 5 }));
    clock.advance(TRANSITION_MS / 2);
    const { body } = await patchPool(emulator, name, resize({ flavor: CPU, count: 5 }));
    expect(counts(body, 'creating')).toEqual({ [CPU]: 2 });
    // The first operation's nodes finish on their own schedule.
    clock.advance(TRANSITION_MS / 2);
    expect(counts((await getPool(emulator, name)).body, 'available')).toEqual({ [CPU]: 5 });
  });
});

describe('seeded pools', () => {
  it('show their seeded in-flight nodes finishing transitionMs after start, while a seeded phase stays', async () => {
    const { clock, emulator } = await setup();
    const name = seedPool('creating-pool');
    expect(counts((await getPool(emulator, name)).body, 'creating')).toEqual({ [CPU]: 2 });
    clock.advance(TRANSITION_MS);
    const pool = (await getPool(emulator, name)).body;
    expect(counts(pool, 'available')).toEqual({ [CPU]: 2 });
    expect(pool.status.phase).toBe('Creating');
  });

  it('keep abnormal nodes as abnormal', async () => {
    const { emulator } = await setup();
    const pool = (await getPool(emulator, seedPool('abnormal-pool'))).body;
    expect(counts(pool, 'abnormal')).toEqual({ [CPU]: 1 });
    expect(counts(pool, 'available')).toEqual({ [CPU]: 1 });
  });
});

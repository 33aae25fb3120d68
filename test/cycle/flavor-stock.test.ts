// The flavor stock through the cycle against the emulator over HTTP: read once per cycle per connection where a
// pool grows, shared through the state store for 60 s across cycles and fanned-out workers, unknown (and reported
// once) when the read fails, fresh and unwritten in a dry run, and not read at all when nothing grows or no flavor
// is stock-aware.

import { afterEach, describe, expect, it } from 'vitest';
import { STOCK_SHARE_MS, stockKey } from '../../lib/cycle/read-stock';
import { type CapacityRig, capacityRig, FLAVOR } from './capacity-harness';

const stockReads = (rig: CapacityRig) => rig.routes().filter((route) => route === 'listFlavors').length;

describe('flavor stock in the cycle', () => {
  let rig: CapacityRig;
  afterEach(() => rig?.close());

  it('is read once per cycle per connection, however many pools it has, and given to each pool', async () => {
    rig = await capacityRig([
      { name: 'pool-a', azs: [1, 1] },
      { name: 'pool-b', azs: [1, 0] },
    ]);
    rig.emulator.setFlavorStock({ [FLAVOR]: { 'cn-north-7b': 'soldout' } });
    const result = await rig.run(['pool-a', 'pool-b'], { backlog: 4 });
    expect(stockReads(rig)).toBe(1);
    expect(result.warnings).toEqual([]);
    expect(result.outcomes.map((o) => o.status)).toEqual(['patched', 'patched']);
    const shared = await rig.store.loadShared(stockKey('emu'));
    expect(shared).toEqual({
      at: rig.clock.now,
      value: expect.objectContaining({ [FLAVOR]: { 'cn-north-7a': 'normal', 'cn-north-7b': 'soldout' } }),
    });
  });

  it('is shared for 60 s across cycles and fanned-out workers, then read again', async () => {
    rig = await capacityRig([
      { name: 'pool-a', azs: [1, 1] },
      { name: 'pool-b', azs: [1, 0] },
    ]);
    await rig.run(['pool-a', 'pool-b'], { backlog: 3 });
    expect(stockReads(rig)).toBe(1);

    // Two workers, each with one growing pool, within the minute: neither reads it.
    rig.clock.now += 20_000;
    const a = await rig.run(['pool-a', 'pool-b'], { backlog: 5 }, { pools: ['pool-a'] });
    expect(a.outcomes[0]?.status).toBe('patched');
    expect(stockReads(rig)).toBe(0);
    const b = await rig.run(['pool-a', 'pool-b'], { backlog: 5 }, { pools: ['pool-b'] });
    expect(b.outcomes[0]?.status).toBe('patched');
    expect(stockReads(rig)).toBe(0);

    rig.clock.now += STOCK_SHARE_MS;
    await rig.run(['pool-a', 'pool-b'], { backlog: 7 }, { pools: ['pool-a'] });
    expect(stockReads(rig)).toBe(1);
    expect((await rig.store.loadShared(stockKey('emu')))?.at).toBe(rig.clock.now);
  });

  it('reads a foreign shared item as none, and reads the stock again', async () => {
    rig = await capacityRig([{ name: 'pool-a', azs: [1, 1] }]);
    await rig.store.saveShared(stockKey('emu'), { [FLAVOR]: 'soldout' }, rig.clock.now);
    await rig.run(['pool-a'], { backlog: 4 });
    expect(stockReads(rig)).toBe(1);
  });

  it('is unknown when the read fails: reported once, no pool fails, nothing shared', async () => {
    rig = await capacityRig([
      { name: 'pool-a', azs: [1, 1] },
      { name: 'pool-b', azs: [1, 0] },
    ]);
    rig.emulator.failNext('listFlavors', 10, { status: 403, errorCode: 'ModelArts.0007' });
    const result = await rig.run(['pool-a', 'pool-b'], { backlog: 3 });
    expect(result.warnings).toEqual([
      expect.objectContaining({
        code: 'stock-unknown',
        connection: 'emu',
        message: expect.stringContaining('403'),
      }),
    ]);
    expect(result.outcomes.map((o) => o.status)).toEqual(['patched', 'patched']);
    expect(await rig.store.loadShared(stockKey('emu'))).toBeUndefined();
  });

  it('is read fresh in a dry run, and not shared', async () => {
    rig = await capacityRig([{ name: 'pool-a', azs: [1, 1] }]);
    await rig.run(['pool-a'], { backlog: 4 });
    rig.clock.now += 1_000;
    await rig.run(['pool-a'], { backlog: 6 }, { dryRun: true });
    expect(stockReads(rig)).toBe(1);
    expect((await rig.store.loadShared(stockKey('emu')))?.at).toBe(rig.clock.now - 1_000);
  });

  it('costs no request in a cycle that grows no pool', async () => {
    rig = await capacityRig([{ name: 'pool-a', azs: [1, 1] }]);
    const result = await rig.run(['pool-a'], { backlog: 2 });
    expect(result.outcomes[0]?.status).toBe('unchanged');
    expect(rig.routes()).toEqual(['listPools']);
  });

  it('costs no request when no managed flavor is stock-aware', async () => {
    rig = await capacityRig([{ name: 'pool-a', azs: [1, 1] }]);
    const result = await rig.run(['pool-a'], { backlog: 4, capacity: '{ stockAware: false }' });
    expect(result.outcomes[0]?.status).toBe('patched');
    expect(stockReads(rig)).toBe(0);
    await rig.run(['pool-a'], { backlog: 6 });
    expect(stockReads(rig)).toBe(1);
  });
});

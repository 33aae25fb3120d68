// PATCH refusals through the cycle against the emulator over HTTP (issue #15): a sold-out answer backs off the AZs
// the PATCH grew, a quota answer the flavor in every AZ (naming the quota), each in the save that records the
// attempt; the wait doubles over refusals in a row and the row resets after resetSeconds; a conflict answer starts
// the conflict wait, and a PATCH that goes through records its order and ends the wait.

import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CAPACITY } from '../../lib/capacity/types';
import { type CapacityRig, capacityRig, FLAVOR, MINUTE } from './capacity-harness';

const POOL = 'gpu-pool';
const INITIAL = DEFAULT_CAPACITY.backoff.initialSeconds * 1000;

describe('a PATCH refused for capacity', () => {
  let rig: CapacityRig;
  afterEach(() => rig?.close());

  // 2 + 1 nodes growing to 4: the balanced split puts the new node in cn-north-7b only.
  const grow = () => rig.run([POOL], { backlog: 4 });

  it('as sold out backs off the flavor in the AZ the PATCH grew only, and says so in the outcome', async () => {
    rig = await capacityRig([{ name: POOL, azs: [2, 1] }]);
    rig.emulator.failNext('patchPool', 1, { status: 400, errorCode: 'ModelArts.6716' });
    const result = await grow();
    const outcome = result.outcomes[0];
    expect(outcome).toMatchObject({ status: 'backed-off', errorCode: 'ModelArts.6716', httpStatus: 400 });
    const history = await rig.history(POOL);
    expect(history.lastPatchAt).toBe(rig.clock.now);
    expect(history.capacity?.azs).toEqual({
      [FLAVOR]: {
        'cn-north-7b': {
          cause: 'sold-out',
          failures: 1,
          until: rig.clock.now + INITIAL,
          lastFailureAt: rig.clock.now,
          code: 'ModelArts.6716',
        },
      },
    });
    const record = rig.records.find((r) => r.flavor === FLAVOR);
    expect(record?.outcome).toBe('backed-off');
    expect(record?.reasons).toContain('patch-sold-out');
    const message = result.plan.pools[0]?.reasons.find((r) => r.code === 'patch-sold-out')?.message;
    expect(message).toContain(`${FLAVOR} in cn-north-7b`);
    expect(message).toContain(new Date(rig.clock.now + INITIAL).toISOString());
  });

  it('as sold out in an AZ the message names backs off that AZ only, though the PATCH grew two', async () => {
    rig = await capacityRig([{ name: POOL, azs: [1, 1] }]);
    // Stock-blind, so that the PATCH grows into the sold-out AZ and the emulator refuses it, naming the AZ.
    rig.emulator.setFlavorStock({ [FLAVOR]: { 'cn-north-7b': 'soldout' } });
    const result = await rig.run([POOL], { backlog: 4, capacity: '{ stockAware: false }' });
    expect(result.outcomes[0]).toMatchObject({ status: 'backed-off', errorCode: 'ModelArts.6716' });
    expect(Object.keys((await rig.history(POOL)).capacity?.azs?.[FLAVOR] ?? {})).toEqual(['cn-north-7b']);
  });

  it('over a quota the emulator enforces names the quota from the message', async () => {
    rig = await capacityRig([{ name: POOL, azs: [2, 1] }]);
    rig.emulator.setCapacityRules({ quotas: { [FLAVOR]: 3 } });
    const result = await grow();
    expect(result.outcomes[0]?.status).toBe('backed-off');
    expect((await rig.history(POOL)).capacity?.quota?.[FLAVOR]?.code).toMatch(/quota per flavor is 3/);
    expect(result.plan.pools[0]?.reasons.find((r) => r.code === 'patch-quota')?.message).toMatch(
      /quota ".*quota per flavor is 3.*" \(ModelArts\.0118\)/,
    );
  });

  it('over quota backs off the flavor in every AZ and names the quota', async () => {
    rig = await capacityRig([{ name: POOL, azs: [2, 1] }]);
    rig.emulator.failNext('patchPool', 1, { status: 400, errorCode: 'ModelArts.0118' });
    const result = await grow();
    expect(result.outcomes[0]?.status).toBe('backed-off');
    const history = await rig.history(POOL);
    expect(history.capacity?.azs).toBeUndefined();
    expect(history.capacity?.quota?.[FLAVOR]).toMatchObject({ cause: 'quota', failures: 1 });
    const quota = history.capacity?.quota?.[FLAVOR]?.code as string;
    const message = result.plan.pools[0]?.reasons.find((r) => r.code === 'patch-quota')?.message;
    expect(message).toContain(`quota "${quota}"`);
    expect(message).toContain(`${FLAVOR} in every AZ`);
  });

  it('doubles the wait with each refusal in a row, and starts again after resetSeconds without one', async () => {
    rig = await capacityRig([{ name: POOL, azs: [2, 1] }]);
    const refuse = async () => {
      rig.emulator.failNext('patchPool', 1, { status: 400, errorCode: 'ModelArts.6329' });
      await grow();
      return (await rig.history(POOL)).capacity?.azs?.[FLAVOR]?.['cn-north-7b'];
    };
    const t0 = rig.clock.now;
    expect(await refuse()).toMatchObject({ failures: 1, until: t0 + INITIAL });
    rig.clock.now += INITIAL;
    expect(await refuse()).toMatchObject({ failures: 2, until: rig.clock.now + 2 * INITIAL });
    rig.clock.now += 2 * INITIAL;
    expect(await refuse()).toMatchObject({ failures: 3, until: rig.clock.now + 4 * INITIAL });
    rig.clock.now += DEFAULT_CAPACITY.backoff.resetSeconds * 1000;
    expect(await refuse()).toMatchObject({ failures: 1, until: rig.clock.now + INITIAL });
  });

  it('with a conflict answer waits a minute, two after a second one, and a PATCH that goes through records its order and ends the wait', async () => {
    rig = await capacityRig([{ name: POOL, azs: [2, 1] }]);
    rig.emulator.failNext('patchPool', 1, { status: 409, errorCode: 'ModelArts.5044' });
    const first = await grow();
    expect(first.outcomes[0]?.status).toBe('backed-off');
    expect(rig.records.find((r) => r.flavor === FLAVOR)?.reasons).toContain('patch-conflict');
    expect((await rig.history(POOL)).capacity?.conflict).toEqual({
      failures: 1,
      until: rig.clock.now + MINUTE,
    });
    expect((await rig.history(POOL)).capacity?.azs).toBeUndefined();

    rig.clock.now += MINUTE;
    rig.emulator.failNext('patchPool', 1, { status: 409, errorCode: 'ModelArts.5044' });
    await grow();
    expect((await rig.history(POOL)).capacity?.conflict).toEqual({
      failures: 2,
      until: rig.clock.now + 2 * MINUTE,
    });

    rig.clock.now += 2 * MINUTE;
    const through = await grow();
    expect(through.outcomes[0]?.status).toBe('patched');
    const capacity = (await rig.history(POOL)).capacity;
    expect(capacity?.conflict).toBeUndefined();
    const label = rig.emulator.pool(POOL)?.metadata.labels?.['os.modelarts/order.name'];
    expect(capacity?.order).toEqual({
      at: rig.clock.now,
      flavors: { [FLAVOR]: 4 },
      ...(label === undefined ? {} : { name: label }),
    });
  });

  it('is followed by a cycle that places the growth in another AZ', async () => {
    rig = await capacityRig([{ name: POOL, azs: [2, 1] }]);
    rig.emulator.failNext('patchPool', 1, { status: 400, errorCode: 'ModelArts.6716' });
    expect((await grow()).outcomes[0]?.status).toBe('backed-off');

    rig.clock.now += MINUTE;
    const next = await grow();
    expect(next.outcomes[0]?.status).toBe('patched');
    expect(rig.emulator.pool(POOL)?.spec.resources[0]).toMatchObject({
      count: 4,
      azs: [
        { az: 'cn-north-7a', count: 3 },
        { az: 'cn-north-7b', count: 1 },
      ],
    });
    expect(rig.records.find((r) => r.flavor === FLAVOR)?.reasons).toContain('az-skipped');
  });

  it('for any other reason fails the pool as before and backs off nothing', async () => {
    rig = await capacityRig([{ name: POOL, azs: [2, 1] }]);
    rig.emulator.failNext('patchPool', 1, { status: 400, errorCode: 'ModelArts.2793' });
    const result = await grow();
    expect(result.outcomes[0]).toMatchObject({ status: 'failed', errorCode: 'ModelArts.2793' });
    const history = await rig.history(POOL);
    expect(history.capacity).toBeUndefined();
    expect(history.lastPatchAt).toBe(rig.clock.now);
  });
});

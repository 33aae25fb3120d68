// Nodes stuck in Creating through the cycle against the emulator over HTTP (issue #15): the pool remembers since
// when its status shows nodes Creating, and once that is older than maxNodeProvisionSeconds one node read finds the
// stuck nodes and backs off their AZ (doubling when a node stays stuck past the backoff); a pool that does not
// change saves this without a lease or a pool GET; a node list that cannot be read backs off nothing and says so.

import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CAPACITY } from '../../lib/capacity/types';
import { type CapacityRig, capacityRig, FLAVOR, MINUTE } from './capacity-harness';

const POOL = 'gpu-pool';
const HOUR = 60 * MINUTE;
const PROVISION = DEFAULT_CAPACITY.maxNodeProvisionSeconds * 1000;
const INITIAL = DEFAULT_CAPACITY.backoff.initialSeconds * 1000;

describe('nodes stuck in Creating', () => {
  let rig: CapacityRig;
  afterEach(() => rig?.close());

  // 1 + 1 nodes grown to 3: the new node never finishes creating (the emulator takes 10 hours).
  const start = async () => {
    rig = await capacityRig([{ name: POOL, azs: [1, 1] }], { transitionMs: 10 * HOUR });
    expect((await rig.run([POOL], { backlog: 3 })).outcomes[0]?.status).toBe('patched');
    const creating = rig.emulator.nodes(POOL).nodes.filter((node) => node.phase === 'Creating');
    expect(creating).toHaveLength(1);
    return creating[0] as { name: string; az?: string };
  };
  const hold = () => rig.run([POOL], { backlog: 3 });
  const capacity = async () => (await rig.history(POOL)).capacity;

  it('are found once the Creating run is older than maxNodeProvisionSeconds, and back off their AZ', async () => {
    const node = await start();
    const az = node.az as string;
    const patchedAt = rig.clock.now;
    rig.clock.now += MINUTE;
    const first = await hold();
    expect(first.outcomes[0]?.status).toBe('unchanged');
    expect((await capacity())?.creatingSince).toEqual({ [FLAVOR]: rig.clock.now });
    expect(rig.routes()).toEqual(['listPools']);

    rig.clock.now = patchedAt + PROVISION + MINUTE;
    const late = await hold();
    // One node read, no pool GET and no lease: the plan does not change.
    expect(rig.routes()).toEqual(['listPools', 'listNodes']);
    expect(late.outcomes[0]?.status).toBe('unchanged');
    expect((await capacity())?.azs?.[FLAVOR]).toEqual({
      [az]: {
        cause: 'stuck-creating',
        failures: 1,
        until: rig.clock.now + INITIAL,
        lastFailureAt: rig.clock.now,
      },
    });
    const message = late.plan.pools[0]?.reasons.find((r) => r.code === 'stuck-creating')?.message;
    expect(message).toContain(node.name);
    expect(message).toContain(az);
    expect(rig.records[0]?.reasons).toContain('stuck-creating');
    expect(
      await rig.store.acquireLease(`${rig.emulator.projectId}/${POOL}`, 'other', 1_000, rig.clock.now),
    ).toBeDefined();

    // While the backoff lasts the node is not backed off again; once it is over, it is, for twice as long.
    rig.clock.now += MINUTE;
    const during = await hold();
    expect(during.plan.pools[0]?.reasons.map((r) => r.code)).not.toContain('stuck-creating');
    expect((await capacity())?.azs?.[FLAVOR]?.[az]?.failures).toBe(1);
    rig.clock.now += INITIAL;
    await hold();
    expect((await capacity())?.azs?.[FLAVOR]?.[az]).toMatchObject({
      failures: 2,
      until: rig.clock.now + 2 * INITIAL,
    });
  });

  it('forgets the Creating run once the status shows none', async () => {
    await start();
    rig.clock.now += MINUTE;
    await hold();
    expect((await capacity())?.creatingSince?.[FLAVOR]).toBeDefined();
    const [creating] = rig.emulator.nodes(POOL).nodes.filter((node) => node.phase === 'Creating');
    // The emulator finishes the node: status shows nothing creating any more.
    rig.clock.now += 10 * HOUR;
    await hold();
    expect(rig.emulator.nodes(POOL).nodes.find((node) => node.name === creating?.name)?.phase).not.toBe(
      'Creating',
    );
    expect((await capacity())?.creatingSince).toBeUndefined();
  });

  it('backs off nothing when the node list cannot be read, and says so', async () => {
    await start();
    const from = rig.clock.now;
    rig.clock.now += MINUTE;
    await hold();
    rig.clock.now = from + PROVISION + MINUTE;
    rig.emulator.failNext('listNodes', 5, { status: 403, errorCode: 'ModelArts.0007' });
    const result = await hold();
    expect(result.outcomes[0]?.status).toBe('unchanged');
    expect(result.warnings).toEqual([
      expect.objectContaining({ code: 'stuck-creating-unread', message: expect.stringContaining('403') }),
    ]);
    expect((await capacity())?.azs).toBeUndefined();
    expect((await capacity())?.creatingSince?.[FLAVOR]).toBeDefined();
  });
});

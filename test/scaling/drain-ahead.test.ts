import { describe, expect, it } from 'vitest';
import { type DrainAheadInput, drainAheadCount } from '../../lib/scaling/drain-ahead';
import { plan } from '../../lib/scaling/plan';
import { stabilize } from '../../lib/scaling/target';
import {
  change,
  failed,
  flavorPolicy,
  history,
  NOW,
  ok,
  poolInput,
  poolPolicy,
  recs,
  running,
} from './builders';

const GPU = 'modelarts.bm.gpu.8v100';
// The defaults' shape: a 120 s scale-down window, a drain of one 60 s cycle.
const idleNodes = (extra: Record<string, unknown> = {}) =>
  flavorPolicy(GPU, {
    scaleDown: {
      method: 'idle-nodes',
      idleSeconds: 0,
      drainSeconds: 60,
      drainAhead: true,
      stabilizationWindowSeconds: 120,
      ...extra,
    },
  });

/** drainAheadCount with the count the windows leave, as computeTarget hands it on. */
const drainAhead = (input: Omit<DrainAheadInput, 'stabilized'>) =>
  drainAheadCount({
    ...input,
    stabilized: stabilize(input.policy, input.history, input.current, input.desired, input.now, []),
  });

describe('drainAheadCount', () => {
  const count = (
    recommendations: ReturnType<typeof recs>,
    desired: number,
    extra: Record<string, unknown> = {},
    current = 8,
    target = current,
  ) =>
    drainAhead({
      policy: idleNodes(extra),
      history: history(recommendations),
      current,
      target,
      desired,
      now: NOW,
    });

  it('drains down to what the window will allow one drain from now, if the backlog stays as it is', () => {
    // Window (NOW-120, NOW]: 8 from 60 s ago holds the count. At NOW+60 only this reading's 3 is left.
    expect(count(recs([120, 8], [60, 8]), 3)).toBe(3);
    // 6 from 30 s ago is still in the window at NOW+60: drained down to 6 only.
    expect(count(recs([90, 8], [30, 6]), 3)).toBe(6);
  });

  it('drains nothing while the window holds the count beyond one drain', () => {
    // 8 from 30 s ago is in the window until NOW+90, after the drain would have stood.
    expect(count(recs([30, 8]), 3)).toBeUndefined();
  });

  it('drains nothing for a flavor seen for the first time: its window starts now', () => {
    expect(count([], 3)).toBeUndefined();
  });

  it('drains everything the window holds when the drain is as long as the window', () => {
    expect(count(recs([30, 8]), 3, { drainSeconds: 120 })).toBe(3);
  });

  it('drains nothing when the backlog asks for no fewer nodes than the target', () => {
    expect(count(recs([60, 8]), 8)).toBeUndefined();
    expect(count(recs([60, 8]), 9)).toBeUndefined();
  });

  it('drains below a lower target too: the window still holds nodes beyond the ones going now', () => {
    // The count goes 8 -> 6 now (10 from 150 s ago is out of the window, 6 from 60 s ago holds); at NOW+60 the
    // 6 is out of the window too, and this reading's 3 is left.
    expect(count(recs([150, 10], [60, 6]), 3, {}, 8, 6)).toBe(3);
  });

  it('drains nothing when something else than the window holds the count (a cooldown, a step policy)', () => {
    // The window would let the count down to 3 now: the target of 8 is a cooldown's or a step policy's.
    expect(count(recs([150, 8]), 3)).toBeUndefined();
  });

  it('drains no more than the step policies will let go one drain from now', () => {
    // At most 2 nodes down per 60 s: from 8, the count may reach 6 by NOW+60, not 3.
    const stepped = { policies: [{ type: 'Nodes', value: 2, periodSeconds: 60 }], selectPolicy: 'Max' };
    expect(count(recs([120, 8], [60, 8]), 3, stepped)).toBe(6);
  });

  it('drains nothing while a scale-down cooldown will still run one drain from now', () => {
    const drain = (events: ReturnType<typeof change>[]) =>
      drainAhead({
        policy: idleNodes({ cooldownSeconds: 300 }),
        history: history(recs([120, 8], [60, 8]), events),
        current: 8,
        target: 8,
        desired: 3,
        now: NOW,
      });
    expect(drain([change(200, 2, 6)])).toBeUndefined();
    expect(drain([change(300, 2, 6)])).toBe(3);
  });

  it('drains nothing when drainAhead is off, scale-down is disabled, the method is count or no drain is set', () => {
    const history8 = recs([120, 8], [60, 8]);
    expect(count(history8, 3, { drainAhead: false })).toBeUndefined();
    expect(count(history8, 3, { enabled: false })).toBeUndefined();
    expect(count(history8, 3, { method: 'count' })).toBeUndefined();
    expect(count(history8, 3, { drainSeconds: undefined })).toBeUndefined();
  });
});

describe('plan: drain-ahead', () => {
  const planOne = (policy = idleNodes(), backlog = ok(3), paused: false | 'scale-in' = false) => {
    const pool = running([{ flavor: GPU, count: 8 }]);
    const input = poolInput(
      pool,
      poolPolicy([policy], { paused }),
      { [GPU]: backlog },
      {
        history: { flavors: { [GPU]: history(recs([120, 8], [60, 8])) } },
      },
    );
    return plan({ now: NOW, pools: [input] }).pools[0];
  };

  it('hands the scale-in the flavor at its count, with the count to drain down to, and says why', () => {
    const result = planOne();
    expect(result?.action).toBe('scale-in');
    expect(result?.patch).toBeUndefined();
    expect(result?.flavors[0]).toMatchObject({ current: 8, target: 8, action: 'hold' });
    expect(result?.scaleIn).toEqual([
      {
        flavor: GPU,
        current: 8,
        target: 8,
        drainTo: 3,
        azStrategy: 'balanced',
        idleSeconds: 0,
        drainSeconds: 60,
      },
    ]);
    const said = result?.flavors[0]?.reasons.find((r) => r.code === 'drain-ahead');
    expect(said?.message).toBe(
      'the scale-down window releases 5 nodes within 60 s: idle ones are drained now, deleted once it has',
    );
  });

  it('drains nothing ahead on a backlog that cannot be trusted, nor while scale-in is paused', () => {
    for (const result of [planOne(idleNodes(), failed()), planOne(idleNodes(), ok(3), 'scale-in')]) {
      expect(result?.scaleIn).toBeUndefined();
      expect(result?.flavors[0]?.reasons.map((r) => r.code)).not.toContain('drain-ahead');
    }
  });

  it('drains nothing ahead once ModelArts answered undrain or batch-drain missing: a drained node could not come back', () => {
    for (const missing of [{ undrainUnavailableSince: NOW - 1 }, { drainUnavailableSince: NOW - 1 }]) {
      const pool = running([{ flavor: GPU, count: 8 }]);
      const input = poolInput(
        pool,
        poolPolicy([idleNodes()]),
        { [GPU]: ok(3) },
        {
          history: {
            flavors: { [GPU]: history(recs([120, 8], [60, 8])) },
            scaleIn: { nodes: {}, ...missing },
          },
        },
      );
      const result = plan({ now: NOW, pools: [input] }).pools[0];
      expect(result?.action).toBe('hold');
      expect(result?.scaleIn).toBeUndefined();
    }
  });

  it('drains nothing ahead with drainAhead off', () => {
    expect(planOne(idleNodes({ drainAhead: false }))?.action).toBe('hold');
  });

  it('keeps a fixed AZ layout one node in every AZ in use', () => {
    const policy = { ...idleNodes(), azStrategy: { type: 'fixed' as const } };
    const pool = running([
      {
        flavor: GPU,
        count: 8,
        azs: [
          { az: 'a', count: 4 },
          { az: 'b', count: 2 },
          { az: 'c', count: 2 },
        ],
      },
    ]);
    const input = poolInput(
      pool,
      poolPolicy([policy]),
      { [GPU]: ok(1) },
      {
        history: { flavors: { [GPU]: history(recs([120, 8], [60, 8])) } },
      },
    );
    expect(plan({ now: NOW, pools: [input] }).pools[0]?.scaleIn?.[0]?.drainTo).toBe(3);
  });
});

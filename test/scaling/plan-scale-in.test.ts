import { describe, expect, it } from 'vitest';
import { plan } from '../../lib/scaling/plan';
import type { PoolHistory } from '../../lib/state/store';
import { azs, flavorPolicy, NOW, ok, poolInput, poolPolicy, running } from './builders';

const GPU = 'modelarts.bm.gpu.8v100';
const CPU = 'modelarts.vm.cpu.8u';

const idle = flavorPolicy(GPU, { scaleDown: { method: 'idle-nodes', idleSeconds: 600, drainSeconds: 60 } });
const planOne = (input: ReturnType<typeof poolInput>) => plan({ now: NOW, pools: [input] }).pools[0];

describe('plan: idle-nodes scale-down', () => {
  it('never lowers the count in a PATCH, and hands the flavor to the scale-in with its AZ split', () => {
    const p = running([{ flavor: GPU, count: 4, azs: azs({ 'az-a': 2, 'az-b': 2 }) }]);
    const result = planOne(poolInput(p, poolPolicy([idle]), { [GPU]: ok(2) }));
    expect(result?.action).toBe('scale-in');
    expect(result?.patch).toBeUndefined();
    expect(result?.flavors[0]).toMatchObject({ target: 2, action: 'scale-down' });
    expect(result?.flavors[0]?.reasons.map((r) => r.code)).toContain('idle-nodes');
    expect(result?.scaleIn).toEqual([
      {
        flavor: GPU,
        current: 4,
        target: 2,
        azStrategy: 'balanced',
        azsBefore: [
          { az: 'az-a', count: 2 },
          { az: 'az-b', count: 2 },
        ],
        azsAfter: [
          { az: 'az-a', count: 1 },
          { az: 'az-b', count: 1 },
        ],
        idleSeconds: 600,
        drainSeconds: 60,
      },
    ]);
    expect(Object.keys(result ?? {})).toEqual([
      'key',
      'pool',
      'action',
      'reasons',
      'flavors',
      'scaleIn',
      'history',
    ]);
  });

  it('keeps the count method as a lower-count PATCH (opt-in)', () => {
    const count = flavorPolicy(GPU, { scaleDown: { method: 'count' } });
    const result = planOne(
      poolInput(running([{ flavor: GPU, count: 4 }]), poolPolicy([count]), { [GPU]: ok(2) }),
    );
    expect(result?.patch?.spec.resources).toEqual([{ flavor: GPU, count: 2 }]);
    expect(result?.scaleIn).toBeUndefined();
  });

  it('a flavor growing beside one going down by name keeps the latter at its count in the body', () => {
    const p = running([
      { flavor: GPU, count: 4 },
      { flavor: CPU, count: 1 },
    ]);
    const result = planOne(
      poolInput(p, poolPolicy([idle, flavorPolicy(CPU)]), { [GPU]: ok(4), [CPU]: ok(3) }),
    );
    expect(result?.patch?.spec.resources).toEqual([
      { flavor: GPU, count: 4 },
      { flavor: CPU, count: 3 },
    ]);
  });

  it('does not let nodes in flight block an idle-nodes scale-down, but still blocks a count-down', () => {
    const p = running([{ flavor: GPU, count: 4 }], { creating: [{ flavor: GPU, count: 1 }] });
    const byName = planOne(poolInput(p, poolPolicy([idle]), { [GPU]: ok(2) }));
    expect(byName?.action).toBe('scale-in');
    const count = flavorPolicy(GPU, { scaleDown: { method: 'count' } });
    const byCount = planOne(poolInput(p, poolPolicy([count]), { [GPU]: ok(2) }));
    expect(byCount?.action).toBe('hold');
    expect(byCount?.flavors[0]?.reasons.map((r) => r.code)).toContain('nodes-in-flight');
  });

  it('hands over a holding flavor whose drained nodes demand has come back for', () => {
    const history: PoolHistory = {
      flavors: {},
      scaleIn: { nodes: { 'node-1': { flavor: GPU, idleSince: NOW - 900_000, drainedAt: NOW - 60_000 } } },
    };
    const result = planOne(
      poolInput(running([{ flavor: GPU, count: 4 }]), poolPolicy([idle]), { [GPU]: ok(4) }, { history }),
    );
    expect(result?.action).toBe('scale-in');
    expect(result?.scaleIn?.[0]).toMatchObject({ current: 4, target: 4 });
    expect(result?.history.scaleIn).toBe(history.scaleIn);
  });

  it('a stopped pool gets count-not-lowered on every scale-down, whatever the method', () => {
    const history: PoolHistory = {
      flavors: {},
      scaleIn: {
        nodes: {},
        stopped: { at: NOW, flavor: GPU, nodes: ['node-1'], countBefore: 4, countAfter: 4 },
      },
    };
    for (const policy of [idle, flavorPolicy(GPU, { scaleDown: { method: 'count' } })]) {
      const result = planOne(
        poolInput(running([{ flavor: GPU, count: 4 }]), poolPolicy([policy]), { [GPU]: ok(1) }, { history }),
      );
      expect(result?.action).toBe('hold');
      expect(result?.patch).toBeUndefined();
      expect(result?.flavors[0]?.reasons.map((r) => r.code)).toContain('count-not-lowered');
    }
  });
});

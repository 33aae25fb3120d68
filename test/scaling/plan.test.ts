import { describe, expect, it } from 'vitest';
import { PatchPoolBodySchema } from '../../lib/modelarts/schemas';
import { patchBody } from '../../lib/scaling/patch';
import { deferMixedDirection, type PlanInput, plan } from '../../lib/scaling/plan';
import type { FlavorPolicy } from '../../lib/scaling/policy';
import { REASON_CODES } from '../../lib/scaling/reasons';
import {
  ago,
  azs,
  change,
  flavorPolicy,
  history,
  NOW,
  nodes,
  ok,
  poolInput,
  poolPolicy,
  recs,
  running,
} from './builders';

const GPU = 'modelarts.bm.gpu.8v100';
const CPU = 'modelarts.vm.cpu.8u';
const NPU = 'modelarts.bm.npu.8a';

const planOne = (input: ReturnType<typeof poolInput>) => {
  const result = plan({ now: NOW, pools: [input] }).pools[0];
  if (result === undefined) throw new Error('no pool plan');
  return result;
};

describe('patch body', () => {
  it('lists every flavor in the pool order with absolute counts, and azs only where the flavor has them', () => {
    const p = running([
      {
        flavor: GPU,
        count: 3,
        azs: azs({ 'az-a': 2, 'az-b': 1 }),
      },
      { flavor: CPU, count: 2 },
      { flavor: NPU, count: 1, azs: azs({ 'az-a': 1 }) },
    ]);
    const result = planOne(poolInput(p, poolPolicy([flavorPolicy(GPU)]), { [GPU]: ok(6) }));
    expect(result.action).toBe('patch');
    expect(result.patch).toEqual({
      spec: {
        resources: [
          {
            flavor: GPU,
            count: 6,
            azs: azs({ 'az-a': 3, 'az-b': 3 }),
          },
          { flavor: CPU, count: 2 },
          { flavor: NPU, count: 1, azs: azs({ 'az-a': 1 }) },
        ],
      },
    });
    expect(PatchPoolBodySchema.safeParse(result.patch).success).toBe(true);
  });

  it('sends nothing but flavor, count and azs, whatever else the pool carries', () => {
    const p = running([{ flavor: GPU, count: 1, azs: azs({ 'az-a': 1 }) }]);
    const resource = p.spec.resources[0] as Record<string, unknown>;
    resource.maxCount = 1;
    resource.extendParams = { runtime: 'docker' };
    (resource.azs as Record<string, unknown>[])[0] = { az: 'az-a', count: 1, subnet: 'x' };
    const body = planOne(poolInput(p, poolPolicy([flavorPolicy(GPU)]), { [GPU]: ok(2) })).patch;
    expect(JSON.stringify(body)).toBe(
      `{"spec":{"resources":[{"flavor":"${GPU}","count":2,"azs":[{"az":"az-a","count":2}]}]}}`,
    );
  });

  it('is undefined when no count changes', () => {
    const p = running([{ flavor: GPU, count: 3 }]);
    const result = planOne(poolInput(p, poolPolicy([flavorPolicy(GPU)]), { [GPU]: ok(3) }));
    expect(result.action).toBe('hold');
    expect(result).not.toHaveProperty('patch');
    expect(patchBody(p.spec.resources, new Map([[GPU, { count: 3 }]]))).toBeUndefined();
  });

  it('unmanaged flavors keep their count and are still listed', () => {
    const p = running([
      { flavor: CPU, count: 7 },
      { flavor: GPU, count: 1 },
    ]);
    const result = planOne(poolInput(p, poolPolicy([flavorPolicy(GPU)]), { [GPU]: ok(4), [CPU]: ok(0) }));
    expect(result.patch?.spec.resources).toEqual([
      { flavor: CPU, count: 7 },
      { flavor: GPU, count: 4 },
    ]);
    expect(result.flavors[0]).toMatchObject({ managed: false, target: 7, action: 'hold' });
    expect(result.flavors[0]?.reasons.map((r) => r.code)).toEqual(['unmanaged']);
  });
});

describe('one change never grows one flavor while shrinking another', () => {
  it('sends the scale-ups now and holds the scale-downs with a reason', () => {
    const p = running([
      { flavor: GPU, count: 2 },
      { flavor: CPU, count: 6 },
    ]);
    const policy = poolPolicy([flavorPolicy(GPU), flavorPolicy(CPU)]);
    const first = planOne(poolInput(p, policy, { [GPU]: ok(5), [CPU]: ok(1) }));
    expect(first.patch?.spec.resources).toEqual([
      { flavor: GPU, count: 5 },
      { flavor: CPU, count: 6 },
    ]);
    expect(first.flavors[1]).toMatchObject({ desired: 1, target: 6, action: 'hold' });
    expect(first.flavors[1]?.reasons.at(-1)?.code).toBe('mixed-direction-deferred');

    // Next cycle, with the scale-up applied, the scale-down goes through.
    const applied = running([
      { flavor: GPU, count: 5 },
      { flavor: CPU, count: 6 },
    ]);
    const second = planOne(
      poolInput(applied, policy, { [GPU]: ok(5), [CPU]: ok(1) }, { history: first.history }),
    );
    expect(second.patch?.spec.resources).toEqual([
      { flavor: GPU, count: 5 },
      { flavor: CPU, count: 1 },
    ]);
  });

  it('deferMixedDirection holds only scale-downs, and only when something grows', () => {
    expect(deferMixedDirection(['scale-down', 'hold', 'scale-down']).hold).toEqual([]);
    expect(deferMixedDirection(['scale-down', 'scale-up', 'scale-down', 'hold']).hold).toEqual([0, 2]);
  });
});

describe('zero counts', () => {
  it('holds the pool when the body would list a flavor at 0 nodes', () => {
    const p = running([
      { flavor: CPU, count: 0 },
      { flavor: GPU, count: 1 },
    ]);
    const result = planOne(poolInput(p, poolPolicy([flavorPolicy(GPU)]), { [GPU]: ok(4) }));
    expect(result.action).toBe('hold');
    expect(result.reasons.map((r) => r.code)).toEqual(['zero-count']);
    expect(result.flavors[1]).toMatchObject({ desired: 4, target: 1, action: 'hold' });
  });

  it('a managed flavor at 0 goes to its minimum', () => {
    const p = running([{ flavor: GPU, count: 0 }]);
    expect(
      planOne(poolInput(p, poolPolicy([flavorPolicy(GPU, { min: 2 })]), { [GPU]: ok(0) })).patch,
    ).toEqual({
      spec: { resources: [{ flavor: GPU, count: 2 }] },
    });
  });
});

describe('AZs in a plan', () => {
  it('a fixed flavor shrinks to one node per AZ in use at the least', () => {
    const p = running([
      {
        flavor: GPU,
        count: 6,
        azs: azs({ a: 4, b: 2 }),
      },
    ]);
    const policy = poolPolicy([flavorPolicy(GPU, { azStrategy: { type: 'fixed' } })]);
    const result = planOne(poolInput(p, policy, { [GPU]: ok(1) }));
    expect(result.flavors[0]).toMatchObject({
      desired: 1,
      target: 2,
      azsBefore: azs({ a: 4, b: 2 }),
      azsAfter: azs({ a: 1, b: 1 }),
      action: 'scale-down',
    });
    expect(result.flavors[0]?.reasons.map((r) => r.code)).toContain('az-fixed-minimum');
  });

  describe("the 'backlog' strategy", () => {
    const policy = poolPolicy([flavorPolicy(GPU, { azStrategy: { type: 'backlog' } })]);
    const split = (value: number, perAz: Record<string, number>) => ({ [GPU]: { ...ok(value), perAz } });

    it('grows an AZ short of its own backlog even when the total is right, and says why', () => {
      // b has 2 idle nodes, a needs 2 more for work tied to it: the total (8) equals the count.
      const p = running([{ flavor: GPU, count: 8, azs: azs({ a: 4, b: 4 }) }]);
      const result = planOne(poolInput(p, policy, split(8, { a: 6, b: 2 })));
      expect(result.flavors[0]).toMatchObject({
        backlog: 8,
        desired: 10,
        target: 10,
        azsAfter: azs({ a: 6, b: 4 }),
        action: 'scale-up',
      });
      const [first] = result.flavors[0]?.reasons ?? [];
      expect(first).toEqual({
        code: 'az-backlog-short',
        message: 'AZs short of their own backlog (a 4 of 6): at least 10 nodes',
      });
    });

    it('takes a scale-down from the AZ with idle nodes', () => {
      const p = running([{ flavor: GPU, count: 8, azs: azs({ a: 4, b: 4 }) }]);
      const result = planOne(poolInput(p, policy, split(5, { a: 4, b: 1 })));
      expect(result.flavors[0]).toMatchObject({ target: 5, azsAfter: azs({ a: 4, b: 1 }) });
      expect(result.flavors[0]?.reasons.map((r) => r.code)).not.toContain('az-backlog-short');
    });

    it("grows the short AZ, then gives the surplus back, then holds: never below the AZs' needs", () => {
      // a needs 6 and has 4; b has 4 and needs 2. The total (8) is right, but a's work cannot use b's nodes.
      const backlogs = split(8, { a: 6, b: 2 });
      const first = planOne(
        poolInput(running([{ flavor: GPU, count: 8, azs: azs({ a: 4, b: 4 }) }]), policy, backlogs),
      );
      expect(first.flavors[0]).toMatchObject({ target: 10, azsAfter: azs({ a: 6, b: 4 }) });
      const second = planOne(
        poolInput(running([{ flavor: GPU, count: 10, azs: azs({ a: 6, b: 4 }) }]), policy, backlogs),
      );
      expect(second.flavors[0]).toMatchObject({ target: 8, azsAfter: azs({ a: 6, b: 2 }) });
      const third = planOne(
        poolInput(running([{ flavor: GPU, count: 8, azs: azs({ a: 6, b: 2 }) }]), policy, backlogs),
      );
      expect(third.action).toBe('hold');
      // A per-AZ split above the total (a source out of step with itself) still keeps each AZ's need.
      const above = planOne(
        poolInput(
          running([{ flavor: GPU, count: 8, azs: azs({ a: 6, b: 2 }) }]),
          policy,
          split(3, { a: 6, b: 2 }),
        ),
      );
      expect(above.action).toBe('hold');
    });

    it('never scales down on a backlog whose value is not a count, whatever its per-AZ split says', () => {
      const p = running([{ flavor: GPU, count: 8, azs: azs({ a: 4, b: 4 }) }]);
      for (const value of [Number.NaN, -1]) {
        const [flavor] = planOne(poolInput(p, policy, split(value, { a: 2, b: 1 }))).flavors;
        expect(flavor).toMatchObject({ target: 8, action: 'hold' });
        expect(flavor?.reasons.map((r) => r.code)).toEqual(['backlog-unavailable', 'fallback-hold']);
      }
    });

    it('is balanced when the backlog has no per-AZ split, and the other strategies ignore one', () => {
      const p = running([{ flavor: GPU, count: 8, azs: azs({ a: 4, b: 4 }) }]);
      expect(planOne(poolInput(p, policy, { [GPU]: ok(5) })).flavors[0]?.azsAfter).toEqual(
        azs({ a: 3, b: 2 }),
      );
      const balanced = poolPolicy([flavorPolicy(GPU)]);
      expect(planOne(poolInput(p, balanced, split(8, { a: 6, b: 2 }))).action).toBe('hold');
    });

    it('leaves a shortfall to the guards: no raise past max, none while scale-out is paused', () => {
      const p = running([{ flavor: GPU, count: 8, azs: azs({ a: 4, b: 4 }) }]);
      const capped = poolPolicy([flavorPolicy(GPU, { azStrategy: { type: 'backlog' }, max: 9 })]);
      expect(planOne(poolInput(p, capped, split(8, { a: 6, b: 2 }))).flavors[0]).toMatchObject({
        target: 9,
        azsAfter: azs({ a: 5, b: 4 }),
      });
      const paused = { ...policy, paused: 'scale-out' as const };
      expect(planOne(poolInput(p, paused, split(8, { a: 6, b: 2 }))).action).toBe('hold');
    });
  });

  it('a refused split holds the flavor with the reason', () => {
    const p = running([{ flavor: GPU, count: 2, azs: azs({ a: 2 }) }]);
    const policy = poolPolicy([flavorPolicy(GPU, { azStrategy: { type: 'weighted', weights: { z: 0 } } })]);
    const result = planOne(poolInput(p, policy, { [GPU]: ok(5) }));
    expect(result.action).toBe('hold');
    expect(result.flavors[0]).toMatchObject({ desired: 5, target: 2, action: 'hold' });
    expect(result.flavors[0]?.reasons.at(-1)?.code).toBe('az-split-refused');
  });
});

describe('history', () => {
  const policy = poolPolicy([
    flavorPolicy(GPU, {
      scaleUp: { stabilizationWindowSeconds: 60, policies: [nodes(4, 120)] },
      scaleDown: { stabilizationWindowSeconds: 300, cooldownSeconds: 600 },
    }),
  ]);

  it('appends the recommendation, records the change, and drops what no window, period or cooldown needs', () => {
    const p = running([{ flavor: GPU, count: 4 }]);
    const before = history(recs([400, 9], [200, 6], [30, 8]), [change(700, 1), change(300, 2)]);
    const result = planOne(
      poolInput(p, policy, { [GPU]: ok(10) }, { history: { flavors: { [GPU]: before } } }),
    );
    // The scale-up window's lowest recommendation (8, 30 s ago) holds the count.
    expect(result.flavors[0]).toMatchObject({ desired: 10, target: 8 });
    expect(result.history).toEqual({
      flavors: {
        [GPU]: {
          recommendations: [
            { at: ago(200), count: 6 },
            { at: ago(30), count: 8 },
            { at: NOW, count: 10 },
          ],
          events: [
            { at: ago(300), from: 100, to: 102 },
            { at: NOW, from: 4, to: 8 },
          ],
        },
      },
    });
  });

  it('starts a fresh flavor with the current count', () => {
    const p = running([{ flavor: GPU, count: 4 }]);
    const result = planOne(poolInput(p, policy, { [GPU]: ok(1) }));
    expect(result.flavors[0]?.target).toBe(4);
    expect(result.history.flavors[GPU]?.recommendations).toEqual([
      { at: NOW, count: 4 },
      { at: NOW, count: 1 },
    ]);
  });

  it("keeps the pool's lastPatchAt, which only the cycle sets", () => {
    const p = running([{ flavor: GPU, count: 4 }]);
    const result = planOne(
      poolInput(p, policy, { [GPU]: ok(4) }, { history: { flavors: {}, lastPatchAt: ago(90) } }),
    );
    expect(result.history.lastPatchAt).toBe(ago(90));
    expect(planOne(poolInput(p, policy, { [GPU]: ok(4) })).history).not.toHaveProperty('lastPatchAt');
  });

  it('keeps no history for unmanaged flavors or flavors the pool lost', () => {
    const p = running([
      { flavor: GPU, count: 4 },
      { flavor: CPU, count: 1 },
    ]);
    const stale = { recommendations: [{ at: ago(10), count: 3 }], events: [] };
    const result = planOne(
      poolInput(p, policy, { [GPU]: ok(4) }, { history: { flavors: { [CPU]: stale, [NPU]: stale } } }),
    );
    expect(Object.keys(result.history.flavors)).toEqual([GPU]);
  });

  it('a skipped pool keeps its history, pruned, with nothing appended', () => {
    const p = running([{ flavor: GPU, count: 4 }], { controlMode: 8 });
    const before = history(recs([400, 9], [30, 8]), [change(700, 1)]);
    const result = planOne(
      poolInput(p, policy, { [GPU]: ok(10) }, { history: { flavors: { [GPU]: before } } }),
    );
    expect(result.history).toEqual({
      flavors: { [GPU]: { recommendations: [{ at: ago(30), count: 8 }], events: [] } },
    });
  });

  it('a pool skipped for longer than its window starts afresh: no scale-down in its first window back', () => {
    const frozen = running([{ flavor: GPU, count: 4 }], { controlMode: 8 });
    const before = history(recs([400, 9]));
    const skipped = planOne(
      poolInput(frozen, policy, { [GPU]: ok(1) }, { history: { flavors: { [GPU]: before } } }),
    );
    expect(skipped.history.flavors[GPU]?.recommendations).toEqual([]);
    const back = planOne(
      poolInput(running([{ flavor: GPU, count: 4 }]), policy, { [GPU]: ok(1) }, { history: skipped.history }),
    );
    expect(back.flavors[0]).toMatchObject({ desired: 1, target: 4 });
  });
});

describe('plan shape', () => {
  const input = (): PlanInput => ({
    now: NOW,
    pools: [
      poolInput(
        running([
          { flavor: GPU, count: 2, azs: azs({ a: 2 }) },
          { flavor: CPU, count: 1 },
        ]),
        poolPolicy([flavorPolicy(GPU)]),
        { [GPU]: ok(3, 'sqs:jobs') },
        { key: 'p1/pool-a' },
      ),
      poolInput(
        running([{ flavor: GPU, count: 1 }], { phase: 'Creating' }),
        poolPolicy([flavorPolicy(GPU)]),
        {},
      ),
      poolInput(running([{ flavor: CPU, count: 1 }]), poolPolicy([flavorPolicy(GPU)]), {}),
    ],
  });

  it('keeps nothing from one plan to the next: a policy object changed in place is read afresh', () => {
    const policy = poolPolicy([flavorPolicy(GPU)]);
    const pool = running([{ flavor: GPU, count: 2 }]);
    expect(planOne(poolInput(pool, policy, { [GPU]: ok(3) })).action).toBe('patch');
    (policy.flavors[GPU] as FlavorPolicy).targetPerNode = 0;
    const [flavor] = planOne(poolInput(pool, policy, { [GPU]: ok(3) })).flavors;
    expect(flavor).toMatchObject({ target: 2, action: 'hold' });
    expect(flavor?.reasons.map((r) => r.code)).toEqual(['invalid-policy']);
  });

  it('keeps a fixed key order and no undefined values', () => {
    const result = plan(input());
    expect(Object.keys(result)).toEqual(['at', 'pools']);
    expect(Object.keys(result.pools[0] ?? {})).toEqual([
      'key',
      'pool',
      'action',
      'reasons',
      'flavors',
      'patch',
      'history',
    ]);
    const order = [
      'flavor',
      'managed',
      'current',
      'available',
      'creating',
      'deleting',
      'backlog',
      'backlogSource',
      'desired',
      'target',
      'azsBefore',
      'azsAfter',
      'action',
      'reasons',
    ];
    expect(Object.keys(result.pools[0]?.flavors[0] ?? {})).toEqual(order);
    // An unmanaged flavor without backlog or azs leaves those keys out, and keeps the order of the rest.
    const optional = ['backlog', 'backlogSource', 'desired', 'azsBefore', 'azsAfter'];
    expect(Object.keys(result.pools[0]?.flavors[1] ?? {})).toEqual(
      order.filter((k) => !optional.includes(k)),
    );
    const json = JSON.stringify(result);
    expect(JSON.parse(json)).toEqual(result);
  });

  it('a pool the config manages no flavor of is skipped', () => {
    const result = plan(input()).pools[2];
    expect(result?.action).toBe('skip');
    expect(result?.reasons.map((r) => r.code)).toEqual(['unknown-flavor', 'no-managed-flavors']);
  });

  it('ignores anything like a dry-run flag: dry-run and apply get the same plan', () => {
    const dryRun = { ...input(), dryRun: true, mode: 'dry-run' } as PlanInput;
    expect(plan(dryRun)).toEqual(plan(input()));
  });

  it('every reason code used is in REASON_CODES and is kebab-case', () => {
    for (const code of Object.keys(REASON_CODES)) expect(code).toMatch(/^[a-z]+(-[a-z]+)*$/);
    const used = plan(input()).pools.flatMap((p) => [...p.reasons, ...p.flavors.flatMap((f) => f.reasons)]);
    for (const r of used) expect(REASON_CODES).toHaveProperty(r.code);
  });
});

import { describe, expect, it } from 'vitest';
import { nextBackoff } from '../../lib/capacity/backoff';
import type { Backoff, CapacityMemory, CapacitySettings, FlavorStockMap } from '../../lib/capacity/types';
import { DEFAULT_CAPACITY } from '../../lib/capacity/types';
import type { Backlog } from '../../lib/metrics/backlog';
import { type FlavorDecision, type PoolPlan, plan } from '../../lib/scaling/plan';
import type { AzStrategy, FlavorPolicy } from '../../lib/scaling/policy';
import { renderPlanTable } from '../../lib/scaling/render';
import type { PoolHistory } from '../../lib/state/store';
import { ago, azs, flavorPolicy, NOW, ok, type PoolSpec, poolInput, poolPolicy, running } from './builders';

// Capacity awareness in the planner (issue #15): growth avoids sold-out and backed-off AZs, a change in flight
// holds the pool, ScalingFailed and Abnormal nodes are named. NOW is 22:13:20 UTC.

const GPU = 'modelarts.vm.gpu.a100';
const CPU = 'modelarts.vm.cpu.8u';
const [A, B, C] = ['cn-north-4a', 'cn-north-4b', 'cn-north-4c'];

const backoff = (cause: Backoff['cause'], untilSeconds: number, extra: Partial<Backoff> = {}): Backoff => ({
  cause,
  failures: 1,
  until: NOW + untilSeconds * 1000,
  lastFailureAt: NOW + (untilSeconds - 300) * 1000,
  ...extra,
});

interface Case {
  strategy?: AzStrategy;
  count?: number;
  split?: Record<string, number> | undefined;
  backlog?: Backlog;
  stock?: FlavorStockMap;
  capacity?: CapacityMemory;
  settings?: CapacitySettings;
  policy?: Partial<FlavorPolicy>;
  status?: Omit<PoolSpec, 'resources'>;
}

function planGpu(c: Case): PoolPlan {
  const count = c.count ?? 4;
  const split = 'split' in c ? c.split : { [A]: 2, [B]: 2 };
  const resource = split === undefined ? { flavor: GPU, count } : { flavor: GPU, count, azs: azs(split) };
  const policy = flavorPolicy(GPU, {
    azStrategy: c.strategy ?? { type: 'balanced' },
    ...(c.settings === undefined ? {} : { capacity: c.settings }),
    ...c.policy,
  });
  const history: PoolHistory =
    c.capacity === undefined ? { flavors: {} } : { flavors: {}, capacity: c.capacity };
  const input = poolInput(
    running([resource], c.status),
    poolPolicy([policy]),
    { [GPU]: c.backlog ?? ok(6) },
    {
      history,
      ...(c.stock === undefined ? {} : { stock: c.stock }),
    },
  );
  return plan({ now: NOW, pools: [input] }).pools[0] as PoolPlan;
}

const gpu = (result: PoolPlan): FlavorDecision => result.flavors[0] as FlavorDecision;
const codes = (decision: FlavorDecision) => decision.reasons.map((r) => r.code);
const reasonOf = (decision: FlavorDecision, code: string) =>
  decision.reasons.find((r) => r.code === code)?.message;
const soldOut = (...soldAzs: string[]): FlavorStockMap => ({
  [GPU]: Object.fromEntries([A, B, C].map((az) => [az, soldAzs.includes(az) ? 'soldout' : 'normal'])),
});

describe('growth around sold-out and backed-off AZs', () => {
  it('balanced: a sold-out AZ during a scale-up gets nothing, the other AZ takes the growth', () => {
    const result = planGpu({ stock: soldOut(A) });
    expect(result.action).toBe('patch');
    expect(gpu(result)).toMatchObject({ target: 6, azsAfter: azs({ [A]: 2, [B]: 4 }) });
    expect(result.patch?.spec.resources[0]).toEqual({ flavor: GPU, count: 6, azs: azs({ [A]: 2, [B]: 4 }) });
    expect(reasonOf(gpu(result), 'az-skipped')).toBe(
      `growth placed in the other AZs, skipping ${A} sold out`,
    );
  });

  it('balanced without stock: the same growth is split evenly (today)', () => {
    expect(gpu(planGpu({})).azsAfter).toEqual(azs({ [A]: 3, [B]: 3 }));
  });

  it('weighted: growth goes to the other weighted AZs, a weighted AZ not listed yet included', () => {
    const result = planGpu({
      strategy: { type: 'weighted', weights: { [A]: 1, [B]: 1, [C]: 1 } },
      count: 2,
      split: { [A]: 1, [B]: 1 },
      backlog: ok(5),
      capacity: { azs: { [GPU]: { [A]: backoff('sold-out', 300, { code: 'ModelArts.6716' }) } } },
    });
    const decision = gpu(result);
    expect(decision.target).toBe(5);
    expect(decision.azsAfter).toEqual(azs({ [A]: 1, [B]: 3, [C]: 1 }));
    expect(reasonOf(decision, 'az-skipped')).toContain(
      `${A} in backoff until 22:18 UTC after 1 sold-out failure (ModelArts.6716)`,
    );
  });

  it('weighted: an AZ without weight is never grown, so with the weighted AZs blocked there is no growth', () => {
    const result = planGpu({
      strategy: { type: 'weighted', weights: { [A]: 1, [B]: 0 } },
      stock: soldOut(A),
    });
    expect(result.action).toBe('hold');
    expect(codes(gpu(result))).toContain('no-capacity');
  });

  it('backlog: work tied to a sold-out AZ does not raise the target with nodes elsewhere', () => {
    const tied = (perAz: Record<string, number>): Backlog => ({
      ...(ok(Object.values(perAz).reduce((a, b) => a + b, 0)) as Extract<Backlog, { ok: true }>),
      perAz,
    });
    const none = planGpu({
      strategy: { type: 'backlog' },
      count: 2,
      split: { [A]: 1, [B]: 1 },
      backlog: tied({ [A]: 4, [B]: 0 }),
      stock: soldOut(A),
    });
    expect(none.action).toBe('hold');
    expect(reasonOf(gpu(none), 'no-capacity')).toBe(
      `3 added nodes for work tied to ${A} sold out: not placed in other AZs, where that work cannot run`,
    );

    const some = planGpu({
      strategy: { type: 'backlog' },
      count: 2,
      split: { [A]: 1, [B]: 1 },
      backlog: tied({ [A]: 4, [B]: 3 }),
      stock: soldOut(A),
    });
    expect(gpu(some)).toMatchObject({ target: 4, action: 'scale-up', azsAfter: azs({ [A]: 1, [B]: 3 }) });
    expect(reasonOf(gpu(some), 'az-skipped')).toContain(
      `3 nodes for work tied to ${A} not placed elsewhere, where it cannot run`,
    );
  });

  it('fixed never moves: a split that would add to a blocked AZ waits, and says so', () => {
    const result = planGpu({ strategy: { type: 'fixed' }, stock: soldOut(A) });
    expect(result.action).toBe('hold');
    expect(result.patch).toBeUndefined();
    expect(gpu(result).target).toBe(4);
    expect(reasonOf(gpu(result), 'no-capacity')).toBe(
      `fixed AZs never move, so growing by 2 waits for ${A} sold out`,
    );
  });

  it('fixed: a blocked AZ the flavor does not use is no obstacle', () => {
    const result = planGpu({
      strategy: { type: 'fixed' },
      split: { [A]: 2, [B]: 2, [C]: 0 },
      stock: soldOut(C),
    });
    expect(gpu(result).azsAfter).toEqual(azs({ [A]: 3, [B]: 3, [C]: 0 }));
    expect(codes(gpu(result))).not.toContain('no-capacity');
  });

  it('no allowed AZ: no PATCH, no-capacity naming each AZ and why', () => {
    const result = planGpu({
      stock: soldOut(A),
      capacity: { azs: { [GPU]: { [B]: backoff('stuck-creating', 600, { failures: 2 }) } } },
    });
    expect(result.action).toBe('hold');
    expect(result.patch).toBeUndefined();
    expect(gpu(result)).toMatchObject({ target: 4, action: 'hold', azsAfter: azs({ [A]: 2, [B]: 2 }) });
    expect(reasonOf(gpu(result), 'no-capacity')).toBe(
      `no AZ can take the 2 added nodes: ${A} sold out; ${B} in backoff until 22:23 UTC after 2 stuck-creating failures`,
    );
  });

  it('a quota backoff blocks every AZ, and a flavor without azs, naming the quota', () => {
    const capacity = { quota: { [GPU]: backoff('quota', 300, { code: 'ModelArts.0118' }) } };
    const withAzs = planGpu({ capacity });
    expect(reasonOf(gpu(withAzs), 'no-capacity')).toBe(
      'no AZ can take the 2 added nodes: over quota ModelArts.0118 (every AZ) until 22:18 UTC after 1 quota failure',
    );
    const withoutAzs = planGpu({ capacity, split: undefined });
    expect(withoutAzs.action).toBe('hold');
    expect(codes(gpu(withoutAzs))).toContain('no-capacity');
  });

  it("a flavor without azs: blocked by its '*' backoff or stock sold out everywhere, not by one AZ", () => {
    const whole = planGpu({
      split: undefined,
      capacity: { azs: { [GPU]: { '*': backoff('sold-out', 60) } } },
    });
    expect(reasonOf(gpu(whole), 'no-capacity')).toContain('the flavor in backoff until 22:14 UTC');
    const oneAz = planGpu({
      split: undefined,
      capacity: { azs: { [GPU]: { [A]: backoff('sold-out', 60) } } },
    });
    expect(gpu(oneAz)).toMatchObject({ target: 6, action: 'scale-up' });
    const everywhere = planGpu({ split: undefined, stock: { [GPU]: { [A]: 'soldout', [B]: 'soldout' } } });
    expect(reasonOf(gpu(everywhere), 'no-capacity')).toContain(`sold out in every AZ (${A}, ${B})`);
    expect(gpu(planGpu({ split: undefined, stock: soldOut(A, B) })).target).toBe(6);
  });

  it('a backoff blocks until `until`, then the AZ takes growth again while the row is still remembered', () => {
    const row = nextBackoff(undefined, 'sold-out', ago(400), DEFAULT_CAPACITY.backoff, 'ModelArts.6716');
    const over = planGpu({ capacity: { azs: { [GPU]: { [A]: row } } } });
    expect(gpu(over).azsAfter).toEqual(azs({ [A]: 3, [B]: 3 }));
    expect(over.history.capacity).toEqual({ azs: { [GPU]: { [A]: row } } });
    const blocking = planGpu({ capacity: { azs: { [GPU]: { [A]: { ...row, until: NOW + 1 } } } } });
    expect(gpu(blocking).azsAfter).toEqual(azs({ [A]: 2, [B]: 4 }));
  });

  it('the next history drops a backoff whose row is over', () => {
    const old = nextBackoff(undefined, 'sold-out', ago(10_801), DEFAULT_CAPACITY.backoff);
    const result = planGpu({ capacity: { azs: { [GPU]: { [A]: old } }, quota: { [GPU]: old } } });
    expect(result.history).toEqual({ flavors: result.history.flavors });
    expect(Object.keys(result.history)).not.toContain('capacity');
  });

  it('stockAware false: neither stock nor backoffs hold growth back (the behaviour before #15)', () => {
    const result = planGpu({
      settings: { ...DEFAULT_CAPACITY, stockAware: false },
      stock: soldOut(A, B),
      capacity: { quota: { [GPU]: backoff('quota', 300) } },
    });
    expect(gpu(result)).toMatchObject({ target: 6, azsAfter: azs({ [A]: 3, [B]: 3 }) });
  });

  it('unknown is not sold out: a failed read, an unnamed flavor or AZ, an unknown stock word', () => {
    const today = planGpu({});
    const stocks: (FlavorStockMap | undefined)[] = [
      undefined,
      { [CPU]: { [A]: 'soldout' } },
      { [GPU]: { [C]: 'soldout' } },
      { [GPU]: { [A]: 'limited', [B]: 'unknown' } },
    ];
    for (const stock of stocks) {
      const result = planGpu(stock === undefined ? {} : { stock });
      expect(result.flavors).toEqual(today.flavors);
      expect(result.patch).toEqual(today.patch);
    }
  });

  it('scale-downs never look at stock or backoffs', () => {
    const down = (c: Case) =>
      planGpu({
        backlog: ok(2),
        policy: { scaleDown: { ...flavorPolicy(GPU).scaleDown, method: 'count' } },
        ...c,
      });
    const today = down({});
    expect(gpu(today).action).toBe('scale-down');
    const blocked = down({
      stock: soldOut(A, B),
      capacity: {
        quota: { [GPU]: backoff('quota', 300) },
        azs: { [GPU]: { '*': backoff('sold-out', 300) } },
      },
    });
    expect(blocked.flavors).toEqual(today.flavors);
    expect(blocked.patch).toEqual(today.patch);
  });
});

describe('a change in flight', () => {
  const order = (secondsAgo: number, target = 6) => ({
    at: ago(secondsAgo),
    name: 'order-1',
    flavors: { [GPU]: target },
  });

  it('holds every flavor (no PATCH, no scale-in) while the status does not show the order', () => {
    const result = planGpu({
      capacity: { order: order(120) },
      status: { available: [{ flavor: GPU, count: 4 }], creating: [{ flavor: GPU, count: 1 }] },
      backlog: ok(9),
    });
    expect(result.action).toBe('hold');
    expect(result.patch).toBeUndefined();
    expect(result.scaleIn).toBeUndefined();
    expect(gpu(result)).toMatchObject({ action: 'hold', target: 4, desired: 9 });
    expect(result.reasons).toEqual([
      {
        code: 'change-in-flight',
        message: `order order-1 (22:11 UTC) is still being carried out (${GPU} 5 of 6): no new change until the status shows it`,
      },
    ]);
    expect(result.history.capacity?.order).toEqual(order(120));
  });

  it('holds a scale-in by name too', () => {
    const result = planGpu({
      capacity: { order: order(120) },
      status: { available: [{ flavor: GPU, count: 4 }] },
      backlog: ok(1),
    });
    expect(result.action).toBe('hold');
    expect(result.scaleIn).toBeUndefined();
  });

  it('settles once available + creating + abnormal show the target, and the next history drops it', () => {
    const result = planGpu({
      capacity: { order: order(120) },
      status: {
        available: [{ flavor: GPU, count: 4 }],
        creating: [{ flavor: GPU, count: 1 }],
        abnormal: [{ flavor: GPU, count: 1 }],
      },
      count: 6,
      split: { [A]: 3, [B]: 3 },
      backlog: ok(8),
    });
    expect(result.action).toBe('patch');
    expect(result.history.capacity).toBeUndefined();
  });

  it('settles after maxNodeProvisionSeconds whatever the status says', () => {
    const status = { available: [{ flavor: GPU, count: 4 }] };
    expect(planGpu({ capacity: { order: order(899) }, status }).action).toBe('hold');
    expect(planGpu({ capacity: { order: order(900) }, status }).action).toBe('patch');
    expect(
      planGpu({
        capacity: { order: order(200) },
        status,
        settings: { ...DEFAULT_CAPACITY, maxNodeProvisionSeconds: 120 },
      }).action,
    ).toBe('patch');
  });

  it('a flavor the status does not report counts as settled (no evidence)', () => {
    const result = planGpu({
      capacity: { order: order(60) },
      status: { available: [{ flavor: CPU, count: 1 }] },
    });
    expect(result.action).toBe('patch');
  });

  it('a conflict holds the pool until its backoff ends', () => {
    const held = planGpu({ capacity: { conflict: { failures: 2, until: NOW + 90_000 } } });
    expect(held.action).toBe('hold');
    expect(held.reasons).toEqual([
      {
        code: 'change-conflict',
        message: 'the last change was answered with a conflict (2 in a row): no change until 22:14 UTC',
      },
    ]);
    expect(held.history.capacity).toEqual({ conflict: { failures: 2, until: NOW + 90_000 } });
    expect(planGpu({ capacity: { conflict: { failures: 2, until: NOW } } }).action).toBe('patch');
  });
});

describe('pool phase and node health', () => {
  it('ScalingFailed: skipped with pool-scaling-failed and what the operator does', () => {
    const result = planGpu({ status: { phase: 'ScalingFailed' } });
    expect(result.action).toBe('skip');
    expect(result.reasons.map((r) => r.code)).toEqual(['pool-scaling-failed']);
    expect(result.reasons[0]?.message).toContain('scaling resumes when the phase is Running again');
  });

  it('Abnormal nodes are counted in the decision and named, not replaced with count', () => {
    const result = planGpu({
      status: { abnormal: [{ flavor: GPU, count: 2 }] },
      policy: { scaleDown: { ...flavorPolicy(GPU).scaleDown, method: 'count' } },
    });
    expect(gpu(result).abnormal).toBe(2);
    expect(Object.keys(gpu(result)).slice(0, 7)).toEqual([
      'flavor',
      'managed',
      'current',
      'available',
      'creating',
      'deleting',
      'abnormal',
    ]);
    expect(reasonOf(gpu(result), 'abnormal-nodes')).toBe(
      '2 Abnormal nodes: not capacity that can take jobs; with scaleDown.method count they are not replaced',
    );
    expect(gpu(planGpu({})).abnormal).toBeUndefined();
    expect('abnormal' in gpu(planGpu({}))).toBe(false);
  });
});

describe('plan rendering', () => {
  it('shows why a pool is not growing: no-capacity on the flavor, change-in-flight on the pool', () => {
    const blocked = planGpu({ stock: soldOut(A, B) });
    const inFlight = planGpu({
      capacity: { order: { at: ago(60), flavors: { [GPU]: 9 } } },
      status: { available: [{ flavor: GPU, count: 4 }] },
    });
    const text = renderPlanTable({ at: NOW, pools: [blocked, inFlight] });
    expect(text).toContain(`no-capacity: no AZ can take the 2 added nodes: ${A} sold out; ${B} sold out`);
    expect(text).toContain('note: change-in-flight: the last change (22:12 UTC) is still being carried out');
  });

  it('names Abnormal nodes in the count column', () => {
    const result = planGpu({ status: { abnormal: [{ flavor: GPU, count: 1 }] } });
    expect(renderPlanTable({ at: NOW, pools: [result] })).toContain('4 -> 6 (1 abnormal)');
  });
});

import { describe, expect, it } from 'vitest';
import { capacityRefusal } from '../../lib/capacity/refusals';
import type { Pool } from '../../lib/modelarts/schemas';
import {
  applyPatch,
  createWorld,
  figuresOf,
  patchPool,
  poolView,
  type SimJob,
  SimulationError,
  type SoldOutWindow,
  step,
  stockAt,
  type WorldState,
} from '../../lib/simulate';

const FLAVOR = 'gpu';
const A = 'az-a';
const B = 'az-b';
/** az-a is sold out from 100 s to 1000 s. */
const WINDOW: SoldOutWindow = { flavor: FLAVOR, az: A, from: 100, to: 1000 };

function pool(azs?: Record<string, number>): Pool {
  const count = Object.values(azs ?? { '': 1 }).reduce((a, b) => a + b, 0);
  const resource =
    azs === undefined
      ? { flavor: FLAVOR, count }
      : { flavor: FLAVOR, count, azs: Object.entries(azs).map(([az, n]) => ({ az, count: n })) };
  return {
    metadata: { name: 'simulated-pool-00000000000000000000000000000000' },
    spec: { resources: [resource] },
    status: { phase: 'Running' },
  };
}

function world(options: { azs?: Record<string, number>; jobs?: SimJob[]; soldOut?: SoldOutWindow[] } = {}) {
  return createWorld({
    jobs: options.jobs ?? [],
    pool: pool(options.azs ?? { [A]: 1, [B]: 1 }),
    capacity: { [FLAVOR]: 10 },
    delays: { provisioningSeconds: 50, deletionSeconds: 10 },
    soldOut: options.soldOut ?? [WINDOW],
  });
}

const body = (azs?: Record<string, number>, count?: number) => ({
  spec: {
    resources: [
      azs === undefined
        ? { flavor: FLAVOR, count: count ?? 1 }
        : {
            flavor: FLAVOR,
            count: Object.values(azs).reduce((a, b) => a + b, 0),
            azs: Object.entries(azs).map(([az, n]) => ({ az, count: n })),
          },
    ],
  },
});

const NO_ACTIONS = { scaleActions: 0, scaleUps: 0, scaleDowns: 0 };

const at = (state: WorldState, t: number) => step(state, t - state.now);

describe('the simulated platform in a sold-out window', () => {
  it('refuses an update that grows the flavor in the sold-out AZ whole, with ModelArts.6716 naming the AZ', () => {
    const during = at(world(), 200);
    const outcome = patchPool(during, body({ [A]: 2, [B]: 2 }));
    expect(outcome.refusal).toMatchObject({ status: 400, errorCode: 'ModelArts.6716' });
    expect(outcome.refusal?.message).toContain(A);
    // Nothing changes: not even the AZ in stock grows.
    expect(outcome.state).toBe(during);
    expect(poolView(outcome.state).spec.resources[0]?.count).toBe(2);
    // The cycle's reading of it names the AZ.
    const { errorCode, message } = outcome.refusal ?? { errorCode: '', message: '' };
    expect(capacityRefusal({ errorCode, errorMsg: message }, [A, B])).toEqual({
      kind: 'sold-out',
      code: 'ModelArts.6716',
      az: A,
    });
  });

  it('lets growth in the AZ in stock through, and a shrink in the sold-out AZ', () => {
    const during = at(world({ azs: { [A]: 2, [B]: 1 } }), 200);
    const grown = patchPool(during, body({ [A]: 2, [B]: 3 }));
    expect(grown.refusal).toBeUndefined();
    expect(grown.state.nodes.filter((node) => node.az === B)).toHaveLength(3);
    expect(patchPool(during, body({ [A]: 1, [B]: 1 })).refusal).toBeUndefined();
  });

  it('grows the sold-out AZ before the window opens and once it closes (the end is excluded)', () => {
    const grow = body({ [A]: 2, [B]: 1 });
    expect(patchPool(at(world(), 99), grow).refusal).toBeUndefined();
    expect(patchPool(at(world(), 100), grow).refusal).toBeDefined();
    expect(patchPool(at(world(), 999), grow).refusal).toBeDefined();
    expect(patchPool(at(world(), 1000), grow).refusal).toBeUndefined();
  });

  it('refuses growth of a flavor without AZs only when every AZ it is offered in is sold out', () => {
    const noAzs = (soldOut: SoldOutWindow[]) =>
      createWorld({
        jobs: [],
        pool: pool(),
        capacity: { [FLAVOR]: 10 },
        delays: { provisioningSeconds: 50, deletionSeconds: 10 },
        soldOut,
      });
    const oneOfTwo = at(noAzs([WINDOW, { az: B, from: 0, to: 50 }]), 200);
    expect(patchPool(oneOfTwo, body(undefined, 3)).refusal).toBeUndefined();
    const both = at(noAzs([WINDOW, { az: B, from: 0, to: 500 }]), 200);
    const refused = patchPool(both, body(undefined, 3)).refusal;
    expect(refused?.errorCode).toBe('ModelArts.6716');
    expect(refused?.message).toBe(`flavor ${FLAVOR} is sold out in every availability zone`);
  });

  it('applyPatch, for callers that expect every update through, throws on a sold-out refusal', () => {
    expect(() => applyPatch(at(world(), 200), body({ [A]: 2, [B]: 1 }))).toThrow(SimulationError);
    expect(() => applyPatch(at(world(), 200), body({ [A]: 2, [B]: 1 }))).toThrow(/ModelArts\.6716/);
  });

  it('answers the stock a resourceflavors read would: soldout in the window, normal outside', () => {
    const resources = pool({ [A]: 1, [B]: 1 }).spec.resources;
    expect(stockAt(resources, [WINDOW], 200)).toEqual({ [FLAVOR]: { [A]: 'soldout', [B]: 'normal' } });
    expect(stockAt(resources, [WINDOW], 1000)).toEqual({ [FLAVOR]: { [A]: 'normal', [B]: 'normal' } });
    // A window for another flavor says nothing about this one.
    expect(stockAt(resources, [{ ...WINDOW, flavor: 'other' }], 200)).toEqual({
      [FLAVOR]: { [A]: 'normal', [B]: 'normal' },
    });
  });
});

describe('jobs tied to a sold-out AZ', () => {
  const job = (id: string, arrival: number, az?: string): SimJob =>
    az === undefined
      ? { id, arrival, flavor: FLAVOR, nodes: 1, runTime: 300 }
      : { id, arrival, flavor: FLAVOR, nodes: 1, runTime: 300, az };

  it('cannot run without a free node in their AZ, and are set aside so that the jobs behind them start', () => {
    // One node in each AZ: az-a's busy until 300 s, az-b's until 200 s.
    const jobs = [
      job('busy-a', 0, A),
      { ...job('busy-b', 0, B), runTime: 200 },
      job('tied', 150, A),
      job('free', 160),
    ];
    // The job behind the tied one starts on az-b's node at 200 s; the tied one waits for az-a's, at 300 s.
    expect(at(world({ jobs }), 400).startedAt.slice(2)).toEqual([300, 200]);
    // Out of a window, first come first served: the free job waits behind the tied one.
    expect(at(world({ jobs, soldOut: [] }), 400).startedAt.slice(2)).toEqual([300, 300]);
  });

  it('hold the queue outside a window (the order stays first come, first served)', () => {
    // az-a has no node at all: the tied job can never start, and outside a window the job behind it waits.
    const jobs = [job('tied', 0, A), job('free', 10)];
    const outside = at(world({ azs: { [B]: 1 }, jobs, soldOut: [] }), 500);
    expect(outside.startedAt.every(Number.isNaN)).toBe(true);
    const inside = at(world({ azs: { [B]: 1 }, jobs, soldOut: [{ az: A, from: 0, to: 5000 }] }), 500);
    expect(Number.isNaN(inside.startedAt[0] ?? 0)).toBe(true);
    expect(inside.startedAt[1]).toBe(10);
  });

  it('count apart in the waits: a job tied to an AZ sold out at some moment of its wait cannot run', () => {
    const jobs = [
      job('untied', 0), // waits for az-b's node until 300 s: can run
      job('tied-before', 20, A), // arrives before the window and waits into it: tied to a sold-out AZ
      job('tied-after', 1100, A), // arrives after the window: can run
    ];
    const end = 2000;
    const state = at(world({ azs: { [B]: 1 }, jobs: [...jobs] }), end);
    const figures = figuresOf(state, end, NO_ACTIONS);
    expect(figures.capacity?.runnable).toMatchObject({ jobs: 2, neverStarted: 1 });
    expect(figures.capacity?.tiedToSoldOut).toMatchObject({ jobs: 1, neverStarted: 1 });
    expect(figures.capacity?.tiedToSoldOut.waitSeconds.p95).toBe(end - 20);
    expect(figures.capacity?.runnable.waitSeconds).toEqual({ p50: 0, p95: end - 1100, max: end - 1100 });
    // Without windows the split is not reported.
    expect(figuresOf(at(world({ soldOut: [] }), 10), 10, NO_ACTIONS).capacity).toBeUndefined();
  });
});

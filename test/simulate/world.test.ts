import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Pool } from '../../lib/modelarts/schemas';
import {
  applyNamed,
  applyPatch,
  backlogByAz,
  backlogOf,
  compare,
  createWorld,
  figuresOf,
  type PlatformModel,
  poolView,
  type SimJob,
  SimulationError,
  simNodeName,
  simulationSetup,
  step,
  type WorldState,
} from '../../lib/simulate';

const FLAVOR = 'gpu';

function pool(count: number, azs?: { az: string; count: number }[]): Pool {
  const resource = azs === undefined ? { flavor: FLAVOR, count } : { flavor: FLAVOR, count, azs };
  return {
    metadata: { name: 'simulated-pool-00000000000000000000000000000000' },
    spec: { resources: [resource] },
    status: { phase: 'Running' },
  };
}

/** The flavor resized to `count`, split as `azs` gives when it does. */
const resize = (state: WorldState, count: number, azs?: Record<string, number>) =>
  applyPatch(state, {
    spec: {
      resources: [
        azs === undefined
          ? { flavor: FLAVOR, count }
          : { flavor: FLAVOR, count, azs: Object.entries(azs).map(([az, n]) => ({ az, count: n })) },
      ],
    },
  });

function world(
  jobs: SimJob[],
  count: number,
  delays = { provisioningSeconds: 100, deletionSeconds: 30 },
  platform: PlatformModel = 'graceful',
) {
  return createWorld({ jobs, pool: pool(count), capacity: { [FLAVOR]: 10 }, delays, platform });
}

const NO_ACTIONS = { scaleActions: 0, scaleUps: 0, scaleDowns: 0 };

/** Up to 8 jobs of 1 to 3 nodes arriving in the first 10 minutes, in arrival order. */
const randomJobs = fc
  .array(
    fc.record({
      arrival: fc.integer({ min: 0, max: 600 }),
      nodes: fc.integer({ min: 1, max: 3 }),
      runTime: fc.integer({ min: 1, max: 400 }),
    }),
    { minLength: 1, maxLength: 8 },
  )
  .map((raw) =>
    raw
      .map((job, i): SimJob => ({ id: `j${i}`, flavor: FLAVOR, ...job }))
      .sort((a, b) => a.arrival - b.arrival),
  );

/** Up to 25 steps of at most 90 s, each followed by a resize to 1 to 6 nodes. */
const resizes = fc.array(
  fc.record({ dt: fc.integer({ min: 0, max: 90 }), count: fc.integer({ min: 1, max: 6 }) }),
  { minLength: 1, maxLength: 25 },
);

describe('the simulated pool', () => {
  it('never deletes a busy node: it drains it, then deletes it once its job ends', () => {
    const job: SimJob = { id: 'j', arrival: 0, flavor: FLAVOR, nodes: 2, runTime: 500 };
    let state = step(world([job], 2), 10);
    expect(state.running).toHaveLength(1);

    state = resize(state, 1);
    // The spec asks for 1; the job keeps both nodes, and the one leaving is reported as deleting.
    expect(poolView(state).status?.resources).toEqual({
      available: [{ flavor: FLAVOR, count: 1 }],
      deleting: [{ flavor: FLAVOR, count: 1 }],
    });
    state = step(state, 489);
    expect(state.running).toHaveLength(1);

    state = step(state, 1); // 500: the job ends; the drained node starts its 30 s deletion.
    expect(state.running).toHaveLength(0);
    expect(state.nodes.map((node) => node.phase).sort()).toEqual(['deleting', 'ready']);
    state = step(state, 30); // 530: gone, billed 0..530.
    expect(state.nodes).toHaveLength(1);
    expect(state.billedSeconds).toBe(530);
  });

  it("reports the backlog per AZ: work on each AZ's nodes and queued work tied to it, not draining work", () => {
    const jobs: SimJob[] = [
      { id: 'free', arrival: 0, flavor: FLAVOR, nodes: 2, runTime: 500 },
      { id: 'tied', arrival: 0, flavor: FLAVOR, nodes: 4, runTime: 500, az: 'b' },
      { id: 'queued-free', arrival: 0, flavor: FLAVOR, nodes: 1, runTime: 500 },
    ];
    const start = createWorld({
      jobs,
      pool: pool(3, [
        { az: 'a', count: 2 },
        { az: 'b', count: 1 },
      ]),
      capacity: { [FLAVOR]: 10 },
      delays: { provisioningSeconds: 100, deletionSeconds: 30 },
    });
    // 'free' runs on the two nodes of a; 'tied' waits for 4 nodes of b, and 'queued-free' waits behind it.
    let state = step(start, 10);
    expect(backlogOf(state, FLAVOR, 'nodes')).toBe(7);
    expect(backlogByAz(state, FLAVOR, 'nodes')).toEqual({ a: 2, b: 4 });
    expect(backlogByAz(state, FLAVOR, 'jobs')).toEqual({ a: 1, b: 1 });
    // a shrinks to 1: one of the job's nodes drains, and its work leaves a's backlog.
    state = resize(state, 2, { a: 1, b: 1 });
    expect(backlogByAz(state, FLAVOR, 'nodes')).toEqual({ a: 1, b: 4 });
  });

  it('a scale-up reclaims a draining node before requesting a new one', () => {
    const job: SimJob = { id: 'j', arrival: 0, flavor: FLAVOR, nodes: 2, runTime: 500 };
    let state = resize(step(world([job], 2), 10), 1);
    state = resize(state, 2);
    expect(state.nodes.map((node) => node.phase)).toEqual(['ready', 'ready']);
    expect(poolView(state).status?.resources).toEqual({ available: [{ flavor: FLAVOR, count: 2 }] });
  });

  it('cancels nodes still being created first, billing them until then', () => {
    let state = resize(world([], 1), 3); // two nodes creating from 0
    state = resize(step(state, 40), 2); // the newest is cancelled at 40
    expect(state.billedSeconds).toBe(40);
    expect(state.nodes.map((node) => node.phase)).toEqual(['ready', 'creating']);
    state = step(state, 60); // 100: the other one is ready
    expect(state.nodes.map((node) => node.phase)).toEqual(['ready', 'ready']);
  });

  it('follows the per-AZ counts of the spec, and runs an AZ-bound job only there', () => {
    const job: SimJob = { id: 'j', arrival: 0, flavor: FLAVOR, nodes: 1, runTime: 50, az: 'b' };
    let state = createWorld({
      jobs: [job],
      pool: pool(1, [
        { az: 'a', count: 1 },
        { az: 'b', count: 0 },
      ]),
      capacity: { [FLAVOR]: 4 },
      delays: { provisioningSeconds: 100, deletionSeconds: 0 },
    });
    state = step(state, 0);
    expect(state.running).toHaveLength(0); // the idle node is in AZ a
    state = resize(state, 2, { a: 1, b: 1 });
    expect(poolView(state).status?.resources?.creating).toEqual([
      { flavor: FLAVOR, count: 1, azs: [{ az: 'b', count: 1 }] },
    ]);
    state = step(state, 100);
    expect(state.startedAt).toEqual([100]);
  });

  it('applies updates as the emulator does, refusing what ModelArts would refuse', () => {
    const state = world([], 1);
    expect(() => applyPatch(state, { spec: { resources: [{ flavor: FLAVOR, count: 0 }] } })).toThrow(
      SimulationError,
    );
    expect(() =>
      applyPatch(state, { spec: { resources: [{ flavor: FLAVOR, count: 2 }] }, status: {} }),
    ).toThrow(/invalid update/);
  });

  it('keeps every running job on its own nodes until it ends, whatever the updates (property)', () => {
    fc.assert(
      fc.property(
        randomJobs,
        resizes,
        fc.integer({ min: 0, max: 120 }),
        fc.integer({ min: 0, max: 60 }),
        (jobs, actions, provisioningSeconds, deletionSeconds) => {
          let state = createWorld({
            jobs,
            pool: pool(2),
            capacity: { [FLAVOR]: 6 },
            delays: { provisioningSeconds, deletionSeconds },
          });
          for (const { dt, count } of actions) {
            const before = state;
            state = resize(step(state, dt), count);
            checkInvariants(before, state);
          }
          expect(state.kills).toBe(0);
          expect(state.lostSeconds).toBe(0);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('the platform-picks model of a lower count', () => {
  const delays = { provisioningSeconds: 100, deletionSeconds: 30 };

  it('deletes the newest ready node though it is busy: its job starts again from scratch, first in its queue', () => {
    const jobs: SimJob[] = [
      { id: 'old', arrival: 0, flavor: FLAVOR, nodes: 1, runTime: 1000 },
      { id: 'new', arrival: 0, flavor: FLAVOR, nodes: 1, runTime: 1000 },
      { id: 'later', arrival: 50, flavor: FLAVOR, nodes: 1, runTime: 100 },
    ];
    let state = step(world(jobs, 2, delays, 'platform-picks'), 200);
    expect(state.nodes.map((node) => node.job)).toEqual([0, 1]);

    state = resize(state, 1); // 200: node 1 (the newest) goes, with 'new' on it
    expect(state.kills).toBe(1);
    expect(state.lostSeconds).toBe(200);
    expect(state.running.map((run) => run.job)).toEqual([0]);
    expect(state.queues[FLAVOR]).toEqual([1, 2]); // 'new' before 'later', which arrived after it was started
    expect(state.nodes.map((node) => node.phase)).toEqual(['ready', 'deleting']);

    state = resize(state, 2); // a new node, ready at 300: 'new' starts again there, from scratch
    state = step(state, 100);
    expect(state.startedAt[1]).toBe(300);
    expect(state.running.find((run) => run.job === 1)?.endsAt).toBe(1300);
  });

  it('cancels nodes still being created before it deletes a ready one', () => {
    const job: SimJob = { id: 'j', arrival: 0, flavor: FLAVOR, nodes: 1, runTime: 1000 };
    let state = resize(step(world([job], 1, delays, 'platform-picks'), 10), 2);
    state = resize(step(state, 10), 1);
    expect(state.kills).toBe(0);
    expect(state.nodes.map((node) => node.phase)).toEqual(['ready']);
    expect(state.billedSeconds).toBe(10);
  });

  it('frees the other nodes of a killed job at once, and the graceful model kills nothing on the same steps', () => {
    const jobs: SimJob[] = [{ id: 'wide', arrival: 0, flavor: FLAVOR, nodes: 3, runTime: 1000 }];
    const picks = resize(step(world(jobs, 3, delays, 'platform-picks'), 100), 2);
    expect(picks.kills).toBe(1);
    expect(picks.lostSeconds).toBe(300);
    expect(picks.nodes.filter((node) => node.phase === 'ready').map((node) => node.job)).toEqual([
      undefined,
      undefined,
    ]);
    const graceful = resize(step(world(jobs, 3, delays, 'graceful'), 100), 2);
    expect(graceful.kills).toBe(0);
    expect(graceful.running).toHaveLength(1);
  });

  it('reports killed runs and their lost node-hours in the figures, and counts only unkilled runs as busy', () => {
    const jobs: SimJob[] = [{ id: 'j', arrival: 0, flavor: FLAVOR, nodes: 2, runTime: 600 }];
    let state = resize(step(world(jobs, 2, delays, 'platform-picks'), 360), 1); // killed at 360: 720 lost
    state = resize(state, 2); // ready at 460, the job runs again 460..1060
    state = step(state, 3600 - 360);
    const figures = figuresOf(state, 3600, NO_ACTIONS);
    expect(figures.jobsKilled).toBe(1);
    expect(figures.lostNodeHours).toBeCloseTo(720 / 3600, 9);
    expect(figures.busyNodeHours).toBeCloseTo(1200 / 3600, 9);
    expect(figures.waitSeconds.max).toBe(460);
    expect(figures.finished).toBe(1);
  });

  it('keeps every running job on its own nodes, and accounts each kill as lost work (property)', () => {
    fc.assert(
      fc.property(randomJobs, resizes, (jobs, actions) => {
        let state = createWorld({
          jobs,
          pool: pool(2),
          capacity: { [FLAVOR]: 6 },
          delays: { provisioningSeconds: 50, deletionSeconds: 20 },
          platform: 'platform-picks',
        });
        let lost = 0;
        for (const { dt, count } of actions) {
          const stepped = step(state, dt);
          const after = resize(stepped, count);
          // A killed job may start again at once: a run is its job and its end.
          const runKey = (run: { job: number; endsAt: number }) => `${run.job}@${run.endsAt}`;
          const survivors = new Set(after.running.map(runKey));
          for (const run of stepped.running)
            if (!survivors.has(runKey(run)))
              lost += (jobs[run.job]?.nodes ?? 0) * (stepped.now - (stepped.startedAt[run.job] ?? 0));
          for (const run of after.running)
            for (const id of run.nodes) expect(after.nodes.find((node) => node.id === id)?.job).toBe(run.job);
          expect(after.lostSeconds).toBe(lost);
          state = after;
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe("the scaler's by-name node operations", () => {
  const delays = { provisioningSeconds: 100, deletionSeconds: 30 };
  const none = { drain: [], undrain: [], delete: [] };

  it('a drained node takes no new job; undrained, it takes the next one', () => {
    const jobs: SimJob[] = [{ id: 'j', arrival: 10, flavor: FLAVOR, nodes: 1, runTime: 100 }];
    let state = applyNamed(world(jobs, 1, delays), { ...none, drain: [simNodeName(0)] });
    state = step(state, 20);
    expect(state.running).toHaveLength(0);
    expect(poolView(state).status?.resources).toEqual({ available: [{ flavor: FLAVOR, count: 1 }] });
    state = applyNamed(state, { ...none, undrain: [simNodeName(0)] });
    expect(state.startedAt).toEqual([20]);
  });

  it('a delete by name removes exactly the named nodes and lowers the count by itself', () => {
    const azs = [
      { az: 'a', count: 2 },
      { az: 'b', count: 1 },
    ];
    const start = createWorld({ jobs: [], pool: pool(3, azs), capacity: { [FLAVOR]: 4 }, delays });
    let state = applyNamed(step(start, 10), { ...none, delete: [simNodeName(1), 'sim-node-99'] });
    expect(state.nodes.map((node) => [node.id, node.phase])).toEqual([
      [0, 'ready'],
      [1, 'deleting'],
      [2, 'ready'],
    ]);
    expect(state.pool.spec.resources).toEqual([
      {
        flavor: FLAVOR,
        count: 2,
        azs: [
          { az: 'a', count: 1 },
          { az: 'b', count: 1 },
        ],
      },
    ]);
    state = step(state, 30);
    expect(state.nodes.map((node) => node.id)).toEqual([0, 2]);
    expect(state.billedSeconds).toBe(40);
  });
});

/** Every running job holds its own busy nodes; a job leaves `running` only at its end. */
function checkInvariants(before: WorldState, after: WorldState): void {
  const byId = new Map(after.nodes.map((node) => [node.id, node]));
  const seen = new Set<number>();
  for (const run of after.running) {
    const job = after.jobs[run.job] as SimJob;
    expect(run.nodes).toHaveLength(job.nodes);
    for (const id of run.nodes) {
      expect(seen.has(id)).toBe(false);
      seen.add(id);
      const node = byId.get(id);
      expect(node?.job).toBe(run.job);
      expect(['ready', 'draining']).toContain(node?.phase);
    }
  }
  for (const node of after.nodes) if (node.job !== undefined) expect(seen.has(node.id)).toBe(true);
  const stillRunning = new Set(after.running.map((run) => run.job));
  for (const run of before.running)
    if (!stillRunning.has(run.job)) expect(after.now).toBeGreaterThanOrEqual(run.endsAt);
  // The spec's count is what creating and ready nodes add up to, unless busy nodes are draining towards it.
  const wanted = after.pool.spec.resources[0]?.count ?? 0;
  const planned = after.nodes.filter((node) => node.phase === 'creating' || node.phase === 'ready').length;
  expect(planned).toBe(wanted);
}

describe('figures over random traces (property)', () => {
  it('are consistent for every policy, and the same when run again', () => {
    const jobArb = fc.record({
      arrival: fc.integer({ min: 0, max: 1800 }),
      nodes: fc.integer({ min: 1, max: 5 }),
      runTime: fc.integer({ min: 1, max: 1200 }),
    });
    fc.assert(
      fc.property(
        fc.array(jobArb, { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 0, max: 300 }),
        fc.constantFrom(30, 60),
        (rawJobs, provisioningDelaySeconds, intervalSeconds) => {
          const jobs = rawJobs
            .map((job, i): SimJob => ({ id: `j${i}`, flavor: FLAVOR, ...job }))
            .sort((a, b) => a.arrival - b.arrival);
          const { setup } = simulationSetup({
            name: 'random',
            jobs,
            max: 4,
            provisioningDelaySeconds,
            deletionDelaySeconds: 30,
            intervalSeconds,
          });
          const results = compare(setup);
          for (const { figures: f } of results) {
            expect(f.started + f.neverStarted).toBe(f.jobs);
            expect(f.finished).toBeLessThanOrEqual(f.started);
            expect(f.refused).toBeLessThanOrEqual(f.neverStarted);
            expect(f.busyNodeHours).toBeLessThanOrEqual(f.nodeHours + 1e-9);
            expect(f.waitSeconds.p50).toBeGreaterThanOrEqual(0);
            expect(f.waitSeconds.p50).toBeLessThanOrEqual(f.waitSeconds.p95);
            expect(f.waitSeconds.p95).toBeLessThanOrEqual(f.waitSeconds.max);
          }
          // Jobs bigger than max (5 > 4) are refused by every policy; the rest run under static-at-max.
          const tooBig = jobs.filter((job) => job.nodes > 4).length;
          expect(results.find((r) => r.policy === 'static-max')?.figures.refused).toBe(tooBig);
          expect(JSON.stringify(compare(setup))).toBe(JSON.stringify(results));
        },
      ),
      { numRuns: 25 },
    );
  });
});

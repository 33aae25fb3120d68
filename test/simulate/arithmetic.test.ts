import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../lib/config';
import {
  compare,
  defaultSimulationConfig,
  parseTrace,
  type SimulationFigures,
  type SimulationResult,
  simulate,
  simulationSetup,
} from '../../lib/simulate';
import { HAND_CHECKED_TRACE, handChecked } from './hand-checked';

// A three-job trace worked out by hand for every policy. The built-in policy: min 1, max 4, backlog counted in
// nodes at 1 per node, the built-in scale rules (no tolerance band for a backlog in nodes, scale-up 32 nodes or
// 100% per 15 s, scale-down after a 120 s window with no cooldown, no scale-down with nodes in flight). Nodes
// are ready 120 s after the request and billed 60 s after their deletion; a cycle every 60 s; 1200 s simulated.
//
//   A: arrives 0,   1 node,  runs 600 s
//   B: arrives 30,  2 nodes, runs 300 s
//   C: arrives 100, 1 node,  runs 200 s
//
// Busy node-seconds are the same whenever every job runs to its end: A 600 + B 2 x 300 + C 200 = 1400.
const TRACE = HAND_CHECKED_TRACE;

const HOUR = 3600;
/** These figures are worked out for a lower count (the platform's graceful model): the method is pinned. */
const COUNT = { method: 'count' } as const;

const byPolicy = (results: SimulationResult[], policy: string): SimulationFigures => {
  const found = results.find((result) => result.policy === policy);
  if (!found) throw new Error(`no ${policy} result`);
  return found.figures;
};

describe('simulation figures on a hand-checked trace', () => {
  const results: SimulationResult[] = compare(handChecked());

  it('the real planner: scales up at 60 and 120 s, and down only once the 120 s window has passed', () => {
    // 0 s: 1 node (ready), A starts on it. Backlog 1 = 1 node: hold.
    // 60 s: backlog A 1 + B 2 = 3 nodes: 1 -> 3 (2 nodes requested, ready at 180).
    // 120 s: backlog 4 (C queued): 3 -> 4 (1 node, ready at 240).
    // 180 s: B starts on the two new nodes (waited 150). 240 s: C starts on the last one (waited 140).
    // 480 s: B has ended (C at 440): backlog 1, but the 120 s window still holds the 4 of 420 s.
    // 540 s: the window holds only the 1 of 480 s: 4 -> 1, the three idle nodes deleting until 600.
    // Node-seconds: node 0 0..1200 = 1200; two nodes 60..600 = 2 x 540; one node 120..600 = 480 -> 2760.
    const figures = byPolicy(results, 'policy');
    expect(figures.nodeHours).toBeCloseTo(2760 / HOUR, 9);
    expect(figures.busyNodeHours).toBeCloseTo(1400 / HOUR, 9);
    expect(figures.nodeHoursPerBusyNodeHour).toBeCloseTo(2760 / 1400, 9);
    // Waits 0, 140, 150: nearest rank p50 is the 2nd, p95 the 3rd.
    expect(figures.waitSeconds).toEqual({ p50: 140, p95: 150, max: 150 });
    expect(figures).toMatchObject({ jobs: 3, started: 3, finished: 3, neverStarted: 0, refused: 0 });
    expect(figures).toMatchObject({ scaleActions: 3, scaleUps: 2, scaleDowns: 1 });
  });

  it('a scale-down window as long as the cycle still gives nodes back, as soon as KEDA-equivalent does', () => {
    // A 60 s window at a 60 s cycle holds only the current reading: 4 -> 1 at 480 s, as KEDA-equivalent.
    const config = parseConfig({
      env: {},
      text: `connections: [{ name: c, region: r, projectId: p, auth: { type: none } }]
pools:
  - name: simulated-pool-00000000000000000000000000000000
    flavors:
      - flavor: "*"
        max: 4
        backlog: { source: { type: static, value: 0 }, unit: nodes }
        scaleDown: { stabilizationWindowSeconds: 60 }
`,
    });
    const { setup } = simulationSetup({
      scaleDown: COUNT,
      name: 'window of one cycle',
      jobs: parseTrace(TRACE),
      config,
      provisioningDelaySeconds: 120,
      deletionDelaySeconds: 60,
      intervalSeconds: 60,
      durationSeconds: 1200,
    });
    expect(simulate(setup).figures.nodeHours).toBeCloseTo(2580 / HOUR, 9);
  });

  it('KEDA-equivalent: the same scale-ups, and the scale-down as soon as the backlog drops', () => {
    // As the planner until 480 s, where backlog 1 takes it straight to 1: the three idle nodes are deleted at
    // 480 and billed until 540. At 600 s A ends: backlog 0, but min is 1: hold.
    // Node-seconds: 1200 + 2 x (540 - 60) + (540 - 120) = 1200 + 960 + 420 = 2580.
    const figures = byPolicy(results, 'keda');
    expect(figures.nodeHours).toBeCloseTo(2580 / HOUR, 9);
    expect(figures.nodeHoursPerBusyNodeHour).toBeCloseTo(2580 / 1400, 9);
    expect(figures.waitSeconds).toEqual({ p50: 140, p95: 150, max: 150 });
    expect(figures).toMatchObject({ scaleActions: 3, scaleUps: 2, scaleDowns: 1 });
  });

  it('static at max: 4 nodes all along, and nobody waits', () => {
    const figures = byPolicy(results, 'static-max');
    expect(figures.nodeHours).toBeCloseTo((4 * 1200) / HOUR, 9);
    expect(figures.nodeHoursPerBusyNodeHour).toBeCloseTo(4800 / 1400, 9);
    expect(figures.waitSeconds).toEqual({ p50: 0, p95: 0, max: 0 });
    expect(figures.scaleActions).toBe(0);
  });

  it('static at the mean: ceil(1400 / 1200) = 2 nodes, and a strict FIFO queue', () => {
    // A starts at 0 on one node. B needs 2 and waits for A (600 s, waited 570). C fits on the idle node at 100
    // but queues behind B (no backfill): it starts when B ends at 900 (waited 800).
    const result = results.find((r) => r.policy === 'static-mean');
    expect(result?.initialCounts).toEqual({ gpu: 2 });
    const figures = byPolicy(results, 'static-mean');
    expect(figures.nodeHours).toBeCloseTo((2 * 1200) / HOUR, 9);
    expect(figures.busyNodeHours).toBeCloseTo(1400 / HOUR, 9);
    expect(figures.waitSeconds).toEqual({ p50: 570, p95: 800, max: 800 });
    expect(figures.finished).toBe(3);
  });

  it('samples every cycle: backlog, target and nodes as the planner left them', () => {
    const series = simulate(handChecked()).series;
    expect(series.length).toBe(20);
    expect(series.slice(0, 5)).toEqual([
      { t: 0, backlog: 1, target: 1, available: 1, busy: 1 },
      { t: 60, backlog: 3, target: 3, available: 1, busy: 1 },
      { t: 120, backlog: 4, target: 4, available: 1, busy: 1 },
      { t: 180, backlog: 4, target: 4, available: 3, busy: 3 },
      { t: 240, backlog: 4, target: 4, available: 4, busy: 4 },
    ]);
    expect(series.find((sample) => sample.t === 1020)).toEqual({
      t: 1020,
      backlog: 0,
      target: 1,
      available: 1,
      busy: 0,
    });
  });

  it('counts a job that never starts, with its wait running to the end', () => {
    // With max 4, a 5-node job can never run: it is refused on arrival and never starts.
    const { setup } = simulationSetup({
      scaleDown: COUNT,
      name: 'too big',
      jobs: parseTrace('arrival,flavor,nodes,runTime\n0,gpu,1,60\n100,gpu,5,60\n'),
      max: 4,
      provisioningDelaySeconds: 0,
      deletionDelaySeconds: 0,
      intervalSeconds: 60,
      durationSeconds: 600,
    });
    const figures = simulate(setup).figures;
    expect(figures).toMatchObject({ jobs: 2, started: 1, neverStarted: 1, refused: 1 });
    // Waits 0 and 600 - 100 = 500.
    expect(figures.waitSeconds).toEqual({ p50: 0, p95: 500, max: 500 });
  });
});

describe('the in-flight guard on a hand-checked trace', () => {
  // Nodes ready 120 s after the request, billed 60 s after deletion, a cycle every 60 s, 600 s simulated; min 1.
  //
  //   A: arrives 0,  1 node,  runs 90 s (on the starting node)
  //   B: arrives 30, 2 nodes, runs 300 s
  //
  // Both bare rules grow 1 -> 3 at 60 s (backlog A 1 + B 2; two nodes ready at 180). A ends at 90 and frees its
  // node, but B needs two: it waits. At 120 s the backlog is B's 2 nodes while 3 are requested, 2 of them still
  // being created. Busy node-seconds: A 90 + B 2 x 300 = 690.
  const { setup } = simulationSetup({
    scaleDown: COUNT,
    name: 'a job ends while nodes are being created',
    jobs: parseTrace('arrival,flavor,nodes,runTime\n0,gpu,1,90\n30,gpu,2,300\n'),
    max: 4,
    provisioningDelaySeconds: 120,
    deletionDelaySeconds: 60,
    intervalSeconds: 60,
    durationSeconds: 600,
  });
  const results = compare(setup);

  it('KEDA-equivalent cancels a node still being created', () => {
    // 120 s: 3 -> 2 cancels the newest creating node (billed 60..120). 180 s: B starts on A's node and the other
    // new one (waited 150). B ends at 480: 2 -> 1, its newer node deleted, billed until 540.
    // Node-seconds: 0..600 = 600, 60..540 = 480, 60..120 = 60 -> 1140.
    const figures = byPolicy(results, 'keda');
    expect(figures.nodeHours).toBeCloseTo(1140 / HOUR, 9);
    expect(figures.busyNodeHours).toBeCloseTo(690 / HOUR, 9);
    expect(figures.waitSeconds).toEqual({ p50: 0, p95: 150, max: 150 });
    expect(figures).toMatchObject({ scaleActions: 3, scaleUps: 1, scaleDowns: 2 });
  });

  it('KEDA-eq. + guard holds the count until the nodes are ready, then gives the spare one back', () => {
    // 120 s: two nodes creating, so no scale-down. 180 s: B starts on the two oldest idle nodes (waited 150, as
    // above) and 3 -> 2 deletes the third, billed 60..240. 480 s: 2 -> 1 as above.
    // Node-seconds: 600 + 480 + 180 = 1260: the guard's price here is 120 node-seconds, and no wait.
    const figures = byPolicy(results, 'keda-guarded');
    expect(figures.nodeHours).toBeCloseTo(1260 / HOUR, 9);
    expect(figures.waitSeconds).toEqual({ p50: 0, p95: 150, max: 150 });
    expect(figures).toMatchObject({ scaleActions: 3, scaleUps: 1, scaleDowns: 2 });
    const at = (t: number) => results.find((r) => r.policy === 'keda-guarded')?.series.find((x) => x.t === t);
    expect(at(120)?.target).toBe(3);
    expect(at(180)?.target).toBe(2);
  });

  it('KEDA-eq. + guard is KEDA-equivalent when no node is ever in flight', () => {
    const { setup: instant } = simulationSetup({
      scaleDown: COUNT,
      name: 'instant nodes',
      jobs: parseTrace(TRACE),
      max: 4,
      provisioningDelaySeconds: 0,
      deletionDelaySeconds: 0,
      intervalSeconds: 60,
      durationSeconds: 1200,
    });
    const [keda, guarded] = [simulate(instant, 'keda'), simulate(instant, 'keda-guarded')];
    expect(guarded.figures).toEqual(keda.figures);
    expect(guarded.series).toEqual(keda.series);
  });
});

describe('jobs tied to an AZ', () => {
  // Two AZs, min 1 (the starting node in a), nodes ready 120 s after the request, a cycle every 60 s. One job
  // arrives at 0 asking for 2 nodes of AZ a and runs 300 s.
  const trace = 'arrival,flavor,nodes,runTime,az\n0,gpu,2,300,a\n';
  const withStrategy = (azStrategy: string) =>
    simulationSetup({
      scaleDown: COUNT,
      name: `pinned, ${azStrategy}`,
      jobs: parseTrace(trace),
      config: parseConfig({
        env: {},
        text: `connections: [{ name: c, region: r, projectId: p, auth: { type: none } }]
pools:
  - name: simulated-pool-00000000000000000000000000000000
    flavors:
      - { flavor: "*", max: 4, azStrategy: ${azStrategy}, backlog: { source: { type: static, value: 0 }, unit: nodes } }
`,
      }),
      azs: ['a', 'b'],
      provisioningDelaySeconds: 120,
      deletionDelaySeconds: 60,
      intervalSeconds: 60,
      durationSeconds: 900,
    }).setup;

  it('balanced puts the second node in b, where the job cannot use it, and the job never starts', () => {
    const figures = simulate(withStrategy('balanced')).figures;
    expect(figures).toMatchObject({ started: 0, neverStarted: 1 });
  });

  it("'backlog' reads the per-AZ backlog and puts it in a: the job starts when it is ready", () => {
    // 0 s: backlog 2 nodes, all in a; a has 1: 1 -> 2 in a, ready at 120; the job starts then (waited 120).
    // It ends at 420; the 480 s cycle gives the second node back (deleted by 540).
    // Node-seconds: 900 + (540 - 0) = 1440.
    const figures = simulate(withStrategy('backlog')).figures;
    expect(figures).toMatchObject({ started: 1, finished: 1 });
    // The baselines place nodes with the same strategy.
    expect(simulate(withStrategy('backlog'), 'keda').figures.waitSeconds.max).toBe(120);
    expect(simulate(withStrategy('balanced'), 'keda').figures.started).toBe(0);
    expect(figures.waitSeconds).toEqual({ p50: 120, p95: 120, max: 120 });
    expect(figures.nodeHours).toBeCloseTo(1440 / HOUR, 9);
  });
});

describe('simulationSetup', () => {
  it('names every bad setting', () => {
    expect(() =>
      simulationSetup({
        scaleDown: COUNT,
        name: 'bad',
        jobs: parseTrace(TRACE),
        provisioningDelaySeconds: -1,
        deletionDelaySeconds: 0,
        intervalSeconds: 0,
        durationSeconds: 1200,
      }),
    ).toThrow(
      'provisioningDelaySeconds must be a number of seconds >= 0 (got -1); intervalSeconds must be a number of seconds > 0 (got 0)',
    );
  });

  it('notes jobs arriving after the end', () => {
    const { notes } = simulationSetup({
      scaleDown: COUNT,
      name: 'short',
      jobs: parseTrace('arrival,flavor,nodes,runTime\n0,gpu,1,60\n900,gpu,1,60\n'),
      config: defaultSimulationConfig(4),
      provisioningDelaySeconds: 0,
      deletionDelaySeconds: 0,
      durationSeconds: 600,
    });
    expect(notes).toEqual(['1 job(s) arrive after the end of the simulation (600 s): left out']);
  });

  it('holds a flavor the config does not manage, and says so', () => {
    const config = parseConfig({
      env: {},
      text: `connections: [{ name: c, region: r, projectId: p, auth: { type: none } }]
pools:
  - name: gpu-pool-000000000000000000000000000000000000
    flavors: [{ flavor: gpu, max: 4, backlog: { source: { type: static, value: 0 } } }]
`,
    });
    const { setup, notes } = simulationSetup({
      scaleDown: COUNT,
      name: 'mixed',
      jobs: parseTrace('arrival,flavor,nodes,runTime\n0,gpu,1,60\n0,cpu,2,60\n'),
      config,
      provisioningDelaySeconds: 0,
      deletionDelaySeconds: 0,
    });
    expect(notes).toEqual(['flavor cpu is not managed by pools[0]: held at 1 node']);
    // The 2-node cpu job can never fit the 1 held node: refused.
    expect(simulate(setup).figures).toMatchObject({ jobs: 2, started: 1, refused: 1 });
  });
});

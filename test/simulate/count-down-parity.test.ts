// The emulator's count-down (lib/nodes resizeNodes) and the simulator's platform-picks model run one rule
// (countDownOrder), and one rule for a busy node (busyHostIps): from the same nodes and jobs, both see the same
// nodes busy, and a lower count removes the same nodes and kills the same jobs.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Pool } from '../../lib/modelarts/schemas';
import {
  busyIps,
  type NodeJob,
  type NodePhase,
  type NodePool,
  type PoolNode,
  resizeNodes,
} from '../../lib/nodes';
import {
  applyPatch,
  busyIpsOf,
  createWorld,
  type SimJob,
  type SimNode,
  simNodeIp,
  type WorldState,
} from '../../lib/simulate';

const FLAVOR = 'gpu';
const AZS = ['az-1', 'az-2'] as const;
const NOW = 100;
const RUN_TIME = 1000;

type Phase = 'creating' | 'ready' | 'deleting';

interface NodeSpec {
  az: (typeof AZS)[number];
  phase: Phase;
  drained: boolean;
}

interface JobSpec {
  /** Indexes of ready nodes, each in at most one job (a simulated node runs one job). */
  nodes: number[];
  /** Whether the job still holds its nodes; a Completed one (the emulator's) holds none. */
  holding: boolean;
}

interface Case {
  nodes: NodeSpec[];
  jobs: JobSpec[];
  targets: Record<string, number>;
}

const EMULATOR_PHASE: Record<Phase, NodePhase> = {
  creating: 'Creating',
  ready: 'Available',
  deleting: 'Deleting',
};
const ipOf = (index: number) => `10.0.0.${index + 1}`;
const nameOf = (index: number) => `node-${index}`;
const jobId = (index: number) => `job-${index}`;

/** The case as the emulator's model holds it: nodes oldest first, jobs by host IP. */
function emulatorPool({ nodes, jobs }: Case): NodePool {
  const poolNodes: PoolNode[] = nodes.map((node, index) => ({
    name: nameOf(index),
    privateIp: ipOf(index),
    az: node.az,
    flavor: FLAVOR,
    phase: EMULATOR_PHASE[node.phase],
    billing: 'pay-per-use',
    deleteLocked: false,
    drained: node.drained,
    createdAt: 0,
    ...(node.phase === 'ready' ? {} : { phaseEndsAt: Number.MAX_SAFE_INTEGER }),
  }));
  const nodeJobs: NodeJob[] = jobs.map((job, index) => ({
    id: jobId(index),
    flavor: FLAVOR,
    status: job.holding ? 'Running' : 'Completed',
    hostIps: job.nodes.map(ipOf),
  }));
  return { pool: 'pool-a', nodes: poolNodes, jobs: nodeJobs, nextSerial: nodes.length };
}

function specOf(counts: Record<string, number>): Pool['spec']['resources'] {
  const azs = AZS.map((az) => ({ az, count: counts[az] ?? 0 }));
  return [{ flavor: FLAVOR, count: azs.reduce((sum, az) => sum + az.count, 0), azs }];
}

/** The same case as a simulated world under platform-picks: node ids in the emulator's list order. */
function simulatedWorld({ nodes, jobs }: Case): WorldState {
  const planned: Record<string, number> = {};
  for (const node of nodes) if (node.phase !== 'deleting') planned[node.az] = (planned[node.az] ?? 0) + 1;
  const simJobs: SimJob[] = jobs.map((job, index) => ({
    id: jobId(index),
    arrival: 0,
    flavor: FLAVOR,
    nodes: job.nodes.length,
    runTime: RUN_TIME,
  }));
  const state = createWorld({
    jobs: simJobs,
    pool: {
      metadata: { name: 'pool-a' },
      spec: { resources: specOf(planned) },
      status: { phase: 'Running' },
    },
    capacity: { [FLAVOR]: nodes.length },
    delays: { provisioningSeconds: 10_000, deletionSeconds: 10_000 },
    platform: 'platform-picks',
  });
  const holding = jobs.flatMap((job, index) => (job.holding ? [{ ...job, index }] : []));
  const jobOn = new Map(holding.flatMap((job) => job.nodes.map((node) => [node, job.index] as const)));
  const simNodes: SimNode[] = nodes.map((node, id) => ({
    id,
    flavor: FLAVOR,
    az: node.az,
    requestedAt: 0,
    phase: node.phase,
    until: node.phase === 'ready' ? 0 : 10_000,
    ...(jobOn.has(id) ? { job: jobOn.get(id) } : {}),
    ...(node.drained ? { drained: true } : {}),
  }));
  return {
    ...state,
    now: NOW,
    nextArrival: jobs.length,
    nodes: simNodes,
    nextNodeId: nodes.length,
    running: holding.map((job) => ({ job: job.index, endsAt: RUN_TIME, nodes: [...job.nodes] })),
    startedAt: jobs.map((job) => (job.holding ? 0 : Number.NaN)),
  };
}

interface Outcome {
  removed: string[];
  killed: string[];
}

function emulatorCountDown(input: Case): Outcome {
  const result = resizeNodes(
    emulatorPool(input),
    specOf(input.targets),
    { now: NOW, transitionMs: 1 },
    'pay-per-use',
  );
  return { removed: result.removed.map((node) => node.name).sort(), killed: [...result.killed].sort() };
}

function simulatorCountDown(input: Case): Outcome {
  const before = simulatedWorld(input);
  const after = applyPatch(before, { spec: { resources: specOf(input.targets) } });
  const still = new Map(after.nodes.map((node) => [node.id, node.phase]));
  const removed = before.nodes
    .filter((node) => node.phase !== 'deleting' && still.get(node.id) !== node.phase)
    .map((node) => nameOf(node.id));
  // A killed job may start again at once, on other nodes: a run is its job and its end.
  const runKey = (run: { job: number; endsAt: number }) => `${run.job}@${run.endsAt}`;
  const survivors = new Set(after.running.map(runKey));
  const killed = before.running.filter((run) => !survivors.has(runKey(run))).map((run) => jobId(run.job));
  expect(after.kills).toBe(killed.length);
  return { removed: removed.sort(), killed: killed.sort() };
}

/**
 * Nodes of mixed phases, AZs and ages; jobs on disjoint sets of ready nodes; a lower count per AZ, of at least 1
 * in all (ModelArts refuses a flavor at 0).
 */
const cases: fc.Arbitrary<Case> = fc
  .array(
    fc.record({
      az: fc.constantFrom(...AZS),
      phase: fc.constantFrom<Phase>('creating', 'ready', 'ready', 'deleting'),
      drained: fc.boolean(),
    }),
    { minLength: 1, maxLength: 12 },
  )
  .chain((nodes) => {
    const ready = nodes.flatMap((node, index) => (node.phase === 'ready' ? [index] : []));
    const planned = (az: string) =>
      nodes.filter((node) => node.az === az && node.phase !== 'deleting').length;
    return fc.record({
      nodes: fc.constant(nodes),
      jobs: fc
        .tuple(fc.shuffledSubarray(ready), fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 6 }))
        .chain(([free, sizes]) => {
          const groups: number[][] = [];
          let at = 0;
          for (const size of sizes) {
            if (at >= free.length) break;
            groups.push(free.slice(at, at + size));
            at += size;
          }
          return fc.tuple(
            ...groups.map((group) => fc.record({ nodes: fc.constant(group), holding: fc.boolean() })),
          );
        }),
      targets: fc.record({
        'az-1': fc.integer({ min: 0, max: planned('az-1') }),
        'az-2': fc.integer({ min: 0, max: planned('az-2') }),
      }),
    });
  })
  .filter(({ targets }) => Object.values(targets).reduce((sum, count) => sum + count, 0) >= 1);

/** The names of the nodes each side counts busy. */
function busyNames(input: Case): { emulator: string[]; simulator: string[] } {
  const pool = emulatorPool(input);
  const emulatorBusy = busyIps(pool);
  const world = simulatedWorld(input);
  const simulatorBusy = busyIpsOf(world);
  return {
    emulator: pool.nodes.filter((node) => emulatorBusy.has(node.privateIp)).map((node) => node.name),
    simulator: world.nodes
      .filter((node) => simulatorBusy.has(simNodeIp(node.id)))
      .map((node) => nameOf(node.id)),
  };
}

describe('one count-down rule for the emulator and the simulator', () => {
  it('counts the same nodes busy: those a job still holds (property)', () => {
    fc.assert(
      fc.property(cases, (input) => {
        const { emulator, simulator } = busyNames(input);
        expect(simulator).toEqual(emulator);
        const held = input.jobs.filter((job) => job.holding).flatMap((job) => job.nodes.map(nameOf));
        expect(emulator.sort()).toEqual(held.sort());
      }),
      { numRuns: 200 },
    );
  });

  it('removes the same nodes and kills the same jobs from the same pool (property)', () => {
    fc.assert(
      fc.property(cases, (input) => {
        expect(simulatorCountDown(input)).toEqual(emulatorCountDown(input));
      }),
      { numRuns: 500 },
    );
  });

  it('cancels the creating node, then takes the newest ready node and kills its job, in both', () => {
    const input: Case = {
      nodes: [
        { az: 'az-1', phase: 'ready', drained: false },
        { az: 'az-1', phase: 'ready', drained: false },
        { az: 'az-1', phase: 'ready', drained: false },
        { az: 'az-1', phase: 'creating', drained: false },
        { az: 'az-2', phase: 'ready', drained: false },
      ],
      jobs: [
        { nodes: [0], holding: true },
        { nodes: [2], holding: true },
        { nodes: [1], holding: false },
      ],
      targets: { 'az-1': 2, 'az-2': 1 },
    };
    const expected = { removed: ['node-2', 'node-3'], killed: ['job-1'] };
    expect(emulatorCountDown(input)).toEqual(expected);
    expect(simulatorCountDown(input)).toEqual(expected);
  });
});

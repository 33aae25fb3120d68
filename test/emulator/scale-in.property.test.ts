// Invariant 13 on the platform model: scaling in by named idle nodes (list nodes, check their jobs by host IP,
// drain, check again, delete those still idle) deletes no busy node, however jobs arrive and end between every
// step. Run over 1,000 random placements and scale-downs on the node model directly, then over real HTTP with
// the ModelArts client against the emulator. Against it: the same steps without the second check, and a
// count-down, both of which kill jobs.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Emulator, loadSeedPools, startEmulator } from '../../emulator/server';
import {
  createModelArtsClient,
  createNodesApi,
  createWorkloadsApi,
  type NodesApi,
  nodeFacts,
  type WorkloadsApi,
} from '../../lib/modelarts/index';
import {
  busyIps,
  deleteNodesByName,
  drainNodes,
  emptyNodePool,
  type NodeChange,
  type NodePool,
  placeJob,
  resizeNodes,
  setJobStatus,
  settleNodes,
  updateNode,
} from '../../lib/nodes';
import { type Arrival, gap } from './arrivals';
import { testClock } from './harness';

const FLAVOR = 'modelarts.vm.cpu.4ud';
const OTHER = 'modelarts.vm.cpu.8u';
const TRANSITION = 60_000;
const T0 = Date.parse('2025-06-01T12:00:00Z');

const round = fc.record({ remove: fc.integer({ min: 1, max: 3 }), gaps: fc.tuple(gap, gap, gap, gap) });

interface Scenario {
  azs: [number, number];
  /** Nodes locked, yearly/monthly, abnormal: by index, modulo the node count. */
  marks: { lock: number[]; prepaid: number[]; abnormal: number[] };
  /** Jobs running at the start: each on one or two nodes, by index. */
  jobs: { pick: number; width: 1 | 2 }[];
  rounds: { remove: number; gaps: [Arrival[], Arrival[], Arrival[], Arrival[]] }[];
}

const scenario: fc.Arbitrary<Scenario> = fc.record({
  azs: fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 6 })),
  marks: fc.record({
    lock: fc.array(fc.nat(20), { maxLength: 2 }),
    prepaid: fc.array(fc.nat(20), { maxLength: 2 }),
    abnormal: fc.array(fc.nat(20), { maxLength: 1 }),
  }),
  jobs: fc.array(fc.record({ pick: fc.nat(50), width: fc.constantFrom(1 as const, 2 as const) }), {
    maxLength: 8,
  }),
  rounds: fc.array(round, { minLength: 1, maxLength: 4 }),
});

/** A node as the scale-in sees it in the node list. */
interface Seen {
  name: string;
  ip: string | undefined;
  flavor: string;
  phase: string;
  drained: boolean;
  locked: boolean;
  billing: string;
}

/** The platform as the scale-in steps reach it: the node model, or the client against the emulator. */
interface Platform {
  list(): Promise<Seen[]>;
  busy(ips: string[]): Promise<Set<string>>;
  drain(names: string[]): Promise<void>;
  remove(names: string[]): Promise<void>;
  /** Starts or ends a job, the way the arrival says; new jobs land only where the scheduler may put them. */
  arrive(event: Arrival): Promise<void>;
  /** Time passes: nodes being deleted leave. */
  settle(): Promise<void>;
  /** Jobs that failed so far. */
  killed(): Promise<number>;
  /** Nodes deleted while a job held them, counted by the platform at the moment of the delete. */
  busyDeleted: number;
}

/**
 * One scale-in as the idle-nodes method does it, over several rounds: pick `remove` deletable idle nodes of the
 * flavor, drain them, check again, delete those still idle (and any node drained earlier that is idle now).
 * A platform event happens between every two steps. `recheck: false` skips the second check (the mutation).
 */
async function scaleIn(platform: Platform, rounds: Scenario['rounds'], recheck = true): Promise<void> {
  const drainedByUs = new Set<string>();
  for (const { remove, gaps } of rounds) {
    const nodes = await platform.list();
    const deletable = nodes.filter(
      (node) =>
        node.flavor === FLAVOR &&
        node.phase === 'Available' &&
        !node.drained &&
        !node.locked &&
        node.billing === 'pay-per-use' &&
        node.ip !== undefined,
    );
    const busy = await platform.busy(deletable.map((node) => node.ip as string));
    const staying = nodes.filter((node) => node.flavor === FLAVOR && node.phase !== 'Deleting').length;
    const chosen = deletable
      .filter((node) => !busy.has(node.ip as string))
      .slice(0, Math.min(remove, staying - 1));
    await each(gaps[0], platform);
    if (chosen.length > 0) await platform.drain(chosen.map((node) => node.name));
    for (const node of chosen) drainedByUs.add(node.name);
    await each(gaps[1], platform);
    const present = (await platform.list()).filter(
      (node) => drainedByUs.has(node.name) && node.phase === 'Available',
    );
    const again = recheck ? await platform.busy(present.map((node) => node.ip as string)) : new Set<string>();
    const idle = present.filter((node) => !again.has(node.ip as string));
    await each(gaps[2], platform);
    const left = (await platform.list()).filter(
      (node) => node.flavor === FLAVOR && node.phase !== 'Deleting',
    );
    const going = idle.slice(0, left.length - 1).map((node) => node.name);
    if (going.length > 0) await platform.remove(going);
    for (const name of going) drainedByUs.delete(name);
    await each(gaps[3], platform);
    await platform.settle();
  }
}

async function each(events: readonly Arrival[], platform: Platform): Promise<void> {
  for (const event of events) await platform.arrive(event);
}

// ---------------------------------------------------------------------------------------------------------------
// the node model

function ok(change: NodeChange): NodePool {
  if (!change.ok) throw new Error(`refused: ${JSON.stringify(change.refusal)}`);
  return change.pool;
}

function startingPool(scenario: Scenario): NodePool {
  const [a, b] = scenario.azs;
  const resources = [
    {
      flavor: FLAVOR,
      count: a + b,
      azs: [{ az: 'az-1', count: a }, ...(b > 0 ? [{ az: 'az-2', count: b }] : [])],
    },
    { flavor: OTHER, count: 1 },
  ];
  let pool = settleNodes(
    resizeNodes(emptyNodePool('pool'), resources, { now: T0, transitionMs: TRANSITION }, 'pay-per-use').pool,
    T0 + TRANSITION,
  );
  const names = pool.nodes.filter((node) => node.flavor === FLAVOR).map((node) => node.name);
  const mark = (picks: number[], update: Parameters<typeof updateNode>[2]) => {
    for (const pick of picks) pool = ok(updateNode(pool, names[pick % names.length] as string, update, T0));
  };
  mark(scenario.marks.lock, { deleteLocked: true });
  mark(scenario.marks.prepaid, { billing: 'yearly-monthly' });
  mark(scenario.marks.abnormal, { phase: 'Abnormal' });
  return pool;
}

/** The schedulable nodes of the flavor, and the `width` of them an arrival picks. */
function picked<T extends { name: string }>(schedulable: T[], pick: number, width: number): string[] {
  if (schedulable.length === 0) return [];
  const count = Math.min(width, schedulable.length);
  return Array.from({ length: count }, (_, i) => (schedulable[(pick + i) % schedulable.length] as T).name);
}

function modelPlatform(start: NodePool): Platform & { pool(): NodePool } {
  let pool = start;
  let now = T0 + TRANSITION;
  let jobs = 0;
  let busyDeleted = 0;
  const seen = (): Seen[] =>
    pool.nodes.map((node) => ({
      name: node.name,
      ip: node.privateIp,
      flavor: node.flavor,
      phase: node.phase,
      drained: node.drained,
      locked: node.deleteLocked,
      billing: node.billing,
    }));
  return {
    pool: () => pool,
    list: async () => seen(),
    busy: async (ips) => new Set(ips.filter((ip) => busyIps(pool).has(ip))),
    drain: async (names) => {
      pool = ok(drainNodes(pool, names, now));
    },
    remove: async (names) => {
      const busy = busyIps(pool);
      busyDeleted += pool.nodes.filter(
        (node) => names.includes(node.name) && busy.has(node.privateIp),
      ).length;
      pool = ok(deleteNodesByName(pool, names, { now, transitionMs: TRANSITION }));
    },
    arrive: async (event) => {
      if (event.start) {
        const schedulable = pool.nodes.filter(
          (node) => node.flavor === FLAVOR && node.phase === 'Available' && !node.drained,
        );
        const nodeNames = picked(schedulable, event.pick, event.width);
        if (nodeNames.length > 0)
          pool = ok(placeJob(pool, { id: `job-${++jobs}`, flavor: FLAVOR, status: 'Running', nodeNames }));
        return;
      }
      const running = pool.jobs.filter((job) => job.status === 'Running');
      const ending = running[event.pick % Math.max(1, running.length)];
      if (ending) pool = setJobStatus(pool, ending.id, 'Completed') as NodePool;
    },
    settle: async () => {
      now += TRANSITION;
      pool = settleNodes(pool, now);
    },
    killed: async () => pool.jobs.filter((job) => job.status === 'Failed').length,
    get busyDeleted() {
      return busyDeleted;
    },
  };
}

/** The scenario's pool with its starting jobs placed. */
async function modelStart(scenario: Scenario) {
  const platform = modelPlatform(startingPool(scenario));
  for (const job of scenario.jobs) await platform.arrive({ start: true, pick: job.pick, width: job.width });
  return platform;
}

async function modelRun(scenario: Scenario, recheck = true) {
  const platform = await modelStart(scenario);
  const before = platform.pool().nodes.length;
  await scaleIn(platform, scenario.rounds, recheck);
  return {
    killed: await platform.killed(),
    busyDeleted: platform.busyDeleted,
    deleted: before - platform.pool().nodes.length,
  };
}

describe('scale-in by named idle nodes, on the node model', () => {
  it('deletes no busy node over 1,000 random placements and scale-downs with jobs arriving between every step', async () => {
    let deleted = 0;
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const result = await modelRun(s);
        deleted += result.deleted;
        expect(result.busyDeleted).toBe(0);
        expect(result.killed).toBe(0);
      }),
      { numRuns: 1000 },
    );
    // The property holds because nodes go, not because none ever does.
    expect(deleted).toBeGreaterThan(500);
  });

  it('kills jobs without the second check: a job lands between the first check and the drain', async () => {
    const outcome = await fc.check(
      fc.asyncProperty(scenario, async (s) => {
        expect((await modelRun(s, false)).killed).toBe(0);
      }),
      { numRuns: 1000, seed: 14 },
    );
    expect(outcome.failed).toBe(true);
    expect(String(outcome.errorInstance)).toMatch(/expected [1-9]\d* to be \+0/);
  });

  it('kills jobs with a count-down of the same size: the platform picks the newest nodes, busy or not', async () => {
    const outcome = await fc.check(
      fc.asyncProperty(scenario, async (s) => {
        const pool = (await modelStart(s)).pool();
        const count = pool.nodes.filter((node) => node.flavor === FLAVOR).length;
        const down = resizeNodes(
          pool,
          [
            { flavor: FLAVOR, count: Math.max(1, count - (s.rounds[0]?.remove ?? 1)) },
            { flavor: OTHER, count: 1 },
          ],
          { now: T0 + TRANSITION, transitionMs: TRANSITION },
          'pay-per-use',
        );
        expect(down.killed).toEqual([]);
      }),
      { numRuns: 200, seed: 14 },
    );
    expect(outcome.failed).toBe(true);
    expect(String(outcome.errorInstance)).toMatch(/expected \[ '.+' \] to deeply equal \[\]/);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// over HTTP

const POOL = 'scale-in-pool-5d41402abc4b2a76b9719d911017c592';

async function httpSeed(s: Scenario): Promise<unknown[]> {
  const [template] = (await loadSeedPools()) as Record<string, unknown>[];
  const [a, b] = s.azs;
  const azs = [{ az: 'cn-north-7a', count: a }, ...(b > 0 ? [{ az: 'cn-north-7b', count: b }] : [])];
  const resources = [{ flavor: FLAVOR, count: a + b, azs }];
  return [
    {
      ...template,
      metadata: { name: POOL, labels: { 'os.modelarts/name': 'scale-in-pool' }, annotations: {} },
      spec: { ...(template?.spec as object), controlMode: 0, resources },
      status: { phase: 'Running', resources: { available: resources } },
    },
  ];
}

function httpPlatform(
  emulator: Emulator,
  api: NodesApi,
  workloads: WorkloadsApi,
  advance: () => void,
): Platform {
  let busyDeleted = 0;
  const list = async (): Promise<Seen[]> =>
    (await api.listNodes(POOL, { pageSize: 4 })).map((node) => {
      const facts = nodeFacts(node);
      return {
        name: facts.name,
        ip: facts.privateIp,
        flavor: facts.flavor,
        phase: facts.phase,
        drained: facts.drained,
        locked: facts.deleteLocked,
        billing: facts.billing,
      };
    });
  return {
    list,
    busy: async (ips) => (await workloads.listWorkloadsOnHosts(POOL, ips)).busy,
    drain: (names) => api.drainNodes(POOL, names),
    remove: (names) => {
      const model = emulator.nodes(POOL);
      const busy = busyIps(model);
      busyDeleted += model.nodes.filter(
        (node) => names.includes(node.name) && busy.has(node.privateIp),
      ).length;
      return api.deleteNodes(POOL, names);
    },
    arrive: async (event) => {
      const model = emulator.nodes(POOL);
      if (event.start) {
        const schedulable = model.nodes.filter((node) => node.phase === 'Available' && !node.drained);
        const nodeNames = picked(schedulable, event.pick, event.width);
        if (nodeNames.length > 0) emulator.addJob(POOL, { flavor: FLAVOR, status: 'Running', nodeNames });
        return;
      }
      const running = model.jobs.filter((job) => job.status === 'Running');
      const ending = running[event.pick % Math.max(1, running.length)];
      if (ending) emulator.setJobStatus(POOL, ending.id, 'Completed');
    },
    settle: async () => advance(),
    killed: async () => emulator.nodes(POOL).jobs.filter((job) => job.status === 'Failed').length,
    get busyDeleted() {
      return busyDeleted;
    },
  };
}

describe('scale-in by named idle nodes, over HTTP against the emulator', () => {
  it('deletes no busy node, with the ModelArts client doing every step', async () => {
    let deleted = 0;
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const clock = testClock(T0);
        const emulator = await startEmulator({
          pools: await httpSeed(s),
          now: clock.now,
          transitionMs: TRANSITION,
        });
        try {
          const client = createModelArtsClient({
            projectId: emulator.projectId,
            endpoint: emulator.url,
            auth: { type: 'none' },
            now: clock.now,
            retry: { limit: 0 },
          });
          const names = emulator.nodes(POOL).nodes.map((node) => node.name);
          for (const pick of s.marks.lock)
            emulator.setNode(POOL, names[pick % names.length] as string, { deleteLocked: true });
          for (const pick of s.marks.prepaid)
            emulator.setNode(POOL, names[pick % names.length] as string, { billing: 'yearly-monthly' });
          for (const pick of s.marks.abnormal)
            emulator.setNode(POOL, names[pick % names.length] as string, { phase: 'Abnormal' });
          const platform = httpPlatform(emulator, createNodesApi(client), createWorkloadsApi(client), () =>
            clock.advance(TRANSITION),
          );
          for (const job of s.jobs) await platform.arrive({ start: true, pick: job.pick, width: job.width });
          await scaleIn(platform, s.rounds);
          deleted += names.length - emulator.nodes(POOL).nodes.length;
          expect(platform.busyDeleted).toBe(0);
          expect(await platform.killed()).toBe(0);
        } finally {
          await emulator.close();
        }
      }),
      { numRuns: 100 },
    );
    expect(deleted).toBeGreaterThan(10);
  });
});

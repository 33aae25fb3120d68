// The scaler's own choice (chooseScaleIn) over HTTP against the emulator: list the nodes, read the jobs on their
// IPs, choose, drain, read again, delete those still idle, with jobs starting and ending between every step.
// Over 1,000 random placements and scale-downs it deletes no busy node and kills no job; locked, prepaid and
// abnormal nodes are never touched, and the node list is read in small pages.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Emulator, loadSeedPools, startEmulator } from '../../emulator/server';
import {
  createModelArtsClient,
  createNodesApi,
  createWorkloadsApi,
  type NodeFacts,
  nodeFacts,
} from '../../lib/modelarts/index';
import { busyIps } from '../../lib/nodes';
import { chooseScaleIn } from '../../lib/scale-in/choose';
import { staticKeep } from '../../lib/scale-in/eligibility';
import type { ScaleInMemory } from '../../lib/scale-in/types';
import { type Arrival, gap } from '../emulator/arrivals';

const POOL = 'choice-pool-5d41402abc4b2a76b9719d911017c592';
const FLAVOR = 'modelarts.vm.cpu.4ud';
const TRANSITION = 60_000;
const T0 = Date.parse('2025-06-01T12:00:00Z');

const scenario = fc.record({
  azs: fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 5 })),
  marks: fc.record({
    lock: fc.array(fc.nat(20), { maxLength: 2 }),
    prepaid: fc.array(fc.nat(20), { maxLength: 2 }),
    abnormal: fc.array(fc.nat(20), { maxLength: 1 }),
  }),
  jobs: fc.array(fc.record({ pick: fc.nat(50), width: fc.constantFrom(1 as const, 2 as const) }), {
    maxLength: 6,
  }),
  rounds: fc.array(
    fc.record({ remove: fc.integer({ min: 1, max: 3 }), gaps: fc.tuple(gap, gap, gap, gap) }),
    {
      minLength: 1,
      maxLength: 3,
    },
  ),
});
type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

function seedPool(s: Scenario, template: Record<string, unknown>): unknown {
  const [a, b] = s.azs;
  const azs = [{ az: 'cn-north-7a', count: a }, ...(b > 0 ? [{ az: 'cn-north-7b', count: b }] : [])];
  const resources = [{ flavor: FLAVOR, count: a + b, azs }];
  return {
    ...template,
    metadata: { name: POOL, labels: { 'os.modelarts/name': 'choice-pool' }, annotations: {} },
    spec: { ...(template.spec as object), controlMode: 0, resources },
    status: { phase: 'Running', resources: { available: resources } },
  };
}

/** What the run saw: deletes of busy nodes, jobs killed, nodes deleted, and every node the choice named. */
interface Tally {
  busyDeleted: number;
  deleted: number;
  named: NodeFacts[];
}

async function run(emulator: Emulator, s: Scenario, advance: () => void, tally: Tally): Promise<void> {
  const client = createModelArtsClient({
    projectId: emulator.projectId,
    endpoint: emulator.url,
    auth: { type: 'none' },
    retry: { limit: 0 },
  });
  const nodesApi = createNodesApi(client);
  const workloads = createWorkloadsApi(client);
  const arrive = (events: readonly Arrival[]) => {
    for (const event of events) {
      const model = emulator.nodes(POOL);
      if (event.start) {
        const open = model.nodes.filter((node) => node.phase === 'Available' && !node.drained);
        const count = Math.min(event.width, open.length);
        const nodeNames = Array.from(
          { length: count },
          (_, i) => open[(event.pick + i) % open.length]?.name as string,
        );
        if (nodeNames.length > 0) emulator.addJob(POOL, { flavor: FLAVOR, status: 'Running', nodeNames });
      } else {
        const running = model.jobs.filter((job) => job.status === 'Running');
        const ending = running[event.pick % Math.max(1, running.length)];
        if (ending) emulator.setJobStatus(POOL, ending.id, 'Completed');
      }
    }
  };
  let memory: ScaleInMemory = { nodes: {} };
  for (const { remove, gaps } of s.rounds) {
    // list
    const facts = (await nodesApi.listNodes(POOL, { pageSize: 3 })).map((node) => nodeFacts(node, '0'));
    arrive(gaps[0]);
    // check
    const ips = facts
      .filter((node) => staticKeep(node, memory.nodes[node.name]) === undefined)
      .map((node) => node.privateIp as string);
    const busy = (await workloads.listWorkloadsOnHosts(POOL, ips)).busy;
    const current = facts.filter((node) => node.phase !== 'Deleting').length;
    const choice = chooseScaleIn({
      now: T0,
      settings: { method: 'idle-nodes', idleSeconds: 0, drainSeconds: 0 },
      flavors: [{ flavor: FLAVOR, current, target: Math.max(1, current - remove), azStrategy: 'balanced' }],
      nodes: facts,
      busyIps: busy,
      memory,
      drainAvailable: true,
      undrainAvailable: false,
    });
    memory = choice.memory;
    tally.named.push(
      ...[...choice.drain, ...choice.delete].map((n) => facts.find((f) => f.name === n.name) as NodeFacts),
    );
    arrive(gaps[1]);
    // drain
    if (choice.drain.length > 0)
      await nodesApi.drainNodes(
        POOL,
        choice.drain.map((node) => node.name),
      );
    arrive(gaps[2]);
    // re-check the nodes to delete: drained by us, so no new job lands on them after this read
    const ipOf = new Map(facts.map((node) => [node.name, node.privateIp as string]));
    const again = (
      await workloads.listWorkloadsOnHosts(
        POOL,
        choice.delete.map((n) => ipOf.get(n.name) as string),
      )
    ).busy;
    const going = choice.delete
      .filter((node) => !again.has(ipOf.get(node.name) as string))
      .map((n) => n.name);
    arrive(gaps[3]);
    // delete
    if (going.length > 0) {
      const model = emulator.nodes(POOL);
      const held = busyIps(model);
      tally.busyDeleted += model.nodes.filter(
        (node) => going.includes(node.name) && held.has(node.privateIp),
      ).length;
      await nodesApi.deleteNodes(POOL, going);
      tally.deleted += going.length;
    }
    advance();
  }
}

describe('chooseScaleIn over HTTP against the emulator', () => {
  it('deletes no busy node and kills no job over 1,000 random placements and scale-downs, jobs arriving between every step', async () => {
    const [template] = (await loadSeedPools()) as Record<string, unknown>[];
    const tally: Tally = { busyDeleted: 0, deleted: 0, named: [] };
    let clock = T0;
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        clock = T0;
        const emulator = await startEmulator({
          pools: [seedPool(s, template as Record<string, unknown>)],
          now: () => clock,
          transitionMs: TRANSITION,
        });
        try {
          const names = emulator.nodes(POOL).nodes.map((node) => node.name);
          const mark = (picks: number[], update: Parameters<Emulator['setNode']>[2]) => {
            for (const pick of picks) emulator.setNode(POOL, names[pick % names.length] as string, update);
          };
          mark(s.marks.lock, { deleteLocked: true });
          mark(s.marks.prepaid, { billing: 'yearly-monthly' });
          mark(s.marks.abnormal, { phase: 'Abnormal' });
          for (const job of s.jobs) {
            const open = emulator.nodes(POOL).nodes.filter((node) => node.phase === 'Available');
            const node = open[job.pick % Math.max(1, open.length)];
            if (node) emulator.addJob(POOL, { flavor: FLAVOR, status: 'Running', nodeNames: [node.name] });
          }
          const before = tally.busyDeleted;
          await run(
            emulator,
            s,
            () => {
              clock += TRANSITION;
            },
            tally,
          );
          expect(tally.busyDeleted - before).toBe(0);
          expect(emulator.nodes(POOL).jobs.filter((job) => job.status === 'Failed')).toEqual([]);
        } finally {
          await emulator.close();
        }
      }),
      { numRuns: 1000 },
    );
    // It holds because nodes do go, and never a locked, prepaid or abnormal one.
    expect(tally.deleted).toBeGreaterThan(300);
    for (const node of tally.named) {
      expect(node.deleteLocked).toBe(false);
      expect(node.billing).toBe('pay-per-use');
      expect(node.phase).toBe('Available');
    }
  }, 600_000);
});

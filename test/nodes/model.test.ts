// The node model on its own (lib/nodes): what a resize, a drain and a delete by name do to nodes and jobs.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PoolFlavorResource } from '../../lib/modelarts/schemas';
import {
  busyIps,
  deleteNodesByName,
  describeRefusal,
  drainNodes,
  emptyNodePool,
  jobsOn,
  lowerSpecCounts,
  type NodeChange,
  type NodePool,
  placeJob,
  resizeNodes,
  seedNodePool,
  setJobStatus,
  settleNodes,
  statusResources,
  updateNode,
} from '../../lib/nodes';

const T0 = Date.parse('2025-06-01T12:00:00Z');
const TRANSITION = 60_000;
const clock = (now = T0) => ({ now, transitionMs: TRANSITION });
const GPU = 'modelarts.vm.gpu.t4u8';
const CPU = 'modelarts.vm.cpu.4ud';

/** A pool of settled Available nodes: `counts` per AZ of one flavor. */
function poolOf(counts: Record<string, number>, flavor = GPU): NodePool {
  const azs = Object.entries(counts).map(([az, count]) => ({ az, count }));
  const resources: PoolFlavorResource[] = [
    { flavor, count: azs.reduce((sum, az) => sum + az.count, 0), azs },
  ];
  const ordered = resizeNodes(emptyNodePool('pool-a'), resources, clock(), 'pay-per-use').pool;
  return settleNodes(ordered, T0 + TRANSITION);
}

function ok(change: NodeChange): Extract<NodeChange, { ok: true }> {
  if (!change.ok) throw new Error(`refused: ${describeRefusal(change.refusal)}`);
  return change;
}

const run = (pool: NodePool, id: string, nodeNames: string[]) =>
  ok(placeJob(pool, { id, flavor: GPU, status: 'Running', nodeNames })).pool;

describe('node model: seeding', () => {
  it('gives a seed pool’s Available nodes the host IPs of the jobs already on them, busy jobs first', () => {
    const jobs = [
      { id: 'done', flavor: GPU, status: 'Completed', hostIps: ['10.0.0.9'] },
      { id: 'busy', flavor: GPU, status: 'Running', hostIps: ['10.0.0.7', '10.0.0.8'] },
    ];
    const pool = seedNodePool(
      'pool-a',
      {
        available: [{ flavor: GPU, count: 3, azs: [{ az: 'az-1', count: 3 }] }],
        creating: [{ flavor: GPU, count: 1, azs: [{ az: 'az-1', count: 1 }] }],
      },
      { clock: clock(), billing: 'pay-per-use', createdAt: T0 - 1000, jobs },
    );

    expect(pool.nodes.map((node) => [node.phase, node.privateIp])).toEqual([
      ['Available', '10.0.0.7'],
      ['Available', '10.0.0.8'],
      ['Available', '10.0.0.9'],
      ['Creating', expect.stringMatching(/^192\.168\.0\.\d+$/)],
    ]);
    expect([...busyIps(pool)]).toEqual(['10.0.0.7', '10.0.0.8']);
    expect(statusResources(pool, [GPU])).toEqual({
      creating: [{ flavor: GPU, count: 1, azs: [{ az: 'az-1', count: 1 }] }],
      available: [{ flavor: GPU, count: 3, azs: [{ az: 'az-1', count: 3 }] }],
    });
  });

  it('never hands out a name or an IP twice in a pool, across any history of resizes', () => {
    const spec = fc.array(fc.tuple(fc.nat(6), fc.nat(6), fc.nat(2 * TRANSITION)), {
      minLength: 1,
      maxLength: 8,
    });
    fc.assert(
      fc.property(spec, (steps) => {
        let pool = emptyNodePool('pool-a');
        let now = T0;
        const names = new Set<string>();
        const ips = new Set<string>();
        for (const [a, b, wait] of steps) {
          now += wait;
          const resources = [
            {
              flavor: GPU,
              count: a + b,
              azs: [
                { az: 'az-1', count: a },
                { az: 'az-2', count: b },
              ],
            },
          ];
          pool = resizeNodes(settleNodes(pool, now), resources, clock(now), 'pay-per-use').pool;
          for (const node of pool.nodes) {
            names.add(node.name);
            ips.add(node.privateIp);
          }
        }
        expect(names.size).toBe(ips.size);
        expect(names.size).toBe(pool.nextSerial);
        expect(pool.nodes.every((node) => /^os-node-created-[a-z0-9]{5}$/.test(node.name))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

describe('node model: a count-down lets the platform pick', () => {
  it('removes the newest nodes whatever runs on them and fails their jobs', () => {
    const pool = poolOf({ 'az-1': 3 });
    const [oldest, middle, newest] = pool.nodes.map((node) => node.name) as [string, string, string];
    const busy = run(run(pool, 'on-newest', [newest]), 'on-oldest', [oldest]);

    const down = resizeNodes(
      busy,
      [{ flavor: GPU, count: 2, azs: [{ az: 'az-1', count: 2 }] }],
      clock(),
      'pay-per-use',
    );

    // The idle middle node stays; the busy newest one goes.
    expect(down.removed.map((node) => node.name)).toEqual([newest]);
    expect(down.killed).toEqual(['on-newest']);
    expect(down.pool.jobs.find((job) => job.id === 'on-newest')?.status).toBe('Failed');
    expect(down.pool.nodes.find((node) => node.name === middle)?.phase).toBe('Available');
    expect(settleNodes(down.pool, T0 + TRANSITION).nodes.map((node) => node.name)).toEqual([oldest, middle]);
  });

  it('cancels nodes still being created before it touches a running one', () => {
    const pool = poolOf({ 'az-1': 2 });
    const grown = resizeNodes(
      pool,
      [{ flavor: GPU, count: 3, azs: [{ az: 'az-1', count: 3 }] }],
      clock(),
      'pay-per-use',
    );
    const down = resizeNodes(
      grown.pool,
      [{ flavor: GPU, count: 2, azs: [{ az: 'az-1', count: 2 }] }],
      clock(),
      'pay-per-use',
    );

    expect(down.removed.map((node) => node.phase)).toEqual(['Creating']);
    expect(down.pool.nodes.map((node) => node.phase)).toEqual(['Available', 'Available']);
  });
});

describe('node model: drain', () => {
  it('stops new jobs landing on a drained node and keeps the ones already there running', () => {
    const pool = poolOf({ 'az-1': 2 });
    const [first, second] = pool.nodes.map((node) => node.name) as [string, string];
    const drained = ok(drainNodes(run(pool, 'old', [first]), [first], T0)).pool;

    const placed = ok(placeJob(drained, { id: 'new', flavor: GPU, status: 'Running', nodeCount: 2 }));
    const onDrained = placeJob(drained, { id: 'new', flavor: GPU, status: 'Running', nodeNames: [first] });

    expect(placed.nodes.map((node) => node.name)).toEqual([second]);
    expect(onDrained).toEqual({ ok: false, refusal: { reason: 'drained', node: first } });
    expect(jobsOn(drained, drained.nodes[0] as never).map((job) => job.id)).toEqual(['old']);
    expect(drained.nodes[0]).toMatchObject({ drained: true, drainedAt: T0 });
  });

  it('refuses more than 10 nodes, an unknown node, a node not running and a locked node, changing nothing', () => {
    const pool = poolOf({ 'az-1': 12 });
    const names = pool.nodes.map((node) => node.name);
    const locked = ok(updateNode(pool, names[0] as string, { deleteLocked: true }, T0)).pool;
    const abnormal = ok(updateNode(pool, names[0] as string, { phase: 'Abnormal' }, T0)).pool;

    expect(drainNodes(pool, names.slice(0, 11), T0)).toEqual({
      ok: false,
      refusal: { reason: 'too-many', max: 10, given: 11 },
    });
    expect(drainNodes(pool, ['os-node-created-zzzzz'], T0)).toMatchObject({
      refusal: { reason: 'unknown-node', node: 'os-node-created-zzzzz' },
    });
    expect(drainNodes(abnormal, names.slice(0, 2), T0)).toMatchObject({
      refusal: { reason: 'not-available' },
    });
    expect(drainNodes(locked, names.slice(0, 2), T0)).toMatchObject({ refusal: { reason: 'locked' } });
  });
});

describe('node model: delete by name', () => {
  it('deletes exactly the named nodes, which leave after the transition', () => {
    const pool = poolOf({ 'az-1': 2, 'az-2': 2 });
    const names = pool.nodes.map((node) => node.name);
    const change = ok(deleteNodesByName(pool, [names[1] as string, names[2] as string], clock()));

    expect(change.nodes.map((node) => node.name)).toEqual([names[1], names[2]]);
    expect(change.pool.nodes.map((node) => node.phase)).toEqual([
      'Available',
      'Deleting',
      'Deleting',
      'Available',
    ]);
    expect(settleNodes(change.pool, T0 + TRANSITION - 1).nodes).toHaveLength(4);
    expect(settleNodes(change.pool, T0 + TRANSITION).nodes.map((node) => node.name)).toEqual([
      names[0],
      names[3],
    ]);
  });

  it('fails the jobs on a node it deletes: removal interrupts them', () => {
    const pool = poolOf({ 'az-1': 2 });
    const [first] = pool.nodes.map((node) => node.name) as [string];
    const change = ok(deleteNodesByName(run(pool, 'job', [first]), [first], clock()));

    expect(change.killed).toEqual(['job']);
    expect(change.pool.jobs[0]?.status).toBe('Failed');
  });

  it('refuses yearly/monthly and locked nodes, and leaving a flavor without nodes', () => {
    const pool = poolOf({ 'az-1': 2 });
    const [first, second] = pool.nodes.map((node) => node.name) as [string, string];
    const prepaid = ok(updateNode(pool, first, { billing: 'yearly-monthly' }, T0)).pool;
    const locked = ok(updateNode(pool, first, { deleteLocked: true }, T0)).pool;

    expect(deleteNodesByName(prepaid, [first], clock())).toMatchObject({
      refusal: { reason: 'yearly-monthly' },
    });
    expect(deleteNodesByName(locked, [first], clock())).toMatchObject({ refusal: { reason: 'locked' } });
    expect(deleteNodesByName(pool, [first, second], clock())).toMatchObject({
      refusal: { reason: 'last-node', flavor: GPU },
    });
    expect(describeRefusal({ reason: 'unknown-node', node: 'os-node-created-abcde' })).toBe(
      '"os-node-created-abcde" not found',
    );
  });

  it('takes a per-call limit on names when one is set', () => {
    const pool = poolOf({ 'az-1': 4 });
    const names = pool.nodes.map((node) => node.name).slice(0, 3);
    expect(deleteNodesByName(pool, names, clock(), { maxNames: 2 })).toMatchObject({
      refusal: { reason: 'too-many', max: 2, given: 3 },
    });
    expect(deleteNodesByName(pool, names, clock()).ok).toBe(true);
  });

  it('lowers the spec’s count by the deleted nodes, in their AZ, when the platform does that', () => {
    const resources = [
      {
        flavor: GPU,
        count: 3,
        azs: [
          { az: 'az-1', count: 1 },
          { az: 'az-2', count: 2 },
        ],
      },
      { flavor: CPU, count: 2 },
    ];
    expect(
      lowerSpecCounts(resources, [
        { flavor: GPU, az: 'az-1' },
        { flavor: CPU, az: 'az-9' },
      ]),
    ).toEqual([
      { flavor: GPU, count: 2, azs: [{ az: 'az-2', count: 2 }] },
      { flavor: CPU, count: 1 },
    ]);
  });
});

describe('node model: jobs', () => {
  it('frees a node when its job ends', () => {
    const pool = poolOf({ 'az-1': 1 });
    const busy = run(pool, 'job', [pool.nodes[0]?.name as string]);
    const done = setJobStatus(busy, 'job', 'Completed') as NodePool;

    expect(busyIps(busy).size).toBe(1);
    expect(busyIps(done).size).toBe(0);
    expect(setJobStatus(busy, 'no-such-job', 'Completed')).toBeUndefined();
  });

  it('counts a job in a status it does not know as holding its nodes', () => {
    const pool = poolOf({ 'az-1': 1 });
    const odd = ok(placeJob(pool, { id: 'job', flavor: GPU, status: 'Running', nodeCount: 1 })).pool;
    expect(busyIps(setJobStatus(odd, 'job', 'Rescheduling') as NodePool).size).toBe(1);
  });
});

// The emulator's node APIs over real HTTP: the paged node list, one node, batch-drain and batch-delete with the
// documented limits and errors, the workloads' hostip filter agreeing with the node list, the admin routes,
// and every undocumented answer played both ways.

import { describe, expect, it } from 'vitest';
import type { Emulator } from '../../emulator/server';
import {
  azCounts,
  CPU,
  call,
  counts,
  emulatorFor,
  getPool,
  type Json,
  listNodes,
  multiGpuResources,
  nodesPath,
  patchPool,
  poolsPath,
  resize,
  seedPool,
  T4,
  TNT,
  TRANSITION_MS,
  testClock,
} from './harness';

const MULTI = seedPool('multi-gpu-pool');
const SINGLE = seedPool('single-flavor-pool');
const PREPAID = seedPool('prepaid-pool');

const drain = (emulator: Emulator, pool: string, nodeNames: unknown) =>
  call(emulator, 'POST', nodesPath(emulator, pool, '/batch-drain'), { body: { nodeNames } });
const remove = (emulator: Emulator, pool: string, deleteNodeNames: unknown) =>
  call(emulator, 'POST', nodesPath(emulator, pool, '/batch-delete'), { body: { deleteNodeNames } });
const workloads = (emulator: Emulator, pool: string, query = '') =>
  call(emulator, 'GET', `${poolsPath(emulator, pool)}/workloads${query}`);

async function allNodes(emulator: Emulator, pool: string): Promise<Json[]> {
  const answer = await listNodes(emulator, pool);
  expect(answer.status).toBe(200);
  return answer.body.items;
}

const names = (nodes: Json[]) => nodes.map((node) => node.metadata.name as string);
const ipOf = (nodes: Json[], name: string) =>
  nodes.find((node) => node.metadata.name === name)?.status.privateIp as string;

describe('emulator node list', () => {
  it('lists a seed pool’s nodes with the fields the docs give, matching its status.resources', async () => {
    const emulator = await emulatorFor();
    const nodes = await allNodes(emulator, MULTI);
    const pool = (await getPool(emulator, MULTI)).body;

    expect(nodes).toHaveLength(8);
    expect(nodes[0]).toMatchObject({
      kind: 'Node',
      metadata: {
        name: expect.stringMatching(/^os-node-created-[a-z0-9]{5}$/),
        creationTimestamp: '2025-06-01T08:00:00Z',
        annotations: { 'os.modelarts/billing.mode': '0' },
      },
      spec: { flavor: T4 },
      status: { phase: 'Available', az: 'cn-north-7a', privateIp: expect.stringMatching(/^192\.168\./) },
    });
    for (const flavor of [T4, TNT]) {
      const azs: Record<string, number> = {};
      for (const node of nodes.filter((candidate) => candidate.spec.flavor === flavor))
        azs[node.status.az] = (azs[node.status.az] ?? 0) + 1;
      expect(azs).toEqual(azCounts(pool, 'available', flavor));
    }
  });

  it('pages with limit and continue, to the last page, in a stable order', async () => {
    const emulator = await emulatorFor();
    const whole = names(await allNodes(emulator, MULTI));
    const first = await listNodes(emulator, MULTI, '?limit=3');
    const second = await listNodes(emulator, MULTI, `?limit=3&continue=${first.body.metadata.continue}`);
    const third = await listNodes(emulator, MULTI, `?limit=3&continue=${second.body.metadata.continue}`);

    expect(first.body.metadata.remainingItemCount).toBe(5);
    expect(third.body.metadata).toEqual({});
    expect([...names(first.body.items), ...names(second.body.items), ...names(third.body.items)]).toEqual(
      whole,
    );
  });

  it('treats limit 0 as the default 500 and refuses a limit over 500 or a made-up cursor', async () => {
    const emulator = await emulatorFor();
    expect((await listNodes(emulator, MULTI, '?limit=0')).body.items).toHaveLength(8);
    expect(await listNodes(emulator, MULTI, '?limit=501')).toMatchObject({
      status: 400,
      body: { error_code: 'ModelArts.50004000' },
    });
    expect(await listNodes(emulator, MULTI, '?continue=bm9wZQ')).toMatchObject({ status: 400 });
    expect(await listNodes(emulator, 'no-such-pool')).toMatchObject({
      status: 404,
      body: { error_code: 'ModelArts.50015001' },
    });
  });

  it('reads one node, and answers an unknown one with "<name>" not found', async () => {
    const emulator = await emulatorFor();
    const [name] = names(await allNodes(emulator, SINGLE)) as [string];

    expect((await call(emulator, 'GET', nodesPath(emulator, SINGLE, `/${name}`))).body.metadata.name).toBe(
      name,
    );
    expect(await call(emulator, 'GET', nodesPath(emulator, SINGLE, '/os-node-created-zzzzz'))).toMatchObject({
      status: 404,
      body: { error_msg: '"os-node-created-zzzzz" not found' },
    });
  });

  it('marks yearly/monthly nodes by the billing annotation', async () => {
    const emulator = await emulatorFor();
    const nodes = await allNodes(emulator, PREPAID);
    expect(nodes.map((node) => node.metadata.annotations['os.modelarts/billing.mode'])).toEqual(['1', '1']);
  });
});

describe('emulator workloads by host IP', () => {
  it('lists exactly the jobs on the given nodes, whatever the paging, in the docs’ and the SDKs’ spelling', async () => {
    const emulator = await emulatorFor();
    const nodes = await allNodes(emulator, MULTI);
    const busyIps = nodes
      .filter((node) => node.status.availableResources['nvidia.com/gpu'] === '0')
      .map((node) => node.status.privateIp as string);
    const comma = await workloads(emulator, MULTI, `?hostip=${busyIps.join(',')}&limit=1&offset=5`);
    const repeated = await workloads(emulator, MULTI, `?${busyIps.map((ip) => `hostip=${ip}`).join('&')}`);

    expect(busyIps.length).toBeGreaterThan(0);
    const running = comma.body.items.filter((job: Json) => job.status === 'Running');
    expect(new Set(running.flatMap((job: Json) => job.hostIps.split(',')))).toEqual(new Set(busyIps));
    expect(repeated.body.items.map((job: Json) => job.uid)).toEqual(
      comma.body.items.map((job: Json) => job.uid),
    );
    // Every job's hosts are nodes of the pool, of the job's flavor.
    for (const job of running)
      for (const node of job.nodes)
        expect(nodes.find((candidate) => candidate.status.privateIp === node.hostIp)?.spec.flavor).toBe(
          job.flavor,
        );
  });

  it('places jobs added through the admin route on schedulable nodes, or on the nodes named', async () => {
    const emulator = await emulatorFor();
    const nodes = await allNodes(emulator, SINGLE);
    const target = names(nodes)[2] as string;
    const named = await call(emulator, 'POST', `/__admin/pools/${SINGLE}/jobs`, {
      body: { flavor: CPU, status: 'Running', nodeNames: [target] },
    });
    const anywhere = emulator.addJob(SINGLE, { flavor: CPU, status: 'Running', nodeCount: 2 });

    expect(named.body.hostIps).toBe(ipOf(nodes, target));
    expect(anywhere.hostIps?.split(',')).toHaveLength(2);
    const onTarget = await workloads(emulator, SINGLE, `?hostip=${ipOf(nodes, target)}`);
    expect(onTarget.body.items.map((job: Json) => job.uid)).toContain(named.body.uid);
  });

  it('frees a node when the admin route ends its job', async () => {
    const emulator = await emulatorFor();
    const job = emulator.addJob(SINGLE, { flavor: CPU, status: 'Running' });
    const ip = job.hostIps as string;
    const ended = await call(emulator, 'POST', `/__admin/pools/${SINGLE}/jobs/${job.uid}`, {
      body: { status: 'Completed' },
    });
    const node = (await allNodes(emulator, SINGLE)).find((candidate) => candidate.status.privateIp === ip);

    expect(ended.body).toMatchObject({ status: 'Completed', hostIps: ip });
    expect(node.status.availableResources.cpu).toBe('7500m');
  });
});

describe('emulator batch-drain', () => {
  it('drains nodes: annotation and taint set, no new job lands there, running jobs go on', async () => {
    const emulator = await emulatorFor();
    const [first, ...others] = names(await allNodes(emulator, SINGLE)) as [string, ...string[]];
    const job = emulator.addJob(SINGLE, { flavor: CPU, status: 'Running', nodeNames: [first] });

    expect(await drain(emulator, SINGLE, [first])).toMatchObject({ status: 200, body: {} });
    const node = (await allNodes(emulator, SINGLE)).find((candidate) => candidate.metadata.name === first);
    expect(node.metadata.annotations['os.modelarts.node/drain']).toBe('true');
    expect(node.status.taints).toEqual([
      { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule', timeAdded: expect.any(String) },
    ]);
    const later = emulator.addJob(SINGLE, { flavor: CPU, status: 'Running', nodeCount: 3 });
    expect(later.hostIps?.split(',')).not.toContain(job.hostIps);
    expect(later.hostIps?.split(',')).toHaveLength(others.length);
    expect(emulator.nodes(SINGLE).jobs.find((placed) => placed.id === job.uid)?.status).toBe('Running');
    expect(() => emulator.addJob(SINGLE, { flavor: CPU, status: 'Running', nodeNames: [first] })).toThrow(
      /drained/,
    );
  });

  it('answers the documented 400 for a node not in the pool, and refuses 11 names, a locked or stopped node', async () => {
    const emulator = await emulatorFor();
    const [first, second] = names(await allNodes(emulator, SINGLE)) as [string, string];
    emulator.setNode(SINGLE, first, { deleteLocked: true });
    emulator.setNode(SINGLE, second, { phase: 'Abnormal' });

    expect(await drain(emulator, SINGLE, ['os-node-created-zzzzz'])).toMatchObject({
      status: 400,
      body: {
        error_code: 'ModelArts.50004000',
        error_msg: expect.stringContaining('node cannot be drained because it is not in pool'),
      },
    });
    expect(
      (
        await drain(
          emulator,
          SINGLE,
          Array.from({ length: 11 }, (_, i) => `n${i}`),
        )
      ).body.error_msg,
    ).toBe('at most 10 nodes per call, got 11');
    expect((await drain(emulator, SINGLE, [first])).body.error_msg).toMatch(/locked/);
    expect((await drain(emulator, SINGLE, [second])).body.error_msg).toMatch(/not running/);
    expect((await drain(emulator, SINGLE, [])).status).toBe(400);
    expect(emulator.nodes(SINGLE).nodes.some((node) => node.drained)).toBe(false);
  });

  it('plays a platform without batch-drain: a bare 404, or the gateway’s unknown API', async () => {
    const emulator = await emulatorFor({ nodeRules: { drain: 'missing' } });
    const [first] = names(await allNodes(emulator, SINGLE)) as [string];

    const bare = await drain(emulator, SINGLE, [first]);
    emulator.setNodeRules({ drain: 'unknown-api' });
    const gateway = await drain(emulator, SINGLE, [first]);

    expect(bare).toMatchObject({ status: 404, body: undefined });
    expect(gateway).toMatchObject({ status: 404, body: { error_code: 'APIGW.0101' } });
    expect(emulator.nodes(SINGLE).nodes.some((node) => node.drained)).toBe(false);
  });

  it('undrains only when told the platform can', async () => {
    const emulator = await emulatorFor();
    const [first] = names(await allNodes(emulator, SINGLE)) as [string];
    await drain(emulator, SINGLE, [first]);
    const undrain = () =>
      call(emulator, 'POST', nodesPath(emulator, SINGLE, '/batch-undrain'), { body: { nodeNames: [first] } });

    expect((await undrain()).body.error_code).toBe('APIGW.0101');
    await call(emulator, 'POST', '/__admin/node-rules', { body: { undrain: true } });
    expect((await undrain()).status).toBe(200);
    expect(emulator.nodes(SINGLE).nodes[0]?.drained).toBe(false);
  });
});

describe('emulator batch-delete', () => {
  it('deletes exactly the named nodes, lowering the count, and they leave after the transition', async () => {
    const clock = testClock();
    const emulator = await emulatorFor({ now: clock.now });
    const nodes = await allNodes(emulator, MULTI);
    const gone = names(nodes).filter((_, i) => i === 1 || i === 3);

    const answer = await remove(emulator, MULTI, gone);
    const pool = (await getPool(emulator, MULTI)).body;

    expect(answer).toMatchObject({ status: 200, body: undefined });
    expect(pool.spec.resources.map((resource: Json) => resource.count)).toEqual([3, 3]);
    expect(counts(pool, 'deleting')).toEqual({ [T4]: 2 });
    expect(counts(pool, 'available')).toEqual({ [T4]: 3, [TNT]: 3 });
    clock.advance(TRANSITION_MS);
    const left = names(await allNodes(emulator, MULTI));
    expect(left).toEqual(names(nodes).filter((name) => !gone.includes(name)));
  });

  it('leaves the count as it was when the platform does not lower it', async () => {
    const emulator = await emulatorFor({ nodeRules: { deleteLowersCount: false } });
    const [first] = names(await allNodes(emulator, SINGLE)) as [string];
    await remove(emulator, SINGLE, [first]);
    const pool = (await getPool(emulator, SINGLE)).body;

    expect(pool.spec.resources[0].count).toBe(3);
    expect(counts(pool, 'available')).toEqual({ [CPU]: 2 });
  });

  it('fails the jobs on a node it deletes', async () => {
    const emulator = await emulatorFor();
    const [first] = names(await allNodes(emulator, SINGLE)) as [string];
    const job = emulator.addJob(SINGLE, { flavor: CPU, status: 'Running', nodeNames: [first] });
    await remove(emulator, SINGLE, [first]);

    const listed = (await workloads(emulator, SINGLE)).body.items.find((item: Json) => item.uid === job.uid);
    expect(listed.status).toBe('Failed');
  });

  it('refuses an unknown node, a yearly/monthly or locked node and the last node, deleting none', async () => {
    const emulator = await emulatorFor();
    const single = names(await allNodes(emulator, SINGLE)) as [string, string, string];
    const prepaid = names(await allNodes(emulator, PREPAID)) as [string, string];
    emulator.setNode(SINGLE, single[1], { deleteLocked: true });

    expect(await remove(emulator, SINGLE, [single[0], 'os-node-created-zzzzz'])).toMatchObject({
      status: 404,
      body: { error_msg: '"os-node-created-zzzzz" not found' },
    });
    expect((await remove(emulator, PREPAID, [prepaid[0]])).body.error_msg).toMatch(/yearly\/monthly/);
    expect((await remove(emulator, SINGLE, [single[1]])).body.error_msg).toMatch(/locked/);
    emulator.setNode(SINGLE, single[1], { deleteLocked: false });
    expect((await remove(emulator, SINGLE, single)).body.error_msg).toMatch(/at least one node/);
    expect(await remove(emulator, 'no-such-pool', [single[0]])).toMatchObject({
      status: 404,
      body: { error_code: 'ModelArts.50015001' },
    });
    expect(emulator.nodes(SINGLE).nodes.every((node) => node.phase === 'Available')).toBe(true);
  });

  it('takes a limit on names per call when one is set', async () => {
    const emulator = await emulatorFor({ nodeRules: { maxDeleteNames: 1 } });
    const nodes = names(await allNodes(emulator, SINGLE));
    expect((await remove(emulator, SINGLE, nodes.slice(0, 2))).body.error_msg).toBe(
      'at most 1 nodes per call, got 2',
    );
    expect((await remove(emulator, SINGLE, nodes.slice(0, 1))).status).toBe(200);
  });

  it('is refused like any change on a frozen pool or one not running', async () => {
    const emulator = await emulatorFor();
    const [first] = names(await allNodes(emulator, SINGLE)) as [string];
    emulator.setControlMode(SINGLE, 8);
    const frozen = await remove(emulator, SINGLE, [first]);
    emulator.setControlMode(SINGLE, 0);
    emulator.setPhase(SINGLE, 'Abnormal');
    const abnormal = await drain(emulator, SINGLE, [first]);

    expect(frozen.body.error_msg).toMatch(/frozen/);
    expect(abnormal.body.error_code).toBe('ModelArts.2887');
  });
});

describe('emulator count-down (the contrast)', () => {
  it('lets a lower count take the newest node of the AZ even though a job runs there, and fails the job', async () => {
    const emulator = await emulatorFor();
    const nodes = await allNodes(emulator, MULTI);
    const newestIn7a = nodes
      .filter((node) => node.spec.flavor === T4 && node.status.az === 'cn-north-7a')
      .at(-1);
    const before = (await workloads(emulator, MULTI, `?hostip=${newestIn7a.status.privateIp}`)).body.items;
    const running = before.filter((job: Json) => job.status === 'Running');

    const patched = await patchPool(emulator, MULTI, resize(...multiGpuResources([1, 2, 1], [1, 2])));
    const after = (await workloads(emulator, MULTI)).body.items;

    expect(patched.status).toBe(200);
    expect(running.length).toBeGreaterThan(0);
    for (const job of running) expect(after.find((item: Json) => item.uid === job.uid).status).toBe('Failed');
    const node = (await allNodes(emulator, MULTI)).find(
      (candidate) => candidate.metadata.name === newestIn7a.metadata.name,
    );
    expect(node.status.phase).toBe('Deleting');
  });
});

describe('emulator node admin', () => {
  it('shows the model, changes a node, validates the change and restores everything on reset', async () => {
    const emulator = await emulatorFor();
    const model = (await call(emulator, 'GET', `/__admin/pools/${SINGLE}/nodes`)).body;
    const [first] = model.nodes.map((node: Json) => node.name) as [string];

    const changed = await call(emulator, 'POST', `/__admin/pools/${SINGLE}/nodes/${first}`, {
      body: { billing: 'yearly-monthly', deleteLocked: true },
    });
    const bad = await call(emulator, 'POST', `/__admin/pools/${SINGLE}/nodes/${first}`, {
      body: { phase: 'Creating' },
    });
    const unknown = await call(emulator, 'POST', `/__admin/pools/${SINGLE}/nodes/os-node-created-zzzzz`, {
      body: { deleteLocked: true },
    });
    await call(emulator, 'POST', '/__admin/node-rules', { body: { deleteLowersCount: false } });
    const badRule = await call(emulator, 'POST', '/__admin/node-rules', { body: { drain: 'sometimes' } });

    expect(model.jobs.map((job: Json) => job.status)).toEqual(['Running', 'Pending']);
    expect(changed.body).toMatchObject({ name: first, billing: 'yearly-monthly', deleteLocked: true });
    expect(bad).toMatchObject({ status: 400, body: { error_msg: expect.stringContaining('phase') } });
    expect(unknown.status).toBe(404);
    expect(badRule).toMatchObject({ status: 400, body: { error_msg: expect.stringContaining('drain') } });
    expect((await call(emulator, 'GET', '/__admin/node-rules')).body.deleteLowersCount).toBe(false);

    await call(emulator, 'POST', '/__admin/reset');
    expect(emulator.nodeRules().deleteLowersCount).toBe(true);
    expect(emulator.nodes(SINGLE).nodes[0]).toMatchObject({ billing: 'pay-per-use', deleteLocked: false });
  });
});

// The modelarts-workloads source against the emulator over real HTTP, signed with AK/SK that the
// emulator verifies.

import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../emulator/server';
import { type BacklogRequest, readBacklogs } from '../../lib/metrics/read';
import { BacklogSourceConfigSchema } from '../../lib/metrics/registry';
import type { BacklogUnit } from '../../lib/metrics/source';
import { backlogByFlavor } from '../../lib/metrics/sources/modelarts-workloads';
import { akSkCredentials, createModelArtsClient } from '../../lib/modelarts/index';
import { createWorkloadsApi, WORKLOAD_STATUSES, type Workload } from '../../lib/modelarts/workloads';

const MULTI = 'multi-gpu-pool-fb414673d35cd05c56b692b7599755e9';
const AUTO = 'auto-pool-os-86c13962597848eeb29c5861153a391f';
const T4 = 'modelarts.vm.gpu.t4u8';
const TNT = 'modelarts.vm.gpu.tnt004';
const AK = 'WORKLOADSACCESSKEY01';
const SK = 'workloads-secret-key-never-printed';
const now = 1_750_000_600_000;

let emulator: Emulator;
beforeEach(async () => {
  emulator = await startEmulator({ auth: { mode: 'verify', credentials: { [AK]: SK } }, now: () => now });
});
afterEach(async () => {
  await emulator.close();
});

function workloads(emulatorUnderTest = emulator) {
  const client = createModelArtsClient({
    projectId: emulatorUnderTest.projectId,
    endpoint: emulatorUnderTest.url,
    auth: { type: 'aksk', credentials: akSkCredentials({ ak: AK, sk: SK }) },
    retry: { limit: 0 },
    now: () => now,
  });
  return createWorkloadsApi(client);
}

const source = (extra: Record<string, unknown> = {}) =>
  BacklogSourceConfigSchema.parse({ type: 'modelarts-workloads', ...extra });

const request = (pool: string, flavor: string, config = source(), unit?: BacklogUnit): BacklogRequest => ({
  pool,
  flavor,
  source: config,
  ...(unit ? { unit } : {}),
});

const listCalls = () => emulator.requests.filter((r) => r.route === 'listWorkloads');

/** Replaces a pool's jobs through the emulator's admin route. */
async function setJobs(pool: string, jobs: Record<string, unknown>[]) {
  const response = await fetch(`${emulator.url}/__admin/pools/${pool}/workloads`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(jobs),
  });
  expect(response.status).toBe(200);
}

describe('modelarts-workloads backlog source', () => {
  it('counts queued plus running jobs per flavor, in jobs or nodes, from one listing per pool', async () => {
    const requests = [
      request(MULTI, T4),
      request(MULTI, TNT),
      request(MULTI, T4, source(), 'nodes'),
      request(MULTI, TNT, source(), 'nodes'),
    ];
    const backlogs = await readBacklogs(requests, { now: () => now, deps: { workloads: workloads() } });

    // Seed, multi-gpu pool: t4u8 has Queue x3 (2+1+1 nodes), Pending x1 (1), Running x2 (2+1);
    // tnt004 has Queue x1 (3 nodes), Running x2 (1+1). Completed and Failed jobs do not count.
    expect([...backlogs.values()].map((b) => b.ok && b.value)).toEqual([6, 3, 8, 5]);
    expect(backlogs.get(requests[0] as BacklogRequest)).toEqual({
      ok: true,
      value: 6,
      observedAt: now,
      source: `modelarts-workloads:${MULTI}`,
      // The one queued t4u8 job that needs more than one node (issue #15: unservable-job).
      jobs: [{ name: 'train-multi-01', nodes: 2, weight: 1 }],
    });
    expect(listCalls()).toHaveLength(1);
    expect(listCalls()[0]?.headers.authorization).toMatch(/^SDK-HMAC-SHA256 Access=WORKLOADSACCESSKEY01/);
  });

  it('reads each pool once per cycle, and a flavor without jobs as zero', async () => {
    const requests = [
      request(MULTI, T4),
      request(AUTO, 'modelarts.vm.cpu.4ud'),
      request(AUTO, 'modelarts.vm.cpu.8u'),
    ];
    const backlogs = await readBacklogs(requests, { now: () => now, deps: { workloads: workloads() } });

    expect(
      listCalls()
        .map((r) => r.path)
        .sort(),
    ).toEqual([MULTI, AUTO].map((pool) => `/v2/${emulator.projectId}/pools/${pool}/workloads`).sort());
    expect([...backlogs.values()].map((b) => b.ok && b.value)).toEqual([6, 3, 0]);
  });

  it('counts by default the jobs still holding nodes: Creating, Abnormal and Terminating as well as Running', async () => {
    await setJobs(MULTI, [
      { flavor: T4, status: 'Creating', nodeCount: 2 },
      { flavor: T4, status: 'Abnormal', nodeCount: 1 },
      { flavor: T4, status: 'Terminating', nodeCount: 3 },
      { flavor: T4, status: 'Running', nodeCount: 1 },
      { flavor: T4, status: 'Completed', nodeCount: 4 },
      { flavor: T4, status: 'Terminated', nodeCount: 4 },
      { flavor: T4, status: 'Failed', nodeCount: 4 },
    ]);
    const byDefault = [request(MULTI, T4), request(MULTI, T4, source(), 'nodes')];
    const onlyRunning = source({ statuses: ['Running'] });
    const configured = [request(MULTI, T4, onlyRunning), request(MULTI, T4, onlyRunning, 'nodes')];
    const backlogs = await readBacklogs([...byDefault, ...configured], {
      now: () => now,
      deps: { workloads: workloads() },
    });

    expect(byDefault.map((r) => backlogs.get(r))).toMatchObject([
      { ok: true, value: 4 },
      { ok: true, value: 7 },
    ]);
    expect(configured.map((r) => backlogs.get(r))).toMatchObject([
      { ok: true, value: 1 },
      { ok: true, value: 1 },
    ]);
  });

  it('lets the server filter a single counted state and the job types', async () => {
    const config = source({ statuses: ['Queue'], jobTypes: ['train'] });
    const backlogs = await readBacklogs([request(MULTI, T4, config), request(MULTI, TNT, config, 'nodes')], {
      now: () => now,
      deps: { workloads: workloads() },
    });

    expect(listCalls()[0]?.query).toMatchObject({
      status: 'Queue',
      type: 'train',
      limit: '500',
      offset: '0',
    });
    expect([...backlogs.values()].map((b) => b.ok && b.value)).toEqual([3, 3]);
  });

  it('follows offset paging to the end of the list', async () => {
    const paged = source({ pageSize: 4 });
    const backlogs = await readBacklogs([request(MULTI, T4, paged), request(MULTI, TNT, paged)], {
      now: () => now,
      deps: { workloads: workloads() },
    });

    expect(listCalls().map((r) => r.query.offset)).toEqual(['0', '4', '8']);
    expect([...backlogs.values()].map((b) => b.ok && b.value)).toEqual([6, 3]);
  });

  it('fails rather than under-count when the list is longer than maxPages', async () => {
    const gpu = request(MULTI, T4, source({ pageSize: 2, maxPages: 2 }));
    const backlog = (await readBacklogs([gpu], { now: () => now, deps: { workloads: workloads() } })).get(
      gpu,
    );

    expect(backlog).toMatchObject({
      ok: false,
      reason: 'failed',
      message: expect.stringContaining('more than 2 pages'),
    });
  });

  it('fails with the ModelArts error for an unknown pool, never with the SK', async () => {
    const ghost = request('ghost-pool', T4);
    const backlog = (await readBacklogs([ghost], { now: () => now, deps: { workloads: workloads() } })).get(
      ghost,
    );

    expect(backlog).toMatchObject({ ok: false, reason: 'failed', source: 'modelarts-workloads:ghost-pool' });
    expect(backlog?.ok === false && backlog.message).toContain('ModelArts.50015001');
    expect(JSON.stringify(backlog)).not.toContain(SK);
  });

  it('fails on a server error without retrying past the client policy', async () => {
    emulator.failNext('listWorkloads', 1, { status: 500, errorCode: 'ModelArts.50005000' });
    const gpu = request(MULTI, T4);
    const backlog = (await readBacklogs([gpu], { now: () => now, deps: { workloads: workloads() } })).get(
      gpu,
    );

    expect(backlog).toMatchObject({ ok: false, reason: 'failed', message: expect.stringContaining('500') });
  });

  it('gives up on a hanging listing at the cycle timeout and still answers other pools', async () => {
    emulator.failNext('listWorkloads', 1, { hang: true });
    const hung = request(MULTI, T4);
    const other = request(AUTO, 'modelarts.vm.cpu.4ud');
    const backlogs = await readBacklogs([hung, other], {
      now: () => now,
      timeoutMs: 200,
      concurrency: 1,
      deps: { workloads: workloads() },
    });

    expect(backlogs.get(hung)).toMatchObject({
      ok: false,
      message: expect.stringContaining('no answer within 200 ms'),
    });
    expect(backlogs.get(other)).toMatchObject({ ok: true, value: 3 });
  });

  it('reads each connection’s pools through that connection', async () => {
    const second = await startEmulator({
      auth: { mode: 'verify', credentials: { [AK]: SK } },
      now: () => now,
    });
    try {
      const apis = { east: workloads(), west: workloads(second) };
      const east = { ...request(MULTI, T4), connection: 'east' };
      const west = { ...request(MULTI, T4), connection: 'west' };
      const backlogs = await readBacklogs([east, west], {
        now: () => now,
        deps: { workloads: (connection) => apis[connection as keyof typeof apis] },
      });

      expect(listCalls()).toHaveLength(1);
      expect(second.requests.filter((r) => r.route === 'listWorkloads')).toHaveLength(1);
      expect(backlogs.get(west)).toMatchObject({ ok: true, source: `modelarts-workloads:west/${MULTI}` });
    } finally {
      await second.close();
    }
  });
});

describe('modelarts-workloads queued jobs (unservable-job)', () => {
  it('lists queued jobs that need more than one node, by name, weighted 1 in jobs and their nodes in nodes', async () => {
    await setJobs(MULTI, [
      { flavor: T4, status: 'Queue', nodeCount: 12, jobName: 'big-train' },
      { flavor: T4, status: 'Pending', nodeCount: 3, name: 'k8s-job-7' },
      { flavor: T4, status: 'Queue', nodeCount: 1, jobName: 'small' },
      { flavor: T4, status: 'Running', nodeCount: 2, jobName: 'running' },
      { flavor: TNT, status: 'Queue', nodeCount: 4, jobName: 'other-flavor' },
    ]);
    const requests = [request(MULTI, T4), request(MULTI, T4, source(), 'nodes')];
    const backlogs = await readBacklogs(requests, { now: () => now, deps: { workloads: workloads() } });
    const [jobs, nodes] = requests.map((r) => {
      const backlog = backlogs.get(r);
      return backlog?.ok ? backlog.jobs : undefined;
    });
    expect(jobs).toEqual([
      { name: 'big-train', nodes: 12, weight: 1 },
      { name: 'k8s-job-7', nodes: 3, weight: 1 },
    ]);
    expect(nodes).toEqual([
      { name: 'big-train', nodes: 12, weight: 12 },
      { name: 'k8s-job-7', nodes: 3, weight: 3 },
    ]);
  });

  it('leaves jobs out when no queued job needs more than one node', async () => {
    await setJobs(MULTI, [{ flavor: T4, status: 'Queue', nodeCount: 1 }]);
    const backlogs = await readBacklogs([request(MULTI, T4)], {
      now: () => now,
      deps: { workloads: workloads() },
    });
    expect([...backlogs.values()][0]).not.toHaveProperty('jobs');
  });

  it('ties a queued job to the AZ the listing names, even when it needs one node', () => {
    const byFlavor = backlogByFlavor(
      [
        { flavor: 'a', status: 'Queue', name: 'tied', az: 'cn-north-7b' },
        { flavor: 'a', status: 'Queue', name: 'free' },
      ] as Workload[],
      ['Queue'],
    );
    expect(byFlavor.get('a')?.queued).toEqual([{ name: 'tied', nodes: 1, az: 'cn-north-7b' }]);
  });
});

describe('backlogByFlavor', () => {
  const job = fc.record({
    flavor: fc.constantFrom('a', 'b', 'c'),
    status: fc.constantFrom(...WORKLOAD_STATUSES),
    nodes: fc.array(fc.constant({}), { maxLength: 4 }),
  });

  it('counts every job in a counted state once, and at least one node per job', () => {
    fc.assert(
      fc.property(fc.array(job), fc.subarray([...WORKLOAD_STATUSES], { minLength: 1 }), (jobs, statuses) => {
        const byFlavor = backlogByFlavor(jobs as Workload[], statuses);
        const counted = jobs.filter((j) => statuses.includes(j.status));
        const totals = [...byFlavor.values()];

        expect(totals.reduce((sum, t) => sum + t.jobs, 0)).toBe(counted.length);
        expect(totals.reduce((sum, t) => sum + t.nodes, 0)).toBe(
          counted.reduce((sum, j) => sum + Math.max(1, j.nodes.length), 0),
        );
        for (const [flavor, total] of byFlavor) {
          expect(total.jobs).toBe(counted.filter((j) => j.flavor === flavor).length);
          expect(total.nodes).toBeGreaterThanOrEqual(total.jobs);
        }
      }),
    );
  });
});

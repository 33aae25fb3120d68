// The node and host-workload calls of the ModelArts client against the emulator over real HTTP on 127.0.0.1:
// paging, drains in tens, a delete that is never replayed, the typed errors, the lease deadline, and node
// facts read from the node list.

import { afterEach, describe, expect, it } from 'vitest';
import { type Emulator, type EmulatorOptions, startEmulator } from '../../emulator/server';
import {
  akSkCredentials,
  createModelArtsClient,
  createNodesApi,
  createWorkloadsApi,
  ModelArtsDeadlineError,
  ModelArtsValidationError,
  NodeApiMissingError,
  NodeDrainIncompleteError,
  NodeNotFoundError,
  type NodesApi,
  nodeFacts,
  RetryBudgetExceededError,
} from '../../lib/modelarts/index';
import { seedPool } from '../emulator/harness';
import { failure } from './failure';

const T0 = Date.parse('2025-06-01T12:00:00Z');
const AK = 'NODESACCESSKEY000001';
const SK = 'nodes-secret-key-never-printed';
const MULTI = seedPool('multi-gpu-pool');
const SINGLE = seedPool('single-flavor-pool');
const PREPAID = seedPool('prepaid-pool');
const CPU = 'modelarts.vm.cpu.4ud';

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

/** An emulator verifying AK/SK signatures, and a client signing with them, on one clock. */
async function setup(options: EmulatorOptions = {}) {
  let now = T0;
  const clock = () => now;
  emulator = await startEmulator({
    now: clock,
    transitionMs: 60_000,
    auth: { mode: 'verify', credentials: { [AK]: SK } },
    ...options,
  });
  const client = createModelArtsClient({
    projectId: emulator.projectId,
    endpoint: emulator.url,
    auth: { type: 'aksk', credentials: akSkCredentials({ ak: AK, sk: SK }) },
    now: clock,
    retry: { limit: 2, baseDelayMs: 1 },
    sleep: async (ms) => {
      now += ms;
    },
  });
  // The node API rides on the client's signed, retried transport, as the cycle will use it.
  const api = { ...client, ...createNodesApi(client) };
  return { emu: emulator, api, advance: (ms: number) => (now += ms) };
}

const names = async (api: NodesApi, pool: string) =>
  (await api.listNodes(pool)).map((node) => node.metadata.name);

describe('listNodes and getNode', () => {
  it('follows metadata.continue to the last page and returns every node once, signed', async () => {
    const { api, emu } = await setup();
    const nodes = await api.listNodes(MULTI, { pageSize: 3 });
    const listed = emu.requests.filter((request) => request.route === 'listNodes');

    expect(nodes.map((node) => node.metadata.name)).toEqual(emu.nodes(MULTI).nodes.map((node) => node.name));
    expect(listed.map((request) => request.query.limit)).toEqual(['3', '3', '3']);
    expect(listed[0]?.query.continue).toBeUndefined();
    expect(listed.every((request) => request.status === 200)).toBe(true);
  });

  it('reads one node by name, and says which node is not there', async () => {
    const { api } = await setup();
    const [first] = (await names(api, SINGLE)) as [string];

    expect((await api.getNode(SINGLE, first)).spec.flavor).toBe(CPU);
    const missing = await failure(api.getNode(SINGLE, 'os-node-created-zzzzz'));
    expect(missing).toBeInstanceOf(NodeNotFoundError);
    expect((missing as NodeNotFoundError).nodeNames).toEqual(['os-node-created-zzzzz']);
  });

  it('refuses a page size over 500 before sending anything', async () => {
    const { api, emu } = await setup();
    expect(await failure(api.listNodes(SINGLE, { pageSize: 501 }))).toBeInstanceOf(ModelArtsValidationError);
    expect(emu.requests).toEqual([]);
  });

  it('stops at the lease deadline like getPool', async () => {
    const { api, emu } = await setup();
    const deadline = { at: T0 - 1, now: () => T0 };
    expect(await failure(api.listNodes(SINGLE, { deadline }))).toBeInstanceOf(ModelArtsDeadlineError);
    expect(await failure(api.deleteNodes(SINGLE, ['x'], { deadline }))).toBeInstanceOf(
      ModelArtsDeadlineError,
    );
    expect(emu.requests).toEqual([]);
  });
});

describe('nodeFacts from the node list', () => {
  it('reads drain, lock, billing, phase and busy accelerators as the scale-in needs them', async () => {
    const { api, emu } = await setup();
    const [first, second] = emu.nodes(MULTI).nodes.map((node) => node.name) as [string, string];
    emu.setNode(MULTI, first, { deleteLocked: true });
    await api.drainNodes(MULTI, [second]);
    const facts = new Map((await api.listNodes(MULTI)).map((node) => [node.metadata.name, nodeFacts(node)]));
    const prepaid = (await api.listNodes(PREPAID)).map((node) => nodeFacts(node).billing);
    const busy = new Set(
      emu
        .nodes(MULTI)
        .jobs.filter((job) => job.status === 'Running')
        .flatMap((job) => job.hostIps),
    );

    expect(facts.get(first)).toMatchObject({ deleteLocked: true, drained: false, billing: 'pay-per-use' });
    expect(facts.get(second)).toMatchObject({ deleteLocked: false, drained: true, phase: 'Available' });
    expect(facts.get(second)?.taints.map((taint) => taint.key)).toEqual(['node.kubernetes.io/unschedulable']);
    for (const node of facts.values()) expect(node.acceleratorsBusy).toBe(busy.has(node.privateIp as string));
    expect(prepaid).toEqual(['yearly-monthly', 'yearly-monthly']);
  });
});

describe('drainNodes', () => {
  it('drains up to 10 names per call', async () => {
    const { api, emu, advance } = await setup();
    await api.patchPool(SINGLE, { spec: { resources: [{ flavor: CPU, count: 23 }] } });
    // Created nodes are Available, so drainable, only after the transition.
    advance(60_000);
    const all = await names(api, SINGLE);
    emu.clearRequests();
    await api.drainNodes(SINGLE, all);

    const calls = emu.requests.filter((request) => request.route === 'drainNodes');
    expect(calls.map((request) => JSON.parse(request.body ?? '{}').nodeNames.length)).toEqual([10, 10, 3]);
    expect(emu.nodes(SINGLE).nodes.filter((node) => node.drained)).toHaveLength(23);
  });

  it('says which nodes drained when a later call fails', async () => {
    const { api, emu, advance } = await setup();
    await api.patchPool(SINGLE, { spec: { resources: [{ flavor: CPU, count: 12 }] } });
    advance(60_000);
    const all = await names(api, SINGLE);
    emu.setNode(SINGLE, all[11] as string, { deleteLocked: true });

    const error = await failure(api.drainNodes(SINGLE, all));
    expect(error).toBeInstanceOf(NodeDrainIncompleteError);
    expect((error as NodeDrainIncompleteError).drained).toEqual(all.slice(0, 10));
    expect((error as NodeDrainIncompleteError).notDrained).toEqual(all.slice(10));
    expect(error.message).toMatch(/locked/);
  });

  it('is retried after a server error: a replayed drain changes nothing', async () => {
    const { api, emu } = await setup();
    const [first] = (await names(api, SINGLE)) as [string];
    emu.failNext('drainNodes', 1, { status: 500 });
    await api.drainNodes(SINGLE, [first]);

    expect(emu.requests.filter((request) => request.route === 'drainNodes').map((r) => r.status)).toEqual([
      500, 200,
    ]);
  });

  it('throws NodeApiMissingError on a platform without batch-drain, in either spelling', async () => {
    const { api, emu } = await setup({ nodeRules: { drain: 'missing' } });
    const [first] = (await names(api, SINGLE)) as [string];

    const bare = await failure(api.drainNodes(SINGLE, [first]));
    emu.setNodeRules({ drain: 'unknown-api' });
    const gateway = await failure(api.drainNodes(SINGLE, [first]));

    for (const error of [bare, gateway]) {
      expect(error).toBeInstanceOf(NodeApiMissingError);
      expect(error).toMatchObject({ operation: 'drainNodes', status: 404 });
    }
    expect((gateway as NodeApiMissingError).cause).toBeDefined();
  });

  it('throws NodeNotFoundError for a node not in the pool, and keeps a missing pool a plain 404', async () => {
    const { api } = await setup();
    const notInPool = await failure(api.drainNodes(SINGLE, ['os-node-created-zzzzz']));
    const noPool = await failure(api.drainNodes('no-such-pool-0000000000000000000000000000', ['x']));

    expect(notInPool).toBeInstanceOf(NodeNotFoundError);
    expect((notInPool as NodeNotFoundError).nodeNames).toEqual(['os-node-created-zzzzz']);
    expect(noPool).not.toBeInstanceOf(NodeApiMissingError);
    expect(noPool).toMatchObject({ status: 404, errorCode: 'ModelArts.50015001' });
  });

  it('undrains where the platform can, and says it cannot elsewhere', async () => {
    const { api, emu } = await setup();
    const [first] = (await names(api, SINGLE)) as [string];
    await api.drainNodes(SINGLE, [first]);

    expect(await failure(api.undrainNodes(SINGLE, [first]))).toBeInstanceOf(NodeApiMissingError);
    emu.setNodeRules({ undrain: true });
    await api.undrainNodes(SINGLE, [first]);
    expect(emu.nodes(SINGLE).nodes[0]?.drained).toBe(false);
  });
});

describe('deleteNodes', () => {
  it('deletes the named nodes in one call with the documented body', async () => {
    const { api, emu } = await setup();
    const [first, second] = (await names(api, SINGLE)) as [string, string];
    emu.clearRequests();
    await api.deleteNodes(SINGLE, [first, second, first]);

    expect(emu.requests.map((request) => [request.route, request.body])).toEqual([
      ['deleteNodes', JSON.stringify({ deleteNodeNames: [first, second] })],
    ]);
    expect(
      emu
        .nodes(SINGLE)
        .nodes.filter((node) => node.phase === 'Deleting')
        .map((node) => node.name),
    ).toEqual([first, second]);
  });

  it('is never replayed after an answer that may have been applied', async () => {
    const { api, emu } = await setup();
    const [first] = (await names(api, SINGLE)) as [string];
    emu.failNext('deleteNodes', 1, { status: 500 });

    expect(await failure(api.deleteNodes(SINGLE, [first]))).toMatchObject({ status: 500 });
    expect(emu.requests.filter((request) => request.route === 'deleteNodes')).toHaveLength(1);
  });

  it('is retried when throttled: a 429 surely did nothing', async () => {
    const { api, emu } = await setup();
    const [first] = (await names(api, SINGLE)) as [string];
    emu.failNext('deleteNodes', 1, { status: 429, retryAfterSeconds: 0 });
    await api.deleteNodes(SINGLE, [first]);
    expect(emu.requests.filter((request) => request.route === 'deleteNodes').map((r) => r.status)).toEqual([
      429, 200,
    ]);
  });

  it('throws NodeNotFoundError naming the unknown node, and sends nothing for no names', async () => {
    const { api, emu } = await setup();
    const [first] = (await names(api, SINGLE)) as [string];
    const error = await failure(api.deleteNodes(SINGLE, [first, 'os-node-created-zzzzz']));
    emu.clearRequests();
    await api.deleteNodes(SINGLE, []);

    expect(error).toBeInstanceOf(NodeNotFoundError);
    expect((error as NodeNotFoundError).nodeNames).toEqual(['os-node-created-zzzzz']);
    expect(emu.requests).toEqual([]);
    expect(await failure(api.deleteNodes(SINGLE, ['..']))).toBeInstanceOf(ModelArtsValidationError);
  });

  it('gives up on a pool whose node API stays refused, as any call does', async () => {
    const { api, emu } = await setup();
    emu.failNext('listNodes', 3, { status: 503 });
    expect(await failure(api.listNodes(SINGLE))).toBeInstanceOf(RetryBudgetExceededError);
    emu.failNext('listNodes', 1, { status: 403 });
    expect(await failure(api.listNodes(SINGLE))).toMatchObject({ status: 403 });
  });
});

describe('listWorkloadsOnHosts', () => {
  it('sorts the asked IPs into busy and idle from one filtered read', async () => {
    const { api, emu } = await setup();
    const workloads = createWorkloadsApi(api);
    const model = emu.nodes(MULTI);
    const busy = new Set(model.jobs.filter((job) => job.status === 'Running').flatMap((job) => job.hostIps));
    const ips = model.nodes.map((node) => node.privateIp);
    emu.clearRequests();

    const answer = await workloads.listWorkloadsOnHosts(MULTI, ips);

    expect(answer.busy).toEqual(busy);
    expect(answer.idle).toEqual(new Set(ips.filter((ip) => !busy.has(ip))));
    expect(answer.workloads.every((job) => job.status === 'Running')).toBe(true);
    expect(emu.requests).toHaveLength(1);
    expect(emu.requests[0]?.query).toEqual({ hostip: ips.join(',') });
  });

  it('sees a job that arrived since the node list, and one that ended', async () => {
    const { api, emu } = await setup();
    const workloads = createWorkloadsApi(api);
    const [node] = emu.nodes(SINGLE).nodes.filter((candidate) => candidate.privateIp !== '192.168.0.19');
    const ip = node?.privateIp as string;
    const before = await workloads.listWorkloadsOnHosts(SINGLE, [ip]);
    const job = emu.addJob(SINGLE, { flavor: CPU, status: 'Running', nodeNames: [node?.name as string] });
    const during = await workloads.listWorkloadsOnHosts(SINGLE, [ip]);
    emu.setJobStatus(SINGLE, job.uid as string, 'Completed');
    const after = await workloads.listWorkloadsOnHosts(SINGLE, [ip]);

    expect([before.idle, during.busy, after.idle]).toEqual([new Set([ip]), new Set([ip]), new Set([ip])]);
  });

  it('reads nothing for no IPs and refuses something that is not an IP', async () => {
    const { api, emu } = await setup();
    const workloads = createWorkloadsApi(api);
    expect(await workloads.listWorkloadsOnHosts(SINGLE, [])).toEqual({
      busy: new Set(),
      idle: new Set(),
      workloads: [],
    });
    expect(await failure(workloads.listWorkloadsOnHosts(SINGLE, ['10.0.0.1,10.0.0.2']))).toBeInstanceOf(
      ModelArtsValidationError,
    );
    expect(emu.requests).toEqual([]);
  });
});

// The node and host-workload calls against a scripted server on 127.0.0.1, for answers the emulator does not
// give: unknown phases and extra fields, odd paging, bad items, error shapes, and hostip answers that would
// make a busy node look idle if taken at face value.

import { afterEach, describe, expect, it } from 'vitest';
import {
  createModelArtsClient,
  createNodesApi,
  createWorkloadsApi,
  ModelArtsApiError,
  type NodeApiMissingError,
  NodeNotFoundError,
  NodeResponseError,
  nodeFacts,
  WorkloadResponseError,
} from '../../lib/modelarts/index';
import {
  type CapturedRequest,
  type Reply,
  type ScriptedServer,
  startScriptedServer,
} from './client-scripted-server';
import { failure } from './failure';

const POOL = 'pool-0123456789abcdef0123456789abcdef01';
const PROJECT = '0123456789abcdef0123456789abcdef';

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function clientFor(script: (request: CapturedRequest, index: number) => Reply) {
  server = await startScriptedServer(script);
  const client = createModelArtsClient({
    projectId: PROJECT,
    endpoint: server.url,
    auth: { type: 'none' },
    retry: { limit: 0 },
  });
  return { ...client, ...createNodesApi(client) };
}

function node(name: string, extra: Record<string, unknown> = {}) {
  return {
    metadata: { name, creationTimestamp: '2025-01-02T03:04:05Z', annotations: {} },
    spec: { flavor: 'modelarts.vm.gpu.t4u8' },
    status: { phase: 'Available', az: 'az-1', privateIp: '10.0.0.1' },
    ...extra,
  };
}

const page = (items: unknown[], token?: string): Reply => ({
  status: 200,
  body: { kind: 'NodeList', metadata: token === undefined ? {} : { continue: token }, items },
});

describe('node answers the docs leave loose', () => {
  it('keeps an unknown phase, extra fields and raw taints, and reads their facts', async () => {
    const api = await clientFor(() =>
      page([
        {
          ...node('n1'),
          status: {
            phase: 'Upgrading',
            az: 'az-1',
            privateIp: '10.0.0.1',
            resources: { 'huawei.com/ascend-snt9': '8', cpu: '190' },
            availableResources: { 'huawei.com/ascend-snt9': '7', cpu: '150' },
            taints: [
              { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule', timeAdded: 'x', extra: 1 },
            ],
            driver: { phase: 'Running' },
          },
          futureField: { anything: true },
        },
        node('n2', { status: { phase: 'Creating' } }),
      ]),
    );
    const [odd, creating] = await api.listNodes(POOL);

    expect(odd).toMatchObject({ futureField: { anything: true }, status: { phase: 'Upgrading' } });
    expect(nodeFacts(odd as never)).toMatchObject({
      phase: 'Upgrading',
      acceleratorsBusy: true,
      taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }],
    });
    expect(nodeFacts(creating as never)).toMatchObject({
      privateIp: undefined,
      az: undefined,
      phase: 'Creating',
    });
  });

  it('reads lock and drain annotations in any spelling as set, and billing from the pool when the node has none', async () => {
    const api = await clientFor(() =>
      page([
        node('locked', {
          metadata: { name: 'locked', annotations: { 'os.modelarts.node/lock.action': '["delete"]' } },
        }),
        node('undrained', {
          metadata: { name: 'undrained', annotations: { 'os.modelarts.node/drain': 'false' } },
        }),
        node('drained', { metadata: { name: 'drained', annotations: { 'os.modelarts.node/drain': 'yes' } } }),
      ]),
    );
    const [locked, undrained, drained] = (await api.listNodes(POOL)).map((item) => nodeFacts(item, '1'));

    expect(locked).toMatchObject({ deleteLocked: true, drained: false, billing: 'yearly-monthly' });
    expect(undrained).toMatchObject({ drained: false, createdAt: undefined });
    expect(drained?.drained).toBe(true);
    expect(nodeFacts((await api.listNodes(POOL))[0] as never).billing).toBe('unknown');
  });

  it('fails the whole list on a node without a name or with an annotation that is not text', async () => {
    const nameless = await clientFor(() =>
      page([node('ok'), { metadata: {}, spec: { flavor: 'f' }, status: { phase: 'Available' } }]),
    );
    const error = await failure(nameless.listNodes(POOL));
    await server?.close();
    const numeric = await clientFor(() =>
      page([node('bad', { metadata: { name: 'bad', annotations: { 'os.modelarts.node/lock.action': 1 } } })]),
    );
    const annotation = await failure(numeric.listNodes(POOL));

    expect(error).toBeInstanceOf(NodeResponseError);
    expect(error.message).toContain('items[1] of page 1');
    expect(error.message).toContain('metadata.name');
    expect(annotation.message).toContain('node "bad"');
    expect(annotation.message).toContain('metadata.annotations["os.modelarts.node/lock.action"]');
  });

  it('ends on an empty cursor, and refuses a cursor that repeats or a list longer than allowed', async () => {
    const empty = await clientFor((_, index) => page([node(`n${index}`)], index === 0 ? 'next' : ''));
    expect((await empty.listNodes(POOL)).map((item) => item.metadata.name)).toEqual(['n0', 'n1']);
    expect(server?.requests.map((request) => request.url)).toEqual([
      `/v2/${PROJECT}/pools/${POOL}/nodes?limit=500`,
      `/v2/${PROJECT}/pools/${POOL}/nodes?continue=next&limit=500`,
    ]);
    await server?.close();

    const looping = await clientFor((_, index) => page([node(`n${index}`)], 'same'));
    expect((await failure(looping.listNodes(POOL))).message).toContain('repeats an earlier cursor');
    await server?.close();

    const endless = await clientFor((_, index) => page([node(`n${index}`)], `t${index}`));
    expect((await failure(endless.listNodes(POOL, { maxPages: 3 }))).message).toContain('more than 3 pages');
  });

  it('counts a node listed on two pages once', async () => {
    const api = await clientFor((_, index) =>
      page([node('n1'), node(`n${index + 2}`)], index === 0 ? 'next' : undefined),
    );
    expect((await api.listNodes(POOL)).map((item) => item.metadata.name)).toEqual(['n1', 'n2', 'n3']);
  });

  it('refuses a node answer that is not JSON, or names another node', async () => {
    const garbled = await clientFor(() => ({ status: 200, body: '<html>' }));
    expect(await failure(garbled.getNode(POOL, 'n1'))).toBeInstanceOf(NodeResponseError);
    await server?.close();
    const other = await clientFor(() => ({ status: 200, body: node('n2') }));
    expect((await failure(other.getNode(POOL, 'n1'))).message).toContain('names another node');
  });
});

describe('node write answers', () => {
  it('takes a delete answered 200 with no body or with {}', async () => {
    const api = await clientFor((_, index) => (index === 0 ? { status: 200 } : { status: 200, body: {} }));
    await api.deleteNodes(POOL, ['n1']);
    await api.deleteNodes(POOL, ['n1']);
    expect(server?.requests.map((request) => [request.method, request.url, request.body])).toEqual([
      ['POST', `/v2/${PROJECT}/pools/${POOL}/nodes/batch-delete`, '{"deleteNodeNames":["n1"]}'],
      ['POST', `/v2/${PROJECT}/pools/${POOL}/nodes/batch-delete`, '{"deleteNodeNames":["n1"]}'],
    ]);
  });

  it('reads the documented drain error without a name as naming every node sent', async () => {
    const api = await clientFor(() => ({
      status: 400,
      body: {
        error_code: 'ModelArts.50004000',
        error_msg: 'Bad request. node cannot be drained because it is not in pool',
      },
    }));
    const error = await failure(api.drainNodes(POOL, ['n1', 'n2']));
    expect(error).toBeInstanceOf(NodeNotFoundError);
    expect((error as NodeNotFoundError).nodeNames).toEqual(['n1', 'n2']);
  });

  it('tells a missing drain API from a missing pool, and leaves other refusals as they are', async () => {
    const replies: Reply[] = [
      { status: 404, body: '' },
      { status: 404, body: { error_code: 'APIG.0101', error_msg: 'The API does not exist' } },
      { status: 404, body: { error_code: 'ModelArts.50015001', error_msg: 'pool not found' } },
      { status: 403, body: { error_code: 'ModelArts.50003000', error_msg: 'forbidden' } },
      { status: 400, body: { error_code: 'ModelArts.50004000', error_msg: 'node n1 is locked' } },
    ];
    const api = await clientFor((_, index) => replies[index] as Reply);
    const errors = [];
    for (let i = 0; i < replies.length; i++) errors.push(await failure(api.drainNodes(POOL, ['n1'])));

    expect(errors.map((error) => error.constructor.name)).toEqual([
      'NodeApiMissingError',
      'NodeApiMissingError',
      'ModelArtsApiError',
      'ModelArtsApiError',
      'ModelArtsApiError',
    ]);
    expect(errors[0]).toBeInstanceOf(ModelArtsApiError);
    expect((errors[0] as NodeApiMissingError).operation).toBe('drainNodes');
  });
});

describe('workloads by host IP', () => {
  const hostsWith = async (answer: Record<string, unknown>, ips = ['10.0.0.1', '10.0.0.2']) => {
    const api = await clientFor(() => ({ status: 200, body: { kind: 'WorkloadList', ...answer } }));
    return createWorkloadsApi(api).listWorkloadsOnHosts(POOL, ips);
  };

  it('asks with one comma-separated hostip value', async () => {
    await hostsWith({ items: [] });
    expect(server?.requests[0]?.url).toBe(
      `/v2/${PROJECT}/pools/${POOL}/workloads?hostip=10.0.0.1%2C10.0.0.2`,
    );
  });

  it('counts nodes[].hostIp as well as hostIps, and an unknown status as holding', async () => {
    const answer = await hostsWith({
      items: [
        { status: 'Running', hostIps: '', nodes: [{ hostIp: '10.0.0.1' }] },
        { status: 'Rescheduling', hostIps: '10.0.0.2' },
      ],
    });
    expect(answer.busy).toEqual(new Set(['10.0.0.1', '10.0.0.2']));
    expect(answer.idle).toEqual(new Set());
  });

  it('ignores finished jobs and jobs on other nodes (a server that ignored the filter)', async () => {
    const answer = await hostsWith({
      items: [
        { status: 'Completed', hostIps: '10.0.0.1' },
        { status: 'Failed', hostIps: '10.0.0.2' },
        { status: 'Running', hostIps: '10.9.9.9' },
      ],
    });
    expect(answer.idle).toEqual(new Set(['10.0.0.1', '10.0.0.2']));
    expect(answer.workloads).toEqual([]);
  });

  it('takes a holding job that names no host as sitting on every asked node: nobody can say which', async () => {
    const answer = await hostsWith({ items: [{ status: 'Pending', hostIps: '' }] });
    expect(answer.busy).toEqual(new Set(['10.0.0.1', '10.0.0.2']));
  });

  it('refuses an answer that was paged after all', async () => {
    const cut = await failure(hostsWith({ total: 3, items: [{ status: 'Completed', hostIps: '10.0.0.1' }] }));
    await server?.close();
    const full = await failure(
      hostsWith({ items: Array.from({ length: 500 }, () => ({ status: 'Completed', hostIps: '10.0.0.1' })) }),
    );
    expect(cut).toBeInstanceOf(WorkloadResponseError);
    expect(cut.message).toContain('1 of 3 jobs');
    expect(full.message).toContain('500 of an unknown number');
  });
});

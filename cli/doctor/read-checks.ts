// The reads the autoscaler makes, each once: may we call it (permission) and does the answer have the shape the
// cycle relies on (parse). A 2xx answer that fails its schema still proves the permission; a refused call has
// nothing to parse.

import {
  createFlavorsApi,
  createNodesApi,
  createWorkloadsApi,
  type FlavorStockList,
  type FlavorsApi,
  type HostWorkloads,
  type ModelArtsClient,
  type ModelArtsNode,
  type NodesApi,
  type Pool,
  type PoolListResult,
  type WorkloadsApi,
} from '../../lib/modelarts';
import { plural } from '../../lib/plural';
import { type CheckResult, type CheckStatus, check, classifyFailure, isBadAnswer } from './checks';

export interface DoctorApis {
  client: ModelArtsClient;
  nodes: NodesApi;
  workloads: WorkloadsApi;
  flavors: FlavorsApi;
}

export const doctorApis = (client: ModelArtsClient): DoctorApis => ({
  client,
  nodes: createNodesApi(client),
  workloads: createWorkloadsApi(client),
  flavors: createFlavorsApi(client),
});

/** What the reads found, for the checks that come after them. */
export interface ReadFindings {
  checks: CheckResult[];
  pool?: Pool;
  nodes?: ModelArtsNode[];
}

interface Verdict {
  status: CheckStatus;
  reason: string;
}

/** An address in TEST-NET-1 (RFC 5737): no node has it, so a hostip read for it lists no job. */
export const NO_NODE_IP = '192.0.2.1';

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

async function readApi<T>(
  name: string,
  subject: string,
  needed: boolean,
  call: () => Promise<T>,
  verdict: (value: T) => Verdict,
): Promise<{ checks: CheckResult[]; value?: T }> {
  const allowed = check('permission', name, 'ok', 'allowed: answered 2xx', needed);
  try {
    const value = await call();
    const parsed = verdict(value);
    return { value, checks: [allowed, check('parse', subject, parsed.status, parsed.reason, needed)] };
  } catch (error) {
    if (isBadAnswer(error))
      return { checks: [allowed, check('parse', subject, 'failed', messageOf(error), needed)] };
    const { status, reason } = classifyFailure(error);
    return {
      checks: [
        check('permission', name, status, reason, needed),
        check('parse', subject, 'skipped', 'no answer to parse', needed),
      ],
    };
  }
}

const flavorSummary = (pool: Pool) =>
  pool.spec.resources.map((resource) => `${resource.flavor} x${resource.count}`).join(', ');

function stockVerdict(list: FlavorStockList, pool: Pool | undefined): Verdict {
  if (list.errors.length > 0)
    return { status: 'failed', reason: list.errors.map((error) => error.message).join('; ') };
  const wanted = pool?.spec.resources.map((resource) => resource.flavor) ?? [];
  const absent = wanted.filter((flavor) => !list.flavors.some((entry) => entry.flavor === flavor));
  const shown = list.flavors
    .filter((entry) => wanted.includes(entry.flavor))
    .map(
      (entry) =>
        `${entry.flavor}: ${
          Object.entries(entry.azs)
            .map(([az, stock]) => `${az} ${stock}`)
            .join(', ') || 'no AZ stock given'
        }`,
    );
  const listed = `${plural(list.flavors.length, 'flavor')} listed`;
  if (absent.length > 0) return { status: 'warn', reason: `${listed}; not listed: ${absent.join(', ')}` };
  return { status: 'ok', reason: [listed, ...shown].join('; ') };
}

function poolListVerdict(list: PoolListResult, poolName: string): Verdict {
  const mine = list.errors.filter((error) => error.pool === poolName);
  if (mine.length > 0) return { status: 'failed', reason: mine.map((error) => error.message).join('; ') };
  const others = list.errors.map((error) => error.message);
  const count = `${plural(list.pools.length, 'pool')} parse`;
  if (others.length > 0) return { status: 'warn', reason: `${count}; others do not: ${others.join('; ')}` };
  if (!list.pools.some((pool) => pool.metadata.name === poolName))
    return { status: 'warn', reason: `${count}; ${poolName} is not among them (another workspace?)` };
  return { status: 'ok', reason: `${count}, ${poolName} among them` };
}

const poolVerdict = (pool: Pool): Verdict => ({
  status: 'ok',
  reason: `phase ${pool.status?.phase ?? '(none)'}; ${flavorSummary(pool)}`,
});

const nodesVerdict = (nodes: readonly ModelArtsNode[]): Verdict => {
  const available = nodes.filter((node) => node.status.phase === 'Available').length;
  return { status: 'ok', reason: `${plural(nodes.length, 'node')}, ${available} Available` };
};

/** The IPs the workloads read asks about: the nodes', or one no node has when there are none. */
const askedIps = (nodes: readonly ModelArtsNode[] | undefined) => {
  const ips = (nodes ?? []).flatMap((node) => (node.status.privateIp ? [node.status.privateIp] : []));
  return ips.length > 0 ? ips : [NO_NODE_IP];
};

function hostsVerdict(hosts: HostWorkloads, asked: readonly string[]): Verdict {
  if (asked[0] === NO_NODE_IP)
    return {
      status: 'ok',
      reason: `hostip read for ${NO_NODE_IP} (no node IP to ask about): ${plural(hosts.workloads.length, 'job')}`,
    };
  const counts = `${hosts.busy.size} busy, ${hosts.idle.size} idle`;
  return { status: 'ok', reason: `hostip read for ${plural(asked.length, 'node IP')}: ${counts}` };
}

/** Pools list and get, node list, the workloads hostip read and the flavor stock, in that order. */
export async function readChecks(apis: DoctorApis, poolName: string): Promise<ReadFindings> {
  const { client } = apis;
  const list = await readApi(
    'pools list',
    'pool list',
    true,
    () => client.listPools(),
    (value) => poolListVerdict(value, poolName),
  );
  const got = await readApi('pool get', 'pool', true, () => client.getPool(poolName), poolVerdict);
  const nodes = await readApi(
    'node list',
    'node list',
    true,
    () => apis.nodes.listNodes(poolName),
    nodesVerdict,
  );
  const asked = askedIps(nodes.value);
  const hosts = await readApi(
    'workloads read',
    'workloads answer',
    true,
    () => apis.workloads.listWorkloadsOnHosts(poolName, asked),
    (value) => hostsVerdict(value, asked),
  );
  // A cycle that grows a pool reads it (sold-out AZs); refused, the stock is unknown and nothing fails: a warning.
  const stock = await readApi(
    'flavor stock',
    'flavor list',
    false,
    () => apis.flavors.listFlavorStock(),
    (value) => stockVerdict(value, got.value),
  );
  return {
    checks: [list, got, nodes, hosts, stock].flatMap((read) => read.checks),
    ...(got.value ? { pool: got.value } : {}),
    ...(nodes.value ? { nodes: nodes.value } : {}),
  };
}

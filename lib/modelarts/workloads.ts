// The pool workload APIs (related-apis.md sections 3 and 4): per-state job statistics and the job
// list. Docs and SDKs disagree on field types, so counts are accepted as numbers or numeric strings,
// `nodes` as an array or a single object, and the statistics envelope as `statistics` or `statics`.
// The schemas are built on first use (z.lazy): only a config with a modelarts-workloads backlog source
// calls these APIs, and every other cold start should not pay for building them.

import { z } from 'zod';
import { poolPath } from './endpoint';
import { ModelArtsError, ModelArtsValidationError } from './errors';
import { holdsNodes } from './node-holding';
import type { ModelArtsTransport, PoolCallOptions } from './transport';

export type WorkloadOperation = 'listWorkloads' | 'workloadStats';

/** Job states a pool reports; the API may add more, so plain strings are accepted too. */
export const WORKLOAD_STATUSES = [
  'Queue',
  'Pending',
  'Abnormal',
  'Terminating',
  'Creating',
  'Running',
  'Completed',
  'Terminated',
  'Failed',
] as const;

export type WorkloadStatus = (typeof WORKLOAD_STATUSES)[number];

export { holdsNodes, NODE_FREE_STATUSES, NODE_HOLDING_STATUSES } from './node-holding';

export const WORKLOAD_TYPES = ['train', 'infer', 'notebook'] as const;

/** Page size limit of the list API. */
export const MAX_WORKLOAD_PAGE_SIZE = 500;

const count = z.lazy(() =>
  z.union([
    z.number(),
    z
      .string()
      .regex(/^-?\d+(\.\d+)?$/, 'must be a number')
      .transform(Number),
  ]),
);

const toArray = <T>(value: T | T[]) => (Array.isArray(value) ? value : [value]);

export const WorkloadNodeSchema = z.lazy(() =>
  z.looseObject({
    hostIp: z.string().optional(),
    npuTopologyPlacement: z.string().optional(),
  }),
);

export const WorkloadSchema = z.lazy(() =>
  z.looseObject({
    type: z.string().optional(),
    namespace: z.string().optional(),
    name: z.string().optional(),
    uid: z.string().optional(),
    jobName: z.string().optional(),
    jobUUID: z.string().optional(),
    flavor: z.string().optional(),
    status: z.string().optional(),
    priority: z.union([z.string(), z.number()]).optional(),
    pendingPosition: count.optional(),
    pendingDuration: count.optional(),
    runningDuration: count.optional(),
    createTime: count.optional(),
    hostIps: z.string().optional(),
    // The doc table types `nodes` as an object; the example and the SDKs as an array.
    nodes: z
      .union([z.array(WorkloadNodeSchema), WorkloadNodeSchema])
      .transform(toArray)
      .optional(),
  }),
);

export const WorkloadListSchema = z.lazy(() =>
  z.looseObject({
    apiVersion: z.string().optional(),
    kind: z.string().optional(),
    total: count.optional(),
    items: z.array(WorkloadSchema).default([]),
  }),
);

const statisticsBodySchema = () =>
  z.looseObject({
    total: count.optional(),
    items: z
      .array(
        z.looseObject({
          type: z.string(),
          total: count.optional(),
          status: z.record(z.string(), count).default({}),
        }),
      )
      .default([]),
  });

// The OTC table names the envelope `statics`; the example, Huawei docs and SDKs say `statistics`.
export const WorkloadStatisticsSchema = z.lazy(() => {
  const body = statisticsBodySchema();
  return z
    .looseObject({ statistics: body.optional(), statics: body.optional() })
    .transform((envelope, ctx) => {
      const statistics = envelope.statistics ?? envelope.statics;
      if (!statistics) {
        ctx.addIssue({ code: 'custom', path: ['statistics'], message: 'is required' });
        return z.NEVER;
      }
      return statistics;
    });
});

export type Workload = z.infer<typeof WorkloadSchema>;
export type WorkloadList = z.infer<typeof WorkloadListSchema>;
export type WorkloadStatistics = z.infer<typeof WorkloadStatisticsSchema>;

export interface ListWorkloadsQuery {
  /** Repeated as `type=train&type=infer` (the docs' form). */
  type?: string | readonly string[];
  status?: string;
  sort?: string;
  ascend?: boolean;
  offset?: number;
  /** 1..500; the API treats 0 or absent as 500. */
  limit?: number;
  /** Node IPs, comma-separated: only the jobs on those nodes, every one of them (paging is ignored). */
  hostip?: string;
}

export const workloadsPath = (projectId: string, pool: string) => `${poolPath(projectId, pool)}/workloads`;

export const workloadStatisticsPath = (projectId: string, pool: string) =>
  `${poolPath(projectId, pool).replace(/^(\/v2\/[^/]+)\/pools\//, '$1/statistics/pools/')}/workloads`;

/** `?k=v&...`, keys sorted, array values sorted and repeated (the AK/SK canonical order). */
export function workloadsQueryString(query: ListWorkloadsQuery): string {
  const pairs: [string, string][] = [];
  for (const [key, value] of Object.entries(query).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (value === undefined) continue;
    const values = Array.isArray(value) ? [...value].map(String).sort() : [String(value)];
    for (const one of values) pairs.push([key, one]);
  }
  return pairs.length === 0
    ? ''
    : `?${pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')}`;
}

/** What the workload APIs need from a ModelArts client: its project and its signed, retried request. */
export type WorkloadsTransport = Pick<ModelArtsTransport, 'projectId' | 'request'>;

export interface WorkloadsApi {
  listWorkloads(pool: string, query?: ListWorkloadsQuery, options?: PoolCallOptions): Promise<WorkloadList>;
  getWorkloadStatistics(pool: string, options?: { signal?: AbortSignal }): Promise<WorkloadStatistics>;
  /**
   * Which of `ips` carry a job that holds its node, from one `hostip` read (none when `ips` is empty).
   * Throws rather than guess: on an answer that is cut short, a bad IP or any failed read.
   */
  listWorkloadsOnHosts(
    pool: string,
    ips: readonly string[],
    options?: PoolCallOptions,
  ): Promise<HostWorkloads>;
}

/** The answer about a set of node IPs: each asked IP is either busy or idle. */
export interface HostWorkloads {
  busy: Set<string>;
  idle: Set<string>;
  /** The jobs holding the busy IPs. */
  workloads: Workload[];
}

export class WorkloadResponseError extends ModelArtsError {
  override readonly name = 'WorkloadResponseError';
  constructor(
    readonly operation: WorkloadOperation,
    readonly pool: string,
    problem: string,
    options?: { cause?: unknown },
  ) {
    super('response', `${operation} for pool "${pool}" returned a bad response: ${problem}`, options);
  }
}

function decode<S extends z.ZodType>(
  schema: S,
  text: string,
  operation: WorkloadOperation,
  pool: string,
): z.output<S> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new WorkloadResponseError(operation, pool, 'not JSON', { cause: error });
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
    throw new WorkloadResponseError(operation, pool, problems.join('; '), { cause: parsed.error });
  }
  return parsed.data;
}

// An address as the node list shows it (IPv4 or IPv6): anything else could not be a node, and a comma would
// split into other IPs.
const HOST_IP = /^[0-9A-Fa-f:.]+$/;

export function createWorkloadsApi(transport: WorkloadsTransport): WorkloadsApi {
  const { projectId } = transport;
  async function listWorkloads(pool: string, query: ListWorkloadsQuery = {}, options: PoolCallOptions = {}) {
    const text = await transport.request({
      operation: 'listWorkloads',
      method: 'GET',
      path: workloadsPath(projectId, pool),
      query: workloadsQueryString(query),
      ...options,
    });
    return decode(WorkloadListSchema, text, 'listWorkloads', pool);
  }
  return {
    listWorkloads,
    async listWorkloadsOnHosts(pool, ips, options = {}) {
      const asked = [...new Set(ips)];
      const bad = asked.findIndex((ip) => typeof ip !== 'string' || !HOST_IP.test(ip));
      if (bad !== -1) {
        throw new ModelArtsValidationError(
          { method: 'GET', path: workloadsPath(projectId, pool) },
          'host IPs',
          [{ path: `[${bad}]`, problem: `${JSON.stringify(asked[bad])} is not an IP address` }],
        );
      }
      if (asked.length === 0) return { busy: new Set(), idle: new Set(), workloads: [] };
      // The docs write `hostip=<ip>,<ip>`; one value, so a server that reads only the first of repeated keys
      // cannot silently drop IPs. [unconfirmed] Which spelling the server takes: `doctor` checks it.
      const list = await listWorkloads(pool, { hostip: asked.join(',') }, options);
      const listed = list.items.length;
      if (
        (list.total !== undefined && list.total > listed) ||
        (list.total === undefined && listed >= MAX_WORKLOAD_PAGE_SIZE)
      ) {
        throw new WorkloadResponseError(
          'listWorkloads',
          pool,
          `the hostip answer holds ${listed} of ${list.total ?? 'an unknown number of'} jobs: it was paged, so jobs may be missing`,
        );
      }
      return busyHosts(list.items, asked);
    },
    async getWorkloadStatistics(pool, options = {}) {
      const text = await transport.request({
        operation: 'workloadStats',
        method: 'GET',
        path: workloadStatisticsPath(projectId, pool),
        ...(options.signal ? { signal: options.signal } : {}),
      });
      return decode(WorkloadStatisticsSchema, text, 'workloadStats', pool);
    },
  };
}

export class WorkloadPagingError extends ModelArtsError {
  override readonly name = 'WorkloadPagingError';

  constructor(message: string) {
    super('response', message);
  }
}

/**
 * Every job of a pool matching `query`, following offset paging. A listing cut short would
 * under-count backlog (and so invite a scale-down), so running past `maxPages` is an error.
 */
export async function listAllWorkloads(
  api: WorkloadsApi,
  pool: string,
  query: Omit<ListWorkloadsQuery, 'offset' | 'limit'> & { pageSize?: number; maxPages?: number },
  options: { signal?: AbortSignal } = {},
): Promise<Workload[]> {
  const { pageSize = MAX_WORKLOAD_PAGE_SIZE, maxPages = 20, ...filter } = query;
  const items: Workload[] = [];
  for (let page = 0; page < maxPages; page++) {
    const list = await api.listWorkloads(pool, { ...filter, offset: items.length, limit: pageSize }, options);
    items.push(...list.items);
    const done = list.items.length < pageSize || (list.total !== undefined && items.length >= list.total);
    if (done) return items;
  }
  throw new WorkloadPagingError(`pool "${pool}" has more than ${maxPages} pages of ${pageSize} workloads`);
}

/** The node IPs a workload names, in `hostIps` or `nodes[].hostIp`, each once. */
export function hostIpsOf(workload: Workload): string[] {
  const ips = (workload.hostIps ?? '').split(',').map((ip) => ip.trim());
  for (const node of workload.nodes ?? []) if (node.hostIp) ips.push(node.hostIp.trim());
  return [...new Set(ips.filter((ip) => ip !== ''))];
}

/**
 * Sorts `ips` into busy and idle from the jobs a `hostip` read returned. A job counts when its status holds
 * nodes (an unknown status does); it makes busy the asked IPs it names in `hostIps` or `nodes[].hostIp`. One
 * the filter returned that names no IP at all sits on one of them, nobody can say which: all are busy.
 */
export function busyHosts(workloads: readonly Workload[], ips: readonly string[]): HostWorkloads {
  const asked = new Set(ips);
  const busy = new Set<string>();
  const holding: Workload[] = [];
  for (const workload of workloads) {
    if (!holdsNodes(workload.status)) continue;
    const on = hostIpsOf(workload);
    const mine = on.length === 0 ? [...asked] : on.filter((ip) => asked.has(ip));
    if (mine.length === 0) continue;
    for (const ip of mine) busy.add(ip);
    holding.push(workload);
  }
  return { busy, idle: new Set([...asked].filter((ip) => !busy.has(ip))), workloads: holding };
}

/**
 * Nodes a job occupies or asks for: its `nodes[]` entries, else the IPs in `hostIps`, else one
 * (a queued job has no nodes yet but needs at least one).
 */
export function workloadNodeCount(workload: Workload): number {
  const nodes = workload.nodes?.length ?? 0;
  if (nodes > 0) return nodes;
  const ips = workload.hostIps?.split(',').filter((ip) => ip.trim() !== '').length ?? 0;
  return Math.max(ips, 1);
}

// The pool workload APIs (related-apis.md sections 3 and 4) over a per-pool job queue, seeded from
// seed/workloads.json, plus the admin routes that let a demo grow and drain queues and a test place jobs.
// Where a job runs, and its status once placed, belong to the node model (PoolStore): the list shows them from
// there, so workloads' `hostIps` and the node list always agree.

import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ErrorCodes } from '../../lib/modelarts/error-codes';
import { formatProblems, toFieldProblems } from '../../lib/modelarts/schema-error';
import {
  hostIpsOf,
  MAX_WORKLOAD_PAGE_SIZE,
  WORKLOAD_STATUSES,
  type Workload,
  WorkloadSchema,
  type WorkloadStatus,
} from '../../lib/modelarts/workloads';
import { describeRefusal } from '../../lib/nodes';
import type { PoolStore } from '../pool-store';
import {
  ApiError,
  badRequest,
  type EmulatorState,
  jsonBody,
  poolNotFound,
  type Route,
  type RouteResult,
} from '../route';
import { nodeJobOf, withPlacement } from '../workload-jobs';

// Go's SDK adds `x-infer` to the documented train, infer and notebook.
const JOB_TYPES = ['train', 'infer', 'notebook', 'x-infer'] as const;

/** Statuses in which a job has been placed on nodes (its `nodes[]` carry host IPs). */
const PLACED = new Set([
  'Running',
  'Creating',
  'Terminating',
  'Completed',
  'Failed',
  'Terminated',
  'Abnormal',
]);

/**
 * A job as the admin routes take it: `flavor` and `status` are required, `nodeCount` (default 1) is
 * expanded into `nodes[]`, everything else is filled in the way the real API shows it. A placed job lands on
 * `nodeNames` when given, else on the least busy schedulable nodes of its flavor.
 */
export const WorkloadInputSchema = z.looseObject({
  flavor: z.string().min(1),
  status: z.enum(WORKLOAD_STATUSES),
  type: z.enum(JOB_TYPES).default('train'),
  nodeCount: z.number().int().min(1).max(1000).optional(),
  nodeNames: z.array(z.string().min(1)).min(1).optional(),
  name: z.string().min(1).optional(),
  createTime: z.number().int().nonnegative().optional(),
});

export type WorkloadInput = z.input<typeof WorkloadInputSchema>;
type ParsedWorkloadInput = z.output<typeof WorkloadInputSchema>;

// A bare array is taken as the `items` list, so that errors name `items[0].status` either way.
const WorkloadsBodySchema = z.preprocess(
  (body) => (Array.isArray(body) ? { items: body } : body),
  z.strictObject({ items: z.array(WorkloadInputSchema) }),
);

const SeedSchema = z.record(z.string(), z.array(WorkloadSchema));

const SEED_FILE = new URL('../seed/workloads.json', import.meta.url);
let seedCache: Record<string, Workload[]> | undefined;

/** The bundled seed: jobs per pool name. */
export function seedWorkloads(): Record<string, Workload[]> {
  seedCache ??= SeedSchema.parse(JSON.parse(readFileSync(SEED_FILE, 'utf8')));
  return structuredClone(seedCache);
}

/** A pool's jobs, newest first unless asked otherwise. */
export class WorkloadStore {
  readonly #jobs = new Map<string, Workload[]>();
  #created = 0;

  constructor(
    private readonly seed: Record<string, Workload[]>,
    private readonly now: () => number,
    private readonly pools: PoolStore,
  ) {
    this.#loadSeed();
  }

  /** Back to the seed jobs, in the node model too. */
  reset(): void {
    const pools = new Set([...this.#jobs.keys(), ...Object.keys(this.seed)]);
    this.#loadSeed();
    for (const pool of pools) {
      const jobs = (this.#jobs.get(pool) ?? []).map(nodeJobOf).filter((job) => job !== undefined);
      this.pools.setJobs(pool, jobs);
    }
  }

  // The node model starts from the same seed (PoolStore) and may have moved on since this store was built
  // lazily: loading the documents must not put its jobs back.
  #loadSeed(): void {
    this.#jobs.clear();
    for (const [pool, jobs] of Object.entries(this.seed)) this.#jobs.set(pool, structuredClone(jobs));
  }

  /** The pool's jobs as the API shows them: status and placement come from the node model. */
  list(pool: string): Workload[] {
    const placed = new Map((this.pools.nodes(pool)?.jobs ?? []).map((job) => [job.id, job]));
    return (this.#jobs.get(pool) ?? []).map((job) =>
      structuredClone(withPlacement(job, job.uid === undefined ? undefined : placed.get(job.uid))),
    );
  }

  /** Replaces every job of `pool`, placing them on its nodes; all or nothing. */
  replace(pool: string, inputs: readonly ParsedWorkloadInput[]): Workload[] {
    const before = this.pools.nodes(pool)?.jobs ?? [];
    this.pools.setJobs(pool, []);
    try {
      const jobs = inputs.map((input) => this.#complete(pool, input));
      jobs.forEach((job, i) => {
        this.#place(pool, job, inputs[i]?.nodeNames);
      });
      this.#jobs.set(pool, jobs);
    } catch (error) {
      this.pools.setJobs(pool, before);
      throw error;
    }
    return this.list(pool);
  }

  /** Adds one job to `pool`, placing it on its nodes. */
  add(pool: string, input: ParsedWorkloadInput): Workload {
    const job = this.#complete(pool, input);
    this.#place(pool, job, input.nodeNames);
    this.#jobs.set(pool, [...(this.#jobs.get(pool) ?? []), job]);
    return this.#listed(pool, job.uid as string);
  }

  /** Sets a job's status; one that starts running only now gets its nodes. Undefined when no such job. */
  setStatus(pool: string, uid: string, status: WorkloadStatus): Workload | undefined {
    const docs = this.#jobs.get(pool) ?? [];
    if (!docs.some((doc) => doc.uid === uid)) return undefined;
    const shown = { ...this.#listed(pool, uid), status };
    this.#jobs.set(
      pool,
      docs.map((doc) => (doc.uid === uid ? { ...doc, status } : doc)),
    );
    if (PLACED.has(status) && hostIpsOf(shown).length === 0) this.#place(pool, shown, undefined);
    else {
      const job = nodeJobOf(shown);
      const others = (this.pools.nodes(pool)?.jobs ?? []).filter((other) => other.id !== uid);
      this.pools.setJobs(pool, job ? [...others, job] : others);
    }
    return this.#listed(pool, uid);
  }

  #listed(pool: string, uid: string): Workload {
    return this.list(pool).find((job) => job.uid === uid) as Workload;
  }

  /** Records the job in the node model: on nodes when its status is one of a placed job. */
  #place(pool: string, job: Workload, nodeNames: readonly string[] | undefined): void {
    const { uid, flavor, status } = job as { uid: string; flavor: string; status: string };
    const where = !PLACED.has(status)
      ? { nodeNames: [] }
      : nodeNames
        ? { nodeNames }
        : { nodeCount: Math.max(1, job.nodes?.length ?? 1) };
    const change = this.pools.placeJob(pool, { id: uid, flavor, status, ...where });
    if (change && !change.ok)
      throw badRequest(`cannot place job ${job.name}: ${describeRefusal(change.refusal)}`);
  }

  #complete(pool: string, input: ParsedWorkloadInput): Workload {
    const { nodeCount = input.nodeNames?.length ?? 1, nodeNames: _, ...given } = input;
    this.#created += 1;
    const name = given.name ?? `${given.type}-job-${this.#created}`;
    const uid = `00000000-0000-4000-8000-${String(this.#created).padStart(12, '0')}`;
    return {
      namespace: `os-${pool.slice(0, 20)}`,
      name,
      uid,
      jobName: name,
      jobUUID: uid,
      priority: '0',
      pendingPosition: -1,
      pendingDuration: 0,
      runningDuration: 0,
      createTime: this.now(),
      gvk: 'batch.volcano.sh/v1alpha1, Kind=Job',
      hostIps: '',
      nodes: Array.from({ length: nodeCount }, () => ({})),
      isDeleted: 'false',
      ...given,
    };
  }
}

// Keyed by the emulator's state so that each emulator has its own queues without a field in server.ts.
const stores = new WeakMap<EmulatorState, WorkloadStore>();

export function workloadsOf(state: EmulatorState): WorkloadStore {
  let store = stores.get(state);
  if (!store) {
    store = new WorkloadStore(seedWorkloads(), () => state.now(), state.pools);
    stores.set(state, store);
  }
  return store;
}

function existingPool(state: EmulatorState, name: string): string {
  if (!state.pools.get(name)) throw poolNotFound(name);
  return name;
}

/** Replaces a pool's jobs from an admin body (`[jobs]` or `{ items: [jobs] }`). */
export function setPoolWorkloads(state: EmulatorState, pool: string, body: unknown): Workload[] {
  existingPool(state, pool);
  const parsed = WorkloadsBodySchema.safeParse(body);
  if (!parsed.success)
    throw badRequest(`invalid workloads: ${formatProblems(toFieldProblems(parsed.error.issues))}`);
  return workloadsOf(state).replace(pool, parsed.data.items);
}

/** Adds one job to a pool from an admin body (a WorkloadInput), placed on its nodes. */
export function addPoolWorkload(state: EmulatorState, pool: string, body: unknown): Workload {
  existingPool(state, pool);
  const parsed = WorkloadInputSchema.safeParse(body);
  if (!parsed.success)
    throw badRequest(`invalid job: ${formatProblems(toFieldProblems(parsed.error.issues))}`);
  return workloadsOf(state).add(pool, parsed.data);
}

const JobStatusSchema = z.strictObject({ status: z.enum(WORKLOAD_STATUSES) });

/** Sets one job's status from an admin body (`{status}`): a job that ends frees its nodes. */
export function setPoolWorkloadStatus(
  state: EmulatorState,
  pool: string,
  uid: string,
  body: unknown,
): Workload {
  existingPool(state, pool);
  const parsed = JobStatusSchema.safeParse(body);
  if (!parsed.success)
    throw badRequest(`invalid job status: ${formatProblems(toFieldProblems(parsed.error.issues))}`);
  const job = workloadsOf(state).setStatus(pool, uid, parsed.data.status);
  if (!job) throw new ApiError(404, ErrorCodes.badRequest, `pool ${pool} has no job ${uid}`);
  return job;
}

const ADMIN_PATH = /^\/__admin\/pools\/([^/]+)\/(workloads|jobs)(?:\/([^/]+))?$/;

/**
 * `POST /__admin/pools/{pool}/workloads` (replace) and `GET` (read back), `POST /__admin/pools/{pool}/jobs`
 * (add one), `POST /__admin/pools/{pool}/jobs/{uid}` (`{status}`); undefined for any other path, so the
 * emulator's admin handler can try this first.
 */
export function handleWorkloadsAdmin(
  method: string,
  path: string,
  body: string | undefined,
  state: EmulatorState,
): RouteResult | undefined {
  const match = ADMIN_PATH.exec(path);
  if (!match) return undefined;
  const pool = decodeURIComponent(match[1] as string);
  const uid = match[3] === undefined ? undefined : decodeURIComponent(match[3]);
  if (match[2] === 'jobs') {
    if (method !== 'POST') return undefined;
    const job =
      uid === undefined
        ? addPoolWorkload(state, pool, jsonBody(body))
        : setPoolWorkloadStatus(state, pool, uid, jsonBody(body));
    return { status: 200, body: job };
  }
  if (uid !== undefined) return undefined;
  if (method === 'GET')
    return { status: 200, body: { pool, items: workloadsOf(state).list(existingPool(state, pool)) } };
  if (method !== 'POST') return undefined;
  return { status: 200, body: { pool, items: setPoolWorkloads(state, pool, jsonBody(body)) } };
}

function nonNegativeInteger(query: URLSearchParams, name: string): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  if (!/^\d+$/.test(raw)) throw badRequest(`${name} must be a non-negative integer, got "${raw}"`);
  return Number(raw);
}

function oneOf<T extends string>(value: string, allowed: readonly T[], name: string): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw badRequest(`${name} must be one of ${allowed.join(', ')}; got "${value}"`);
  }
  return value as T;
}

export const listWorkloads: Route = {
  name: 'listWorkloads',
  method: 'GET',
  path: '/v2/{project_id}/pools/{pool_name}/workloads',
  auth: 'modelarts',
  handle({ params, query, state }) {
    const pool = existingPool(state, params.pool_name as string);
    const types = query.getAll('type').map((type) => oneOf(type, JOB_TYPES, 'type'));
    const status = query.get('status');
    if (status !== null) oneOf(status, WORKLOAD_STATUSES, 'status');
    const sort = query.get('sort');
    if (sort !== null) oneOf(sort, ['create_time'], 'sort');
    const ascend = oneOf(query.get('ascend') ?? 'false', ['true', 'false'], 'ascend') === 'true';
    const offset = nonNegativeInteger(query, 'offset') ?? 0;
    const limit = nonNegativeInteger(query, 'limit') || MAX_WORKLOAD_PAGE_SIZE;
    if (limit > MAX_WORKLOAD_PAGE_SIZE)
      throw badRequest(`limit must be at most ${MAX_WORKLOAD_PAGE_SIZE}, got ${limit}`);
    // `hostip=a,b` as the docs write it, or repeated keys as the SDKs may send an array.
    const hosts = new Set(
      query
        .getAll('hostip')
        .flatMap((value) => value.split(','))
        .map((ip) => ip.trim())
        .filter((ip) => ip !== ''),
    );

    const matching = workloadsOf(state)
      .list(pool)
      .filter(
        (job) =>
          (types.length === 0 || types.includes(job.type as never)) &&
          (status === null || job.status === status) &&
          (hosts.size === 0 || hostIpsOf(job).some((ip) => hosts.has(ip))),
      )
      .sort((a, b) => (Number(a.createTime ?? 0) - Number(b.createTime ?? 0)) * (ascend ? 1 : -1));
    return {
      status: 200,
      body: {
        apiVersion: 'v1',
        kind: 'WorkloadList',
        metadata: {},
        total: matching.length,
        // The Go SDK: paging is ignored when hostip is set.
        items: hosts.size > 0 ? matching : matching.slice(offset, offset + limit),
      },
    };
  },
};

export const workloadStats: Route = {
  name: 'workloadStats',
  method: 'GET',
  path: '/v2/{project_id}/statistics/pools/{pool_name}/workloads',
  auth: 'modelarts',
  handle({ params, state }) {
    const pool = existingPool(state, params.pool_name as string);
    const byType = new Map<string, Record<string, number>>();
    for (const job of workloadsOf(state).list(pool)) {
      const counts = byType.get(job.type ?? 'train') ?? {};
      // As in the documented example, only states with jobs appear.
      if (job.status !== undefined) counts[job.status] = (counts[job.status] ?? 0) + 1;
      byType.set(job.type ?? 'train', counts);
    }
    const items = [...byType].map(([type, status]) => ({
      type,
      total: Object.values(status).reduce((sum, count) => sum + count, 0),
      status,
    }));
    return { status: 200, body: { statistics: { total: items.length, items } } };
  },
};

export const workloadRoutes: readonly Route[] = [listWorkloads, workloadStats];

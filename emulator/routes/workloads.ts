// The pool workload APIs (related-apis.md sections 3 and 4) over a per-pool job queue, seeded from
// seed/workloads.json, plus the admin replace that lets a demo grow and drain queues.

import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { formatProblems, toFieldProblems } from '../../lib/modelarts/schema-error';
import {
  MAX_WORKLOAD_PAGE_SIZE,
  WORKLOAD_STATUSES,
  type Workload,
  WorkloadSchema,
} from '../../lib/modelarts/workloads';
import {
  badRequest,
  type EmulatorState,
  jsonBody,
  poolNotFound,
  type Route,
  type RouteResult,
} from '../route';

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
 * A job as the admin route takes it: `flavor` and `status` are required, `nodeCount` (default 1) is
 * expanded into `nodes[]`, everything else is filled in the way the real API shows it.
 */
export const WorkloadInputSchema = z.looseObject({
  flavor: z.string().min(1),
  status: z.enum(WORKLOAD_STATUSES),
  type: z.enum(JOB_TYPES).default('train'),
  nodeCount: z.number().int().min(1).max(1000).optional(),
  name: z.string().min(1).optional(),
  createTime: z.number().int().nonnegative().optional(),
});

export type WorkloadInput = z.input<typeof WorkloadInputSchema>;

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
  ) {
    this.reset();
  }

  reset(): void {
    this.#jobs.clear();
    for (const [pool, jobs] of Object.entries(this.seed)) this.#jobs.set(pool, structuredClone(jobs));
  }

  list(pool: string): Workload[] {
    return structuredClone(this.#jobs.get(pool) ?? []);
  }

  /** Replaces every job of `pool`. */
  replace(pool: string, inputs: readonly z.output<typeof WorkloadInputSchema>[]): Workload[] {
    const jobs = inputs.map((input) => this.#complete(pool, input));
    this.#jobs.set(pool, jobs);
    return structuredClone(jobs);
  }

  #complete(pool: string, input: z.output<typeof WorkloadInputSchema>): Workload {
    const { nodeCount = 1, ...given } = input;
    this.#created += 1;
    const name = given.name ?? `${given.type}-job-${this.#created}`;
    const uid = `00000000-0000-4000-8000-${String(this.#created).padStart(12, '0')}`;
    const placed = PLACED.has(given.status);
    const hostIps = placed
      ? Array.from({ length: nodeCount }, (_, i) => `192.168.${this.#created % 256}.${i + 1}`)
      : [];
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
      hostIps: hostIps.join(','),
      nodes: Array.from({ length: nodeCount }, (_, i) => (placed ? { hostIp: hostIps[i] } : {})),
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
    store = new WorkloadStore(seedWorkloads(), () => state.now());
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

const ADMIN_PATH = /^\/__admin\/pools\/([^/]+)\/workloads$/;

/**
 * `POST /__admin/pools/{pool}/workloads` (replace) and `GET` (read back); undefined for any other
 * path, so the emulator's admin handler can try this first.
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

    const matching = workloadsOf(state)
      .list(pool)
      .filter(
        (job) =>
          (types.length === 0 || types.includes(job.type as never)) &&
          (status === null || job.status === status),
      )
      .sort((a, b) => (Number(a.createTime ?? 0) - Number(b.createTime ?? 0)) * (ascend ? 1 : -1));
    return {
      status: 200,
      body: {
        apiVersion: 'v1',
        kind: 'WorkloadList',
        metadata: {},
        total: matching.length,
        items: matching.slice(offset, offset + limit),
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

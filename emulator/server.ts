import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCodes } from '../lib/modelarts/error-codes';
import { type Pool, parsePool } from '../lib/modelarts/schemas';
import type { Workload, WorkloadStatus } from '../lib/modelarts/workloads';
import { describeRefusal, type NodePool, type NodeUpdate, type PoolNode } from '../lib/nodes';
import { handleAdmin } from './admin';
import { authenticate } from './auth';
import type { AuthOptions } from './auth-options';
import type { CapacityRules } from './capacity-rules';
import { type FailNextFault, FaultInjector, type FaultOutcome, type FaultRules } from './faults';
import { type FlavorStockChange, FlavorStockStore } from './flavor-stock';
import { flatHeaders, newRequestId, readBody, sendJson } from './http';
import type { NodeFault, NodeFaultInput } from './node-faults';
import type { NodeApiRules } from './node-rules';
import { PoolStore } from './pool-store';
import { type RecordedRequest, recordedBody, recordedHeaders, recordedQuery } from './request-log';
import { ApiError, type EmulatorState, type RouteName, type RouteResult } from './route';
import { routeMatcher } from './router';
import { adminExtensions, routes } from './routes/index';
import {
  addPoolWorkload,
  seedWorkloads,
  setPoolWorkloadStatus,
  type WorkloadInput,
} from './routes/workloads';
import { TokenStore } from './tokens';

export type { AuthOptions, IamUser } from './auth-options';
export type { CapacityRules } from './capacity-rules';
export type { FailNextFault, FaultRule, FaultRules } from './faults';
export type { FlavorStockChange } from './flavor-stock';
export type { NodeFault, NodeFaultInput } from './node-faults';
export type { NodeApiRules } from './node-rules';
export type { RecordedRequest } from './request-log';
export type { RouteName } from './route';

export interface EmulatorOptions {
  host?: string;
  port?: number;
  projectId?: string;
  /** Seed pools (each must parse as a Pool); default the bundled emulator/seed/pools.json. */
  pools?: unknown[];
  auth?: AuthOptions;
  /** How long nodes take to be created or deleted, and a new pool to turn Running. */
  transitionMs?: number;
  /** The clock, in epoch ms: node lifecycle, token expiry, signature skew and the request log all read it. */
  now?: () => number;
  faults?: FaultRules;
  /** Seed of the PRNG behind probabilistic faults. */
  seed?: number;
  /** How injected latency waits (default a real timer); tests pass one they control. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** How the node APIs answer where the docs leave it open (see node-rules.ts); reset restores these. */
  nodeRules?: Partial<NodeApiRules>;
  /** Per-AZ stock GET /v1/{project_id}/resourceflavors shows (`normal` where not set); reset restores it. */
  flavorStock?: FlavorStockChange;
  /** Sold-out and quota answers, ScalingFailed, orders (see capacity-rules.ts); reset restores these. */
  capacity?: Partial<CapacityRules>;
  /** Nodes that will not come up (see node-faults.ts); reset restores these. */
  nodeFaults?: NodeFaultInput[];
  /**
   * How far the gateway's clock is ahead of `now` (negative: behind), in ms: every answer's `Date` header and
   * the signature-expiry check read `now() + dateOffsetMs`, so that clock skew can be tested. Default 0.
   */
  dateOffsetMs?: number;
}

export interface Emulator {
  url: string;
  projectId: string;
  close(): Promise<void>;
  /** Every API request so far, oldest first (admin requests are not recorded). */
  requests: RecordedRequest[];
  clearRequests(): void;
  /** The pool as GET would return it now. */
  pool(name: string): Pool | undefined;
  setControlMode(name: string, mode: number): void;
  setPhase(name: string, phase: string): void;
  setFaults(rules: FaultRules): void;
  failNext(route: RouteName, count: number, fault: FailNextFault): void;
  revokeTokens(): void;
  /** The pool's nodes and the jobs on them, now. */
  nodes(pool: string): NodePool;
  /** Locks a node, marks it yearly/monthly or abnormal, drains it...; throws on a refusal. */
  setNode(pool: string, node: string, update: NodeUpdate): PoolNode;
  /** Adds a job, placed on `nodeNames` or on the least busy schedulable nodes of its flavor. */
  addJob(pool: string, job: WorkloadInput): Workload;
  /** Moves a job on (`Completed` frees its nodes). */
  setJobStatus(pool: string, uid: string, status: WorkloadStatus): Workload;
  nodeRules(): NodeApiRules;
  setNodeRules(rules: Partial<NodeApiRules>): NodeApiRules;
  /** Merges per-AZ stock into what GET /v1/{project_id}/resourceflavors shows. */
  setFlavorStock(stock: FlavorStockChange): FlavorStockChange;
  /** Sets how far the gateway's clock (Date header, signature expiry) is ahead of `now`. */
  setDateOffset(ms: number): void;
  capacityRules(): CapacityRules;
  /** Changes some capacity rules (`quotas`, when given, replaces them all). */
  setCapacityRules(rules: Partial<CapacityRules>): CapacityRules;
  /** Queues a node fault: the next `count` nodes ordered of the flavor (in `az`) stay Creating or turn Abnormal. */
  addNodeFault(fault: NodeFaultInput): NodeFault[];
  /** The node faults still waiting for nodes. */
  nodeFaults(): NodeFault[];
}

export const DEFAULT_PROJECT_ID = 'emulator-project';
export const DEFAULT_TRANSITION_MS = 30_000;
const DEFAULT_SEED_FILE = new URL('./seed/pools.json', import.meta.url);

export async function loadSeedPools(file: URL | string = DEFAULT_SEED_FILE): Promise<unknown[]> {
  const raw: unknown = JSON.parse(await readFile(file, 'utf8'));
  if (!Array.isArray(raw)) throw new Error(`seed file ${String(file)} must hold a JSON array of pools`);
  return raw;
}

export async function startEmulator(opts: EmulatorOptions = {}): Promise<Emulator> {
  const now = opts.now ?? Date.now;
  const projectId = opts.projectId ?? DEFAULT_PROJECT_ID;
  const seedPools = (opts.pools ?? (await loadSeedPools())).map((raw, i) => {
    try {
      return parsePool(raw);
    } catch (error) {
      throw new Error(`seed pool ${i} is not a valid pool: ${(error as Error).message}`, { cause: error });
    }
  });
  const state: EmulatorState = {
    projectId,
    pools: new PoolStore(seedPools, now, opts.transitionMs ?? DEFAULT_TRANSITION_MS, {
      workloads: seedWorkloads(),
      ...(opts.nodeRules ? { rules: opts.nodeRules } : {}),
      ...(opts.capacity ? { capacity: opts.capacity } : {}),
      ...(opts.nodeFaults ? { nodeFaults: opts.nodeFaults } : {}),
    }),
    flavorStock: new FlavorStockStore(opts.flavorStock ?? {}),
    tokens: new TokenStore(),
    auth: opts.auth ?? { mode: 'open' },
    now,
  };
  const startingOffset = opts.dateOffsetMs ?? 0;
  let dateOffsetMs = startingOffset;
  const gatewayNow = () => now() + dateOffsetMs;
  const faults = new FaultInjector(opts.faults ?? {}, opts.seed ?? 0x5eed);
  const requests: RecordedRequest[] = [];
  const match = routeMatcher(routes);
  const closing = new AbortController();
  const wait = opts.sleep ?? ((ms: number, signal: AbortSignal) => sleep(ms, undefined, { signal }));

  const mustSet = (pool: Pool | undefined, name: string) => {
    if (!pool) throw new Error(`the emulator has no pool named "${name}"`);
  };
  const emulator: Omit<Emulator, 'url' | 'close'> = {
    projectId,
    requests,
    clearRequests: () => {
      requests.length = 0;
    },
    pool: (name) => state.pools.get(name),
    setControlMode: (name, mode) => mustSet(state.pools.setControlMode(name, mode), name),
    setPhase: (name, phase) => mustSet(state.pools.setPhase(name, phase), name),
    setFaults: (rules) => faults.setRules(rules),
    failNext: (route, count, fault) => faults.failNext(route, count, fault),
    revokeTokens: () => state.tokens.revokeAll(),
    nodes: (pool) => {
      const nodes = state.pools.nodes(pool);
      if (!nodes) throw new Error(`the emulator has no pool named "${pool}"`);
      return nodes;
    },
    setNode: (pool, node, update) => {
      const change = state.pools.setNode(pool, node, update);
      if (!change) throw new Error(`the emulator has no pool named "${pool}"`);
      if (!change.ok) throw new Error(`cannot change node ${node}: ${describeRefusal(change.refusal)}`);
      return change.nodes[0] as PoolNode;
    },
    addJob: (pool, job) => addPoolWorkload(state, pool, job),
    setJobStatus: (pool, uid, status) => setPoolWorkloadStatus(state, pool, uid, { status }),
    nodeRules: () => state.pools.rules,
    setNodeRules: (rules) => state.pools.setRules(rules),
    setFlavorStock: (stock) => state.flavorStock.set(stock),
    setDateOffset: (ms) => {
      if (!Number.isFinite(ms)) throw new Error(`the date offset must be a number of ms, got ${ms}`);
      dateOffsetMs = ms;
    },
    capacityRules: () => state.pools.capacity,
    setCapacityRules: (rules) => state.pools.setCapacity(rules),
    addNodeFault: (fault) => state.pools.faults.add(fault),
    nodeFaults: () => state.pools.faults.pending(),
  };
  const admin = {
    ...emulator,
    pools: () => state.pools.all(),
    setPool: (name: string, change: { controlMode?: number | undefined; phase?: string | undefined }) => {
      if (change.controlMode !== undefined) state.pools.setControlMode(name, change.controlMode);
      if (change.phase !== undefined) state.pools.setPhase(name, change.phase);
      return state.pools.get(name);
    },
    reset: () => {
      state.pools.reset();
      for (const extension of adminExtensions) extension.reset?.(state);
      state.tokens.revokeAll();
      faults.reset();
      dateOffsetMs = startingOffset;
      requests.length = 0;
    },
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.setHeader('X-Request-Id', newRequestId());
    // The gateway's clock, which a client can compare with its own (doctor's clock-skew check).
    res.setHeader('Date', new Date(gatewayNow()).toUTCString());
    const at = now();
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://emulator.invalid');
    const body = await readBody(req);

    if (url.pathname.startsWith('/__admin/')) {
      const result = await guarded(() => {
        for (const extension of adminExtensions) {
          const answered = extension.handle(method, url.pathname, body, state);
          if (answered) return answered;
        }
        return handleAdmin(method, url.pathname, url.searchParams, body, admin);
      });
      sendJson(res, result.status, result.body, result.headers);
      return;
    }

    const matched = match(method, url.pathname);
    const route = matched?.route.name ?? 'unknown';
    const record = (status: number) => {
      requests.push({
        route,
        method,
        path: url.pathname,
        query: recordedQuery(url.searchParams),
        headers: recordedHeaders(req.headers),
        ...(body !== undefined ? { body: recordedBody(route, body) } : {}),
        status,
        at,
      });
    };
    if (!matched) {
      const result = new ApiError(
        404,
        ErrorCodes.noSuchApi,
        `The API does not exist or has not been published: ${method} ${url.pathname}`,
      ).toResult();
      record(result.status);
      sendJson(res, result.status, result.body);
      return;
    }

    const { latencyMs, outcome } = faults.decide(matched.route.name);
    if (latencyMs > 0) await wait(latencyMs, closing.signal);
    if (outcome.kind === 'drop' || outcome.kind === 'hang') {
      record(0);
      // A hung request is left open; close() ends it with the rest of the connections.
      if (outcome.kind === 'drop') req.socket.destroy();
      return;
    }
    const result =
      outcome.kind === 'error'
        ? faultResult(outcome)
        : await answer(req, url, body, matched.params, matched.route);
    record(result.status);
    sendJson(res, result.status, result.body, result.headers, outcome.kind === 'malformed');
  }

  async function answer(
    req: IncomingMessage,
    url: URL,
    body: string | undefined,
    params: Record<string, string>,
    route: (typeof routes)[number],
  ): Promise<RouteResult> {
    return guarded(() => {
      if (route.auth === 'modelarts') {
        const denied = authenticate(
          {
            method: req.method ?? 'GET',
            target: req.url ?? '/',
            host: req.headers.host ?? '',
            headers: flatHeaders(req.headers),
            body,
          },
          state.auth,
          state.tokens,
          gatewayNow(),
        );
        if (denied) throw denied;
        const claimed = [params.project_id, req.headers['x-project-id']].filter((id) => id !== undefined);
        const foreign = claimed.find((id) => id !== projectId);
        if (foreign !== undefined) {
          throw new ApiError(
            403,
            ErrorCodes.forbiddenProject,
            `project ${foreign} is not accessible: this is project ${projectId}`,
          );
        }
      }
      return route.handle({ params, query: url.searchParams, headers: req.headers, body, state });
    });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (closing.signal.aborted) return;
      if (!res.headersSent) {
        sendJson(res, 500, {
          error_code: ErrorCodes.internal,
          error_msg: `emulator failure: ${(error as Error).message}`,
        });
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    ...emulator,
    url: `http://${host}:${address.port}`,
    close: () => {
      closed ??= new Promise<void>((resolve, reject) => {
        closing.abort();
        server.close((error) => (error ? reject(error) : resolve()));
        // Ends keep-alive and hung connections, which server.close() alone would wait for.
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

function faultResult(outcome: Extract<FaultOutcome, { kind: 'error' }>): RouteResult {
  return {
    status: outcome.status,
    body: { error_code: outcome.errorCode, error_msg: outcome.errorMsg },
    headers:
      outcome.retryAfterSeconds !== undefined ? { 'Retry-After': String(outcome.retryAfterSeconds) } : {},
  };
}

/** Runs a handler, turning an ApiError into its answer. */
async function guarded(fn: () => RouteResult | Promise<RouteResult>): Promise<RouteResult> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof ApiError) return error.toResult();
    throw error;
  }
}

// The cost of one scaling tick over a fleet of pools in the emulator, with 50 ms added to every ModelArts
// request and the state in DynamoDB (dynalite, in a child process, with 5 ms added to every DynamoDB request):
// the requests it sends, by kind, and its wall time, on both paths the stack runs:
//   single   the scheduled function running the cycle itself: one invocation, one list, then the pools at
//            the config's default concurrency;
//   fan-out  the scheduled function listing the pools and sending one message per pool to the queue (an
//            in-process FIFO queue that checks SQS's limits), then worker invocations taking the messages
//            `batchSize` at a time, at most `concurrency` at once, both as serverless.yml deploys them.
// The fleet mixes pools that stay unchanged, pools that scale up and pools that scale in by draining idle nodes
// (POOL_KINDS). Each run gets a fresh
// emulator and table, so every run does the same work; one warm-up run of each path first (mostly the JIT
// compiling the client, schemas and planner), then the median of several runs per path.
//
//   npx tsx bench/cycle-cost.ts [--pools 1000] [--latency 50] [--dynamodb-latency 5] [--runs 3]
//                               [--path single|fan-out] [--memory-state | --dynalite-in-process]
//
// DynamoDB answers in-region requests in single-digit milliseconds; dynalite on this machine answers a single-
// item request in about 1 ms, so 5 ms is added to each request (a BatchGetItem of 100 keys included, which
// dynalite also takes its own time over). dynalite runs in a process of its own, as DynamoDB's work is not the
// function's CPU; --dynalite-in-process runs it in this one (as before 13-cost), and --memory-state keeps the
// state in memory, modelling DynamoDB as a fixed latency per request without dynalite's bound on throughput
// (bench/modelled-state.ts; --dynamodb-latency 0 to leave the state out altogether).
//
// Target, on each path: one list, plus one GET (under the lease) and one PATCH per changed pool, in under
// 2 s. The emulator, the functions and every worker share this process's CPU (where in AWS each worker has
// its own), so each run also reports the CPU time this process used.

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { startEmulator } from '../emulator/server';
import { makeHandler as makeScheduled, type ScheduledEvent } from '../functions/scheduled';
import { makeHandler as makeWorker } from '../functions/worker';
import { sendPoolMessages } from '../lib/aws/fan-out';
import { createObservability } from '../lib/aws/observability';
import type { FunctionDeps, ScheduledDeps } from '../lib/aws/runtime';
import { type Config, parseConfig } from '../lib/config';
import { builtInGlobalDefaults } from '../lib/config/defaults';
import { connectionSourceDeps, modelArtsClients } from '../lib/modelarts/clients';
import type { Pool } from '../lib/modelarts/schemas';
import type { StateStore } from '../lib/state/store';
import { captureOutput } from './captured-output';
import { type DynaliteState, startDynaliteState } from './dynalite-state';
import { isMain, numberFlag } from './flags';
import { InProcessFifoQueue, QUEUE_URL } from './in-process-queue';
import { modelledDynamoDbState } from './modelled-state';
import { type WorkerSettings, workerSettings } from './serverless-settings';

export const CYCLE_WALL_TARGET_MS = 2000;

/**
 * The kinds of pool the fleet mixes, and the ModelArts requests each costs beyond the one list. A scale-in
 * pool's tick is the drain cycle of idle-node scale-in (the GET under the lease, the node list, one workloads
 * read, one drain call); its delete cycle comes a tick later, which this benchmark does not run.
 */
export const POOL_KINDS = {
  unchanged: {},
  'scale-up': { getPool: 1, patchPool: 1 },
  'scale-in': { getPool: 1, listNodes: 1, listWorkloads: 1, drainNodes: 1 },
} as const satisfies Record<string, Record<string, number>>;

/** The decision outcome each changing kind reports. */
const CHANGED_OUTCOME = { 'scale-up': 'patched', 'scale-in': 'drained' } as const;

export type PoolKind = keyof typeof POOL_KINDS;
export type CyclePath = 'single' | 'fan-out';

export interface CycleCostRun {
  path: CyclePath;
  /** Median over the runs. */
  wallMs: number;
  allWallMs: number[];
  /** CPU time this process used in the median run. */
  cpuMs: number;
  /**
   * The wall time if nothing but the ModelArts latency took time: the list, then every changed pool's GET and
   * PATCH spread perfectly over the config's concurrency (single) or the workers (fan-out).
   */
  latencyFloorMs: number;
  /** Fan-out only, in the median run: the scheduled function's part (list and send), then the workers'. */
  phasesMs?: { scheduled: number; workers: number };
  /** By kind: ModelArts requests by route, DynamoDB requests by command, SQS requests, function invocations. */
  requests: {
    modelarts: Record<string, number>;
    dynamodb: Record<string, number>;
    sqs: Record<string, number>;
    invocations: Record<string, number>;
  };
  /** Decision records by outcome. */
  outcomes: Record<string, number>;
  /** The list, and for each changed pool one GET and one PATCH; every pool decided, none failed. */
  requestsAsExpected: boolean;
  withinTarget: boolean;
}

export interface CycleCostFigures {
  pools: number;
  state: BenchState;
  /** Added to every DynamoDB request (dynalite state only). */
  dynamoDbLatencyMs: number;
  kinds: Record<PoolKind, number>;
  latencyMs: number;
  targetMs: number;
  concurrency: number;
  worker: WorkerSettings;
  expected: Record<string, number>;
  runs: CycleCostRun[];
}

export interface CycleCostOptions {
  pools?: number;
  latencyMs?: number;
  /** Every this-many-th pool scales up (10: 10% of the pools). */
  changeEvery?: number;
  runs?: number;
  paths?: CyclePath[];
  /**
   * Where the state is kept: dynalite in a child process (the default), dynalite in this process (sharing the
   * functions' CPU), or memory modelling DynamoDB (bench/modelled-state.ts: latency, no throughput bound).
   */
  state?: BenchState;
  /** Added to every DynamoDB request. Default 5. */
  dynamoDbLatencyMs?: number;
}

export type BenchState = 'dynalite' | 'dynalite-in-process' | 'memory';

/** What a DynamoDB request costs on top of dynalite's own time, by default (see the top of this file). */
export const DYNAMODB_LATENCY_MS = 5;

const FLAVOR = 'modelarts.vm.cpu.8u';
const LABEL = 'bench';
const AZS = ['cn-north-7a', 'cn-north-7b'];
/** Every pool's backlog, in nodes: a pool at 4 nodes holds, one at 2 grows to 4, one at 6 drains 2. */
const BACKLOG = 4;
const NODES: Record<PoolKind, number> = { unchanged: BACKLOG, 'scale-up': 2, 'scale-in': 6 };

const poolName = (index: number) =>
  `bench-pool-${String(index).padStart(4, '0')}-${createHash('sha256').update(String(index)).digest('hex').slice(0, 32)}`;

/** Every `changeEvery`-th pool changes, scale-ups and scale-ins taking turns. */
export const poolKind = (index: number, changeEvery: number): PoolKind => {
  if (index % changeEvery !== 0) return 'unchanged';
  return (index / changeEvery) % 2 === 0 ? 'scale-up' : 'scale-in';
};

/** Running pools of one flavor over two AZs: 2 nodes where the backlog asks for 4 (scale-up), 4, or 6. */
export function benchPools(count: number, changeEvery: number): Pool[] {
  return Array.from({ length: count }, (_, index): Pool => {
    const nodes = NODES[poolKind(index, changeEvery)];
    const azs = AZS.map((az) => ({ az, count: nodes / 2 }));
    return {
      kind: 'Pool',
      apiVersion: 'v2',
      metadata: {
        name: poolName(index),
        labels: { [LABEL]: 'cycle-cost', 'os.modelarts/workspace.id': '0' },
      },
      spec: { type: 'Dedicate', resources: [{ flavor: FLAVOR, count: nodes, azs }] },
      status: { phase: 'Running', resources: { available: [{ flavor: FLAVOR, count: nodes, azs }] } },
    };
  });
}

/** The config defaults (concurrency, fan-out threshold), except a threshold below a small test fleet. */
function benchConfig(endpoint: string, projectId: string, pools: number): Config {
  const fanOutAbovePools = Math.min(builtInGlobalDefaults.fanOutAbovePools, pools - 1);
  return parseConfig({
    env: {},
    source: 'bench/cycle-cost.ts',
    text: `
fanOutAbovePools: ${fanOutAbovePools}
state: { type: memory }
connections:
  - { name: bench, region: cn-north-7, projectId: ${projectId}, endpoint: "${endpoint}", auth: { type: none } }
pools:
  - selector: { labels: { ${LABEL}: cycle-cost } }
    flavors:
      - flavor: "*"
        min: 1
        max: 8
        backlog: { source: { type: static, value: ${BACKLOG} }, unit: nodes, targetPerNode: 1 }
        # Idle nodes go at once: the scale-in pools drain on the benchmark's one tick.
        scaleDown: { method: idle-nodes, idleSeconds: 0, stabilizationWindowSeconds: 0 }
`,
  });
}

/** What one function instance has: its own clients and observability; the table is shared. */
function functionDeps(config: Config, store: StateStore): FunctionDeps {
  const clients = modelArtsClients(config);
  return {
    ...createObservability({ logLevel: 'INFO' }),
    config,
    cycle: { clients, store, sources: connectionSourceDeps(clients), now: Date.now },
  };
}

function lambdaContext(requestId: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'modelarts-autoscaler-bench',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:modelarts-autoscaler-bench',
    memoryLimitInMB: '512',
    // The lease owner: unique per invocation, as in Lambda.
    awsRequestId: requestId,
    logGroupName: '/aws/lambda/modelarts-autoscaler-bench',
    logStreamName: 'bench',
    getRemainingTimeInMillis: () => 900_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

interface Tick {
  config: Config;
  store: StateStore;
  event: ScheduledEvent;
  worker: WorkerSettings;
  invocations: Record<string, number>;
  sqs: Record<string, number>;
}

const count = (counts: Record<string, number>, key: string, by = 1) => {
  counts[key] = (counts[key] ?? 0) + by;
};

async function singleTick(tick: Tick): Promise<undefined> {
  count(tick.invocations, 'scheduled');
  const result = await makeScheduled(functionDeps(tick.config, tick.store))(
    tick.event,
    lambdaContext('single'),
  );
  if (result.mode !== 'cycle') throw new Error(`the single path ran a ${result.mode}`);
  return undefined;
}

async function fanOutTick(tick: Tick): Promise<{ scheduled: number; workers: number }> {
  const started = performance.now();
  const queue = new InProcessFifoQueue();
  const deps: ScheduledDeps = {
    ...functionDeps(tick.config, tick.store),
    queue: {
      send: (messages) => sendPoolMessages(queue.client, QUEUE_URL, messages, tick.config.concurrency),
    },
  };
  count(tick.invocations, 'scheduled');
  const result = await makeScheduled(deps)(tick.event, lambdaContext('fan-out'));
  if (result.mode !== 'fan-out') throw new Error(`the fan-out path ran a ${result.mode}`);
  count(tick.sqs, 'SendMessageBatch', queue.sendRequests);
  const sent = performance.now();
  let invocation = 0;
  await Promise.all(
    Array.from({ length: tick.worker.concurrency }, async (_, slot) => {
      const worker = makeWorker(functionDeps(tick.config, tick.store));
      for (let records = queue.take(tick.worker.batchSize); records.length > 0; ) {
        count(tick.invocations, 'worker');
        const response = await worker({ Records: records }, lambdaContext(`worker-${slot}-${++invocation}`));
        count(tick.invocations, 'worker records failed', response.batchItemFailures.length);
        records = queue.take(tick.worker.batchSize);
      }
    }),
  );
  return { scheduled: Math.round(sent - started), workers: Math.round(performance.now() - sent) };
}

type OneRun = Omit<CycleCostRun, 'allWallMs' | 'withinTarget'>;

interface Setup {
  pools: Pool[];
  latencyMs: number;
  freshStore: DynaliteState['freshStore'];
  worker: WorkerSettings;
  event: ScheduledEvent;
  kinds: Record<PoolKind, number>;
  expected: Record<string, number>;
}

function outcomesOf(lines: Record<string, unknown>[]): Record<string, number> {
  const outcomes: Record<string, number> = {};
  for (const line of lines)
    if (line.message === 'pool decision')
      count(outcomes, String((line.decision as { outcome?: unknown }).outcome));
  return outcomes;
}

async function oneRun(path: CyclePath, setup: Setup): Promise<OneRun> {
  const emulator = await startEmulator({
    pools: setup.pools,
    faults: { '*': { latencyMs: setup.latencyMs } },
    transitionMs: 60_000,
  });
  try {
    const { store, requests: dynamodb } = await setup.freshStore();
    const tick: Tick = {
      config: benchConfig(emulator.url, emulator.projectId, setup.pools.length),
      store,
      event: setup.event,
      worker: setup.worker,
      invocations: {},
      sqs: {},
    };
    const output = captureOutput();
    const cpu = process.cpuUsage();
    const started = performance.now();
    let phasesMs: { scheduled: number; workers: number } | undefined;
    try {
      phasesMs = path === 'single' ? await singleTick(tick) : await fanOutTick(tick);
    } finally {
      output.restore();
    }
    const wallMs = Math.round(performance.now() - started);
    const used = process.cpuUsage(cpu);
    const modelarts: Record<string, number> = {};
    for (const request of emulator.requests) count(modelarts, request.route);
    const outcomes = outcomesOf(output.lines());
    const spread = path === 'single' ? tick.config.concurrency : setup.worker.concurrency;
    // Each changing pool's requests one after another, `spread` pools at a time, after the list.
    const perPool = (kind: PoolKind) => Object.keys(POOL_KINDS[kind]).length;
    const chained = Object.entries(setup.kinds).reduce(
      (sum, [kind, pools]) => sum + perPool(kind as PoolKind) * (pools as number),
      0,
    );
    const latencyFloorMs = Math.round(setup.latencyMs * (1 + chained / spread));
    // The flavor stock (issue #15): read by the first invocation that grows a pool and shared for 60 s, so once
    // per cycle on the single path; workers growing pools at the same moment may each read it before it is shared.
    const { listFlavors = 0, ...perPoolRequests } = modelarts;
    const stockReadsExpected =
      setup.kinds['scale-up'] === 0
        ? listFlavors === 0
        : listFlavors >= 1 && listFlavors <= (path === 'single' ? 1 : setup.kinds['scale-up']);
    const requestsAsExpected =
      stockReadsExpected &&
      sameCounts(perPoolRequests, setup.expected) &&
      outcomes[CHANGED_OUTCOME['scale-up']] === setup.kinds['scale-up'] &&
      outcomes[CHANGED_OUTCOME['scale-in']] === setup.kinds['scale-in'] &&
      outcomes.unchanged === setup.kinds.unchanged &&
      !outcomes.failed;
    return {
      path,
      wallMs,
      cpuMs: Math.round((used.user + used.system) / 1000),
      latencyFloorMs,
      ...(phasesMs ? { phasesMs } : {}),
      requests: { modelarts, dynamodb: dynamodb(), sqs: tick.sqs, invocations: tick.invocations },
      outcomes,
      requestsAsExpected,
    };
  } finally {
    await emulator.close();
  }
}

const sameCounts = (actual: Record<string, number>, expected: Record<string, number>) =>
  Object.keys({ ...actual, ...expected }).every((key) => (actual[key] ?? 0) === (expected[key] ?? 0));

/** One list, and each pool's requests by its kind. */
function expectedRequests(kinds: Record<PoolKind, number>): Record<string, number> {
  const expected: Record<string, number> = { listPools: 1 };
  for (const [kind, pools] of Object.entries(kinds) as [PoolKind, number][])
    for (const [route, n] of Object.entries(POOL_KINDS[kind] as Record<string, number>))
      count(expected, route, n * pools);
  return expected;
}

export async function benchCycleCost(options: CycleCostOptions = {}): Promise<CycleCostFigures> {
  const poolCount = options.pools ?? 1000;
  const latencyMs = options.latencyMs ?? 50;
  const changeEvery = options.changeEvery ?? 10;
  const paths = options.paths ?? ['single', 'fan-out'];
  const pools = benchPools(poolCount, changeEvery);
  const kinds: Record<PoolKind, number> = { unchanged: 0, 'scale-up': 0, 'scale-in': 0 };
  for (const index of pools.keys()) count(kinds, poolKind(index, changeEvery));
  const event = JSON.parse(
    await readFile(join(import.meta.dirname, '..', 'events', 'scheduled.json'), 'utf8'),
  ) as ScheduledEvent;
  const stateKind = options.state ?? 'dynalite';
  const dynamoDbLatencyMs = options.dynamoDbLatencyMs ?? DYNAMODB_LATENCY_MS;
  const state =
    stateKind === 'memory'
      ? modelledDynamoDbState(dynamoDbLatencyMs)
      : await startDynaliteState({
          where: stateKind === 'dynalite' ? 'child' : 'in-process',
          latencyMs: dynamoDbLatencyMs,
        });
  const setup: Setup = {
    pools,
    latencyMs,
    freshStore: state.freshStore,
    worker: await workerSettings(),
    event,
    kinds,
    expected: expectedRequests(kinds),
  };
  try {
    for (const path of paths) await oneRun(path, setup);
    const runs: CycleCostRun[] = [];
    for (const path of paths) {
      const repeated: OneRun[] = [];
      for (let i = 0; i < (options.runs ?? 3); i++) repeated.push(await oneRun(path, setup));
      const allWallMs = repeated.map((run) => run.wallMs);
      const wallMs = median(allWallMs);
      // Request counts must be right on every run, not only on one.
      const requestsAsExpected = repeated.every((run) => run.requestsAsExpected);
      // The median run's own figures (phases, CPU), so that they add up with its wall time.
      const middle = repeated.find((run) => run.wallMs === wallMs) as OneRun;
      runs.push({
        ...middle,
        allWallMs,
        requestsAsExpected,
        withinTarget: requestsAsExpected && wallMs < CYCLE_WALL_TARGET_MS,
      });
    }
    return {
      pools: poolCount,
      state: stateKind,
      dynamoDbLatencyMs,
      kinds,
      latencyMs,
      targetMs: CYCLE_WALL_TARGET_MS,
      concurrency: builtInGlobalDefaults.concurrency,
      worker: setup.worker,
      expected: setup.expected,
      runs,
    };
  } finally {
    await state.close();
  }
}

const listed = (counts: Record<string, number>) =>
  Object.entries(counts)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, n]) => `${key} ${n}`)
    .join(', ') || 'none';

export function formatCycleCost(figures: CycleCostFigures): string {
  const lines = [
    `cycle cost: ${figures.pools} pools (${listed(figures.kinds)}) in the ` +
      `emulator, ${figures.latencyMs} ms added per ModelArts request, state in ${stateText(figures)}; config concurrency ` +
      `${figures.concurrency}, workers ${figures.worker.concurrency} at a time, ${figures.worker.batchSize} ` +
      `message(s) each (serverless.yml). Target: ModelArts ${listed(figures.expected)}, < ${figures.targetMs} ms`,
  ];
  for (const run of figures.runs) {
    const phases = run.phasesMs
      ? ` (scheduled ${run.phasesMs.scheduled} ms, workers ${run.phasesMs.workers} ms)`
      : '';
    lines.push(
      `  ${run.path.padEnd(7)}: ${String(run.wallMs).padStart(6)} ms${phases}, median of ${run.allWallMs.join(', ')}; ` +
        `CPU ${run.cpuMs} ms; ModelArts latency alone ${run.latencyFloorMs} ms; ${run.withinTarget ? 'met' : 'MISSED'}${run.requestsAsExpected ? '' : ' (requests not as expected)'}`,
      `           modelarts: ${listed(run.requests.modelarts)}`,
      `           dynamodb: ${listed(run.requests.dynamodb)}`,
      `           sqs: ${listed(run.requests.sqs)}; invocations: ${listed(run.requests.invocations)}`,
      `           decisions: ${listed(run.outcomes)}`,
    );
  }
  return lines.join('\n');
}

const STATE_TEXT: Record<BenchState, string> = {
  dynalite: 'dynalite (own process)',
  'dynalite-in-process': 'dynalite (this process)',
  memory: 'memory modelling DynamoDB',
};

const stateText = (figures: CycleCostFigures) =>
  `${STATE_TEXT[figures.state]}, ${figures.dynamoDbLatencyMs} ms added per DynamoDB request`;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

if (isMain(import.meta.url)) {
  const options: CycleCostOptions = {};
  const pools = numberFlag('pools');
  const latencyMs = numberFlag('latency');
  const runs = numberFlag('runs');
  if (pools !== undefined) options.pools = pools;
  if (latencyMs !== undefined) options.latencyMs = latencyMs;
  if (runs !== undefined) options.runs = runs;
  const dynamoDbLatencyMs = numberFlag('dynamodb-latency');
  if (dynamoDbLatencyMs !== undefined) options.dynamoDbLatencyMs = dynamoDbLatencyMs;
  const path = process.argv[process.argv.indexOf('--path') + 1];
  if (process.argv.includes('--path')) {
    if (path !== 'single' && path !== 'fan-out')
      throw new Error(`--path takes single or fan-out, got "${path}"`);
    options.paths = [path];
  }
  if (process.argv.includes('--memory-state')) options.state = 'memory';
  if (process.argv.includes('--dynalite-in-process')) options.state = 'dynalite-in-process';
  console.log(formatCycleCost(await benchCycleCost(options)));
}

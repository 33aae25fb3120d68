// The pure planner at scale: one plan() over 10,000 pools x 4 flavors x 3 AZs.
//
// The fleet is realistic rather than invented: it is simulated for 20 cycles of 30 s (longer than any window of
// the policy below) with a backlog per flavor that drifts, jumps now and then, and fails 5% of the time,
// each cycle's plan applied (counts, AZ splits, history), so the histories are the ones the planner itself
// keeps. A share of the pools is frozen, not Running, has nodes in flight or a pushed floor. The result goes
// through JSON, as a cycle gets its pools from the API and its histories from the state store. Then the next
// cycle is timed, its pools' policies resolved from the config afresh, as runCycle resolves them every cycle:
// warm-up runs, then the median of several, with a full GC between runs: cycles are 30 s or more apart, so a
// cycle pays for its own garbage, not for the previous run's (back to back, without the GC
// in between, each run also collects the last one's 30 MB of plan).
//
// A second figure, `msPerCycleAllChanging`, times the same fleet with every backlog tripled: every pool
// changes, the worst case for AZ splits and PATCH bodies.
//
//   npx tsx bench/planner.ts [--runs 9] [--pools 10000]
//
// Target: under 100 ms per cycle on the 2-core development machine.

import { pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { builtInFlavorDefaults } from '../lib/config/defaults';
import { resolvePoolPolicy } from '../lib/config/pools';
import type { Config, PoolConfig } from '../lib/config/types';
import type { Backlog } from '../lib/metrics/backlog';
import type { Pool } from '../lib/modelarts/schemas';
import { seededRandom } from '../lib/prng';
import { type Plan, type PlanInput, type PoolInput, plan } from '../lib/scaling/plan';
import type { FlavorPolicy } from '../lib/scaling/policy';

export const PLANNER_TARGET_MS = 100;

export interface PlannerFigures {
  name: string;
  pools: number;
  flavors: number;
  azs: number;
  /** Median wall time of one plan() over every pool of the simulated fleet. */
  msPerCycle: number;
  minMs: number;
  maxMs: number;
  /** Median CPU time (user + system) of the process during one plan(), which other load on the machine
   * disturbs less than wall time; on an idle machine it can exceed wall time (GC helper threads). */
  cpuMsPerCycle: number;
  /** Median wall time when every backlog is tripled, so that every pool changes. */
  msPerCycleAllChanging: number;
  /** Median CPU time to resolve every pool's policy from the config, as a cycle does before plan() (untimed above). */
  resolveCpuMsPerCycle: number;
  runs: number;
  warmUpRuns: number;
  /** Whether a full GC ran between timed runs (node --expose-gc). */
  gcBetweenRuns: boolean;
  /** What the timed cycle does: pools it would PATCH, hold and skip. */
  patched: number;
  held: number;
  skipped: number;
  /** Cycles simulated to build the fleet's histories, and the history entries the timed cycle reads. */
  simulatedCycles: number;
  historyEntries: number;
  targetMs: number;
  withinTarget: boolean;
}

export interface PlannerBenchOptions {
  pools?: number;
  runs?: number;
  warmUpRuns?: number;
}

const FLAVORS = [
  'modelarts.bm.gpu.8v100',
  'modelarts.vm.cpu.8u',
  'modelarts.bm.npu.8a',
  'modelarts.vm.gpu.t4',
];
const AZS = ['cn-north-4a', 'cn-north-4b', 'cn-north-4c'];
const START = 1_700_000_000_000;
const CYCLE_MS = 30_000;
const SIMULATED_CYCLES = 20;
const TARGET_PER_NODE = 4;

export async function benchPlanner(options: PlannerBenchOptions = {}): Promise<PlannerFigures> {
  const pools = options.pools ?? 10_000;
  const runs = options.runs ?? 9;
  const warmUpRuns = options.warmUpRuns ?? 3;
  const input = buildPlannerInput(pools);

  const steady = time(input, runs, warmUpRuns);
  const changing = time(tripleBacklogs(input), runs, warmUpRuns);
  let historyEntries = 0;
  for (const pool of input.pools) {
    for (const h of Object.values(pool.history.flavors))
      historyEntries += h.recommendations.length + h.events.length;
  }
  return {
    name: 'planner',
    pools,
    flavors: FLAVORS.length,
    azs: AZS.length,
    msPerCycle: steady.median,
    minMs: steady.min,
    maxMs: steady.max,
    cpuMsPerCycle: steady.cpuMedian,
    msPerCycleAllChanging: changing.median,
    resolveCpuMsPerCycle: steady.resolveCpuMedian,
    runs,
    warmUpRuns,
    gcBetweenRuns: steady.gc,
    patched: count(steady.plan, 'patch'),
    held: count(steady.plan, 'hold'),
    skipped: count(steady.plan, 'skip'),
    simulatedCycles: SIMULATED_CYCLES,
    historyEntries,
    targetMs: PLANNER_TARGET_MS,
    withinTarget: steady.median < PLANNER_TARGET_MS,
  };
}

function time(input: PlanInput, runs: number, warmUpRuns: number) {
  const collectGarbage = fullGc();
  for (let i = 0; i < warmUpRuns; i++) plan(resolved(input));
  const times: number[] = [];
  const cpuTimes: number[] = [];
  const resolveCpuTimes: number[] = [];
  let last: Plan | undefined;
  for (let i = 0; i < runs; i++) {
    last = undefined;
    collectGarbage?.();
    const resolving = process.cpuUsage();
    const cycle = resolved(input);
    const resolveCpu = process.cpuUsage(resolving);
    resolveCpuTimes.push((resolveCpu.user + resolveCpu.system) / 1000);
    collectGarbage?.();
    const cpu = process.cpuUsage();
    const start = performance.now();
    last = plan(cycle);
    times.push(performance.now() - start);
    const used = process.cpuUsage(cpu);
    cpuTimes.push((used.user + used.system) / 1000);
  }
  times.sort((a, b) => a - b);
  cpuTimes.sort((a, b) => a - b);
  resolveCpuTimes.sort((a, b) => a - b);
  return {
    median: round(times[Math.floor(times.length / 2)] as number),
    cpuMedian: round(cpuTimes[Math.floor(cpuTimes.length / 2)] as number),
    resolveCpuMedian: round(resolveCpuTimes[Math.floor(resolveCpuTimes.length / 2)] as number),
    min: round(times[0] as number),
    max: round(times[times.length - 1] as number),
    plan: last as Plan,
    gc: collectGarbage !== undefined,
  };
}

/**
 * The input as a cycle hands it to plan(): every pool's policy resolved from the config afresh, as runCycle
 * calls resolvePoolPolicy for each pool, each cycle (a fresh object per pool and flavor over the entry's
 * shared, frozen policy).
 */
function resolved(input: PlanInput): PlanInput {
  return {
    ...input,
    pools: input.pools.map((pool) => ({
      ...pool,
      policy: resolvePoolPolicy(BENCH_CONFIG, BENCH_POOLS, pool.pool),
    })),
  };
}

/** A full GC between timed runs: node's own gc with --expose-gc, else the same switched on when first needed. */
function fullGc(): (() => void) | undefined {
  if (typeof globalThis.gc === 'function') return globalThis.gc;
  v8.setFlagsFromString('--expose-gc');
  const gc: unknown = runInNewContext('gc');
  return typeof gc === 'function' ? (gc as () => void) : undefined;
}

const count = (result: Plan, action: string): number =>
  result.pools.filter((p) => p.action === action).length;
const round = (ms: number): number => Math.round(ms * 100) / 100;

/**
 * The benchmark fleet after SIMULATED_CYCLES cycles: deterministic, so every run plans the same pools. Its
 * `now` is the next cycle's.
 */
export function buildPlannerInput(count: number): PlanInput {
  const next = seededRandom(42);
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  const demand: number[][] = [];
  let input: PlanInput = { now: START, pools: [] };
  for (let i = 0; i < count; i++) {
    const counts = FLAVORS.map(() => int(3, 30));
    demand.push(counts.map((c) => c * TARGET_PER_NODE * (0.8 + 0.4 * next())));
    input.pools.push(initialPool(i, counts, next));
  }
  for (let cycle = 0; cycle <= SIMULATED_CYCLES; cycle++) {
    const now = START + cycle * CYCLE_MS;
    input = {
      now,
      pools: input.pools.map((pool, i) => ({
        ...pool,
        backlogs: drift(demand[i] as number[], next, now),
      })),
    };
    if (cycle < SIMULATED_CYCLES) input = applyPlan(input, plan(resolved(input)));
  }
  // A cycle reads its pools from the API and its histories from the state store: freshly parsed data, not the
  // objects a long simulation left scattered over the heap.
  return JSON.parse(JSON.stringify(input)) as PlanInput;
}

function initialPool(i: number, counts: number[], next: () => number): PoolInput {
  const name = `pool-${String(i).padStart(6, '0')}-bench-0123456789abcdef0123456789`;
  const resources = FLAVORS.map((flavor, f) => {
    const total = counts[f] as number;
    const base = Math.floor(total / AZS.length);
    return {
      flavor,
      count: total,
      azs: AZS.map((az, k) => ({ az, count: base + (k < total % AZS.length ? 1 : 0) })),
    };
  });
  const roll = next();
  const pool = {
    metadata: { name, annotations: { 'os.modelarts/billing.mode': '0' } },
    spec: { resources, ...(roll < 0.02 ? { controlMode: 8 } : {}) },
    status: {
      phase: roll > 0.99 ? 'Creating' : 'Running',
      resources: {
        available: resources.map((r) => ({ flavor: r.flavor, count: r.count })),
        creating: next() < 0.1 ? [{ flavor: FLAVORS[i % FLAVORS.length] as string, count: 1 }] : [],
        deleting: [],
      },
    },
  } as Pool;
  return {
    key: `project-${i % 17}/${name}`,
    pool,
    policy: { paused: false, allowPrepaid: false, flavors: {} },
    backlogs: {},
    history: { flavors: {} },
    ...(next() < 0.1 ? { minCounts: { [FLAVORS[0] as string]: 5 + (i % 10) } } : {}),
  };
}

/** Each flavor's demand drifts a few percent per cycle and now and then jumps; 5% of reads fail. */
function drift(demand: number[], next: () => number, now: number): Record<string, Backlog> {
  const backlogs: Record<string, Backlog> = {};
  FLAVORS.forEach((flavor, f) => {
    const jump = next();
    const factor = jump < 0.01 ? 2 : jump < 0.02 ? 0.5 : 0.97 + 0.06 * next();
    const value = Math.min(160, Math.max(0, (demand[f] as number) * factor));
    demand[f] = value;
    backlogs[flavor] =
      next() < 0.05
        ? { ok: false, reason: 'failed', source: 'sqs:jobs', message: 'throttled' }
        : { ok: true, value: Math.round(value), observedAt: now, source: 'sqs:jobs' };
  });
  return backlogs;
}

/** What the caller does with a plan: PATCH the body (here: take its counts and azs), save the history. */
function applyPlan(input: PlanInput, result: Plan): PlanInput {
  return {
    ...input,
    pools: input.pools.map((poolInput, i) => {
      const poolPlan = result.pools[i];
      const body = poolPlan?.patch?.spec.resources;
      const resources =
        body === undefined
          ? poolInput.pool.spec.resources
          : poolInput.pool.spec.resources.map((r, j) => ({ ...r, ...body[j] }));
      return {
        ...poolInput,
        pool: { ...poolInput.pool, spec: { ...poolInput.pool.spec, resources } },
        history: poolPlan?.history ?? poolInput.history,
      };
    }),
  };
}

function tripleBacklogs(input: PlanInput): PlanInput {
  return {
    ...input,
    pools: input.pools.map((pool) => ({
      ...pool,
      backlogs: Object.fromEntries(
        Object.entries(pool.backlogs).map(([flavor, b]) => [
          flavor,
          b.ok ? { ...b, value: b.value * 3 + 8 } : b,
        ]),
      ),
    })),
  };
}

// The config's one pool entry: every flavor ('*') on the built-in defaults, with a 40-node maximum and 4 jobs per
// node. The plan input's own policy is a placeholder: resolved() puts the real one in each cycle.
function benchPoolConfig(): PoolConfig {
  const { min, tolerance, azStrategy, fallback, backlog, scaleUp, scaleDown } =
    structuredClone(builtInFlavorDefaults);
  const policy: FlavorPolicy = {
    flavor: '*',
    min,
    max: 40,
    targetPerNode: TARGET_PER_NODE,
    activationThreshold: backlog.activationThreshold,
    tolerance: tolerance[backlog.unit],
    azStrategy,
    scaleUp,
    scaleDown,
    fallback,
  };
  return {
    index: 0,
    connection: 'bench',
    selector: { labels: {} },
    paused: false,
    allowPrepaid: false,
    flavors: [
      {
        flavor: '*',
        policy,
        backlog: {
          source: { type: 'static', value: 0 },
          unit: backlog.unit,
          staleAfterSeconds: backlog.staleAfterSeconds,
        },
      },
    ],
  };
}

const BENCH_POOLS = benchPoolConfig();
// resolvePoolPolicy reads only the pool entry.
const BENCH_CONFIG = { pools: [BENCH_POOLS] } as unknown as Config;

function option(name: string): number | undefined {
  const at = process.argv.indexOf(name);
  return at > 0 ? Number(process.argv[at + 1]) : undefined;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const runs = option('--runs');
  const pools = option('--pools');
  const figures = await benchPlanner({
    ...(runs === undefined ? {} : { runs }),
    ...(pools === undefined ? {} : { pools }),
  });
  console.log(JSON.stringify(figures, null, 2));
  console.log(
    `planner: ${figures.pools} pools x ${figures.flavors} flavors x ${figures.azs} AZs in ${figures.msPerCycle} ms ` +
      `per cycle, ${figures.msPerCycleAllChanging} ms with every pool changing (median of ${figures.runs}; ` +
      `target < ${figures.targetMs} ms: ${figures.withinTarget ? 'met' : 'MISSED'}); resolving the pools' ` +
      `policies before it: ${figures.resolveCpuMsPerCycle} ms CPU`,
  );
}

// The cost of one real cycle (lib/cycle.ts runCycle over HTTP) against 1,000 pools in the emulator, with 50 ms
// added to every request and 10% of the pools needing a change: the requests it sends, by kind, and its wall
// time at a few concurrency settings. Each run gets a fresh emulator and state, so every run does the same work;
// one warm-up run first (its time is mostly the JIT compiling the client, schemas and planner), then the
// median of several runs per concurrency.
//
//   npx tsx bench/cycle-cost.ts [--pools 1000] [--latency 50]
//
// Targets: exactly one list call, plus one GET (under the lease) and one PATCH per changed pool, in under 2 s.

import { createHash } from 'node:crypto';
import { startEmulator } from '../emulator/server';
import { parseConfig } from '../lib/config';
import { runCycle } from '../lib/cycle';
import { createModelArtsClient } from '../lib/modelarts/client';
import type { Pool } from '../lib/modelarts/schemas';
import { createMemoryStateStore } from '../lib/state/memory';
import { isMain, numberFlag } from './flags';

export const CYCLE_WALL_TARGET_MS = 2000;

export interface CycleCostRun {
  concurrency: number;
  /** Median over the runs. */
  wallMs: number;
  allWallMs: number[];
  /** Requests the emulator received, by route. */
  requests: Record<string, number>;
  patched: number;
  unchanged: number;
  failed: number;
  /** One list, one GET and one PATCH per changed pool. */
  requestsAsExpected: boolean;
  withinTarget: boolean;
}

export interface CycleCostFigures {
  pools: number;
  changedPools: number;
  latencyMs: number;
  targetMs: number;
  runs: CycleCostRun[];
}

export interface CycleCostOptions {
  pools?: number;
  latencyMs?: number;
  /** Every this-many-th pool needs a change (10: 10% of the pools). */
  changeEvery?: number;
  concurrencies?: number[];
  runs?: number;
}

const FLAVOR = 'modelarts.vm.cpu.8u';
const LABEL = 'bench';
const AZS = ['cn-north-7a', 'cn-north-7b'];
/** Every pool's backlog, in nodes: a pool at 4 nodes holds, one at 2 grows to 4. */
const BACKLOG = 4;

const poolName = (index: number) =>
  `bench-pool-${String(index).padStart(4, '0')}-${createHash('sha256').update(String(index)).digest('hex').slice(0, 32)}`;

/** Running pools of one flavor over two AZs; every `changeEvery`-th has 2 nodes where the backlog asks for 4. */
export function benchPools(count: number, changeEvery: number): Pool[] {
  return Array.from({ length: count }, (_, index): Pool => {
    const nodes = index % changeEvery === 0 ? 2 : BACKLOG;
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

function benchConfig(endpoint: string, projectId: string, concurrency: number) {
  return parseConfig({
    env: {},
    source: 'bench/cycle-cost.ts',
    text: `
concurrency: ${concurrency}
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
`,
  });
}

type OneRun = Omit<CycleCostRun, 'allWallMs'>;

async function oneRun(
  pools: Pool[],
  changed: number,
  latencyMs: number,
  concurrency: number,
): Promise<OneRun> {
  const emulator = await startEmulator({ pools, faults: { '*': { latencyMs } }, transitionMs: 60_000 });
  try {
    const config = benchConfig(emulator.url, emulator.projectId, concurrency);
    const client = createModelArtsClient({
      projectId: emulator.projectId,
      endpoint: emulator.url,
      auth: { type: 'none' },
    });
    const deps = { clients: () => client, store: createMemoryStateStore(), now: Date.now, owner: 'bench' };
    const started = performance.now();
    const result = await runCycle(config, deps);
    const wallMs = Math.round(performance.now() - started);
    const requests: Record<string, number> = {};
    for (const request of emulator.requests) requests[request.route] = (requests[request.route] ?? 0) + 1;
    const count = (status: string) => result.outcomes.filter((outcome) => outcome.status === status).length;
    const requestsAsExpected =
      requests.listPools === 1 && requests.patchPool === changed && requests.getPool === changed;
    return {
      concurrency,
      wallMs,
      requests,
      patched: count('patched'),
      unchanged: count('unchanged'),
      failed: count('failed'),
      requestsAsExpected,
      withinTarget: requestsAsExpected && wallMs < CYCLE_WALL_TARGET_MS,
    };
  } finally {
    await emulator.close();
  }
}

export async function benchCycleCost(options: CycleCostOptions = {}): Promise<CycleCostFigures> {
  const count = options.pools ?? 1000;
  const latencyMs = options.latencyMs ?? 50;
  const changeEvery = options.changeEvery ?? 10;
  const pools = benchPools(count, changeEvery);
  const changed = Math.ceil(count / changeEvery);
  const concurrencies = options.concurrencies ?? [8, 16, 32];
  await oneRun(pools, changed, latencyMs, concurrencies[0] ?? 8);
  const runs: CycleCostRun[] = [];
  for (const concurrency of concurrencies) {
    const repeated: OneRun[] = [];
    for (let i = 0; i < (options.runs ?? 3); i++)
      repeated.push(await oneRun(pools, changed, latencyMs, concurrency));
    const allWallMs = repeated.map((run) => run.wallMs);
    const wallMs = median(allWallMs);
    // Request counts must be right on every run, not only on one.
    const requestsAsExpected = repeated.every((run) => run.requestsAsExpected);
    const last = repeated[repeated.length - 1] as OneRun;
    runs.push({
      ...last,
      wallMs,
      allWallMs,
      requestsAsExpected,
      withinTarget: requestsAsExpected && wallMs < CYCLE_WALL_TARGET_MS,
    });
  }
  return { pools: count, changedPools: changed, latencyMs, targetMs: CYCLE_WALL_TARGET_MS, runs };
}

export function formatCycleCost(figures: CycleCostFigures): string {
  const lines = [
    `cycle cost: ${figures.pools} pools in the emulator, ${figures.latencyMs} ms added per request, ` +
      `${figures.changedPools} pools needing a change (target: 1 list + ${figures.changedPools} GET + ${figures.changedPools} PATCH, < ${figures.targetMs} ms)`,
  ];
  for (const run of figures.runs) {
    const requests = Object.entries(run.requests)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([route, n]) => `${route} ${n}`)
      .join(', ');
    lines.push(
      `  concurrency ${String(run.concurrency).padStart(3)}: ${String(run.wallMs).padStart(5)} ms (median of ${run.allWallMs.join(', ')}); ` +
        `requests: ${requests}; ` +
        `${run.patched} patched, ${run.unchanged} unchanged, ${run.failed} failed: ${run.withinTarget ? 'met' : 'MISSED'}`,
    );
  }
  return lines.join('\n');
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

if (isMain(import.meta.url)) {
  const pools = numberFlag('pools');
  const latencyMs = numberFlag('latency');
  const options: CycleCostOptions = {};
  if (pools !== undefined) options.pools = pools;
  if (latencyMs !== undefined) options.latencyMs = latencyMs;
  console.log(formatCycleCost(await benchCycleCost(options)));
}

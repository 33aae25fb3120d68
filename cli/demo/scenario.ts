// `npm start`: the autoscaler against an emulator in this process, on simulated time. The emulator and the
// cycle share one clock that moves a cycle's interval at a time, so nodes go creating -> available and
// stabilization windows fill without real waiting. The queue is the emulator's workload queue, read by the
// modelarts-workloads source over HTTP like a real pool's.

import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { type Emulator, startEmulator } from '../../emulator/server';
import type { Config } from '../../lib/config';
import { type CycleResult, runCycle } from '../../lib/cycle';
import type { Pool } from '../../lib/modelarts/schemas';
import { renderPlanTable } from '../../lib/scaling/render';
import { type DecisionLineOptions, decisionLines } from '../decisions';
import { cycleProblems } from '../failures';
import type { Output } from '../output';
import { buildCycleDeps, type CliCycleDeps, loadCliConfig } from '../setup';

export const DEMO_CONFIG = fileURLToPath(new URL('./config.yaml', import.meta.url));

const START = Date.parse('2025-06-02T09:00:00Z');
/** How long a node takes to be created or deleted in the demo's emulator: a cycle and a half. */
const TRANSITION_MS = 90_000;

const SCALED = 'multi-gpu-pool-fb414673d35cd05c56b692b7599755e9';
const FLAVOR = 'modelarts.vm.gpu.t4u8';
const UNTOUCHED = [
  'frozen-pool-2b8bac7b9334a944bf07f1a69c55f374',
  'creating-pool-6c9c5aa418e831aed11f50a9b680660a',
];
/** Jobs in the scaled pool's queue, cycle by cycle, while it grows; then it drains. */
const GROWING_QUEUE = [6, 9, 12, 12];
/** One job keeps running to the end: its node is never drained or deleted. */
const DRAINING_QUEUE = [2, 1];

export interface DemoOptions {
  /** Most scaling cycles to run (the dry run is not one). */
  cycles: number;
  /** Real pause between cycles, for reading. */
  pauseMs: number;
}

/** `multi-gpu-pool-<32 hex>` -> `multi-gpu-pool`: the generated suffix only makes lines longer. */
export const displayName = (name: string) => name.replace(/-[0-9a-f]{32}$/, '');

const flavorCount = (pool: Pool | undefined, state: 'available' | 'creating' | 'deleting') =>
  (pool?.status?.resources?.[state] ?? [])
    .filter((entry) => entry.flavor === FLAVOR)
    .reduce((sum, entry) => sum + (entry.count ?? 0), 0);

/** Simulated time since the start, as +mm:ss. */
const elapsed = (at: number) => {
  const seconds = Math.round((at - START) / 1000);
  return `+${String(Math.floor(seconds / 60)).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}`;
};

interface SimulatedClock {
  time: number;
}

class Demo {
  cyclesRun = 0;
  last: CycleResult | undefined;
  queued: number | undefined;

  constructor(
    readonly clock: SimulatedClock,
    readonly emulator: Emulator,
    readonly config: Config,
    readonly cli: CliCycleDeps,
    readonly output: Output,
    readonly options: DemoOptions,
  ) {}

  get cyclesLeft() {
    return this.options.cycles - this.cyclesRun;
  }

  patches(pool?: string) {
    return this.emulator.requests.filter(
      (request) => request.route === 'patchPool' && (pool === undefined || request.path.endsWith(`/${pool}`)),
    ).length;
  }

  header(text: string) {
    this.output.out(`\n${this.output.paint('bold', `== ${text} ==`)}`);
  }

  /** Puts `total` jobs in the scaled pool's queue: as many running as there are available nodes. */
  async setQueue(total: number) {
    if (total === this.queued) return;
    this.queued = total;
    const running = Math.min(total, flavorCount(this.emulator.pool(SCALED), 'available'));
    const items = Array.from({ length: total }, (_, i) => ({
      flavor: FLAVOR,
      status: i < running ? 'Running' : 'Queue',
    }));
    const response = await fetch(`${this.emulator.url}/__admin/pools/${SCALED}/workloads`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ items }),
    });
    if (!response.ok) throw new Error(`the emulator refused the demo queue: ${response.status}`);
    this.output.out(
      `${elapsed(this.clock.time)}  queue of ${displayName(SCALED)}: ${total} jobs (${total - running} queued, ${running} running)`,
    );
  }

  async cycle(dryRun: boolean): Promise<CycleResult> {
    const result = await runCycle(this.config, this.cli.deps, { dryRun });
    const problems = cycleProblems(result, {
      config: this.config,
      errors: this.cli.errors,
      endpoint: () => this.emulator.url,
    });
    for (const problem of problems) this.output.error(`error: ${problem}`);
    if (!dryRun) this.cyclesRun += 1;
    this.last = result;
    return result;
  }

  print(result: CycleResult, include: DecisionLineOptions['include']) {
    const lines = decisionLines(result, this.output, { outcome: true, poolName: displayName, include });
    for (const line of lines) this.output.out(`${elapsed(result.at)}  ${line}`);
  }

  async tick() {
    this.clock.time += this.config.intervalSeconds * 1000;
    if (this.options.pauseMs > 0) await sleep(this.options.pauseMs);
  }

  scaledSettled(): boolean {
    const pool = this.emulator.pool(SCALED);
    const count = pool?.spec.resources.find((resource) => resource.flavor === FLAVOR)?.count;
    return count === 3 && flavorCount(pool, 'creating') === 0 && flavorCount(pool, 'deleting') === 0;
  }
}

const scaledFlavor: DecisionLineOptions['include'] = (pool, flavor) =>
  pool.pool === SCALED && flavor.flavor === FLAVOR;
const untouched: DecisionLineOptions['include'] = (pool) => UNTOUCHED.includes(pool.pool);

async function dryRunScene(demo: Demo) {
  demo.header('1. Dry run: what the first cycle would change (nothing is patched)');
  await demo.setQueue(GROWING_QUEUE[0] as number);
  const before = demo.patches();
  const planned = await demo.cycle(true);
  demo.output.out(
    renderPlanTable(planned.plan, { color: demo.output.color, dryRun: planned.dryRun }).replace(
      /[0-9a-f]{32}/g,
      '…',
    ),
  );
  demo.output.out(`PATCH requests the emulator received during the dry run: ${demo.patches() - before}`);
}

async function growScene(demo: Demo) {
  demo.header('2. The queue grows: scale-up, nodes split across AZs, creating -> available');
  for (const jobs of GROWING_QUEUE) {
    if (demo.cyclesLeft <= 0) return;
    await demo.setQueue(jobs);
    demo.print(await demo.cycle(false), scaledFlavor);
    await demo.tick();
  }
}

async function drainScene(demo: Demo) {
  demo.header(
    '3. The queue drains: after the stabilization window (5 min), idle nodes are drained, then deleted by name; the busy one stays',
  );
  for (let step = 0; demo.cyclesLeft > 0 && !demo.scaledSettled(); step++) {
    if (step < DRAINING_QUEUE.length) await demo.setQueue(DRAINING_QUEUE[step] as number);
    demo.print(await demo.cycle(false), scaledFlavor);
    await demo.tick();
  }
}

function untouchedScene(demo: Demo, before: Map<string, number>) {
  demo.header('4. Left alone: a frozen pool and a pool still Creating');
  if (demo.last) demo.print(demo.last, untouched);
  for (const name of UNTOUCHED) {
    const pool = demo.emulator.pool(name);
    const nodes = pool?.spec.resources.reduce((sum, resource) => sum + resource.count, 0);
    demo.output.out(
      `${displayName(name)}: ${before.get(name)} nodes before, ${nodes} after, ${demo.patches(name)} PATCH requests`,
    );
  }
}

export async function runDemo(output: Output, options: DemoOptions): Promise<void> {
  const clock: SimulatedClock = { time: START };
  const now = () => clock.time;
  const emulator = await startEmulator({ now, transitionMs: TRANSITION_MS });
  try {
    // A clean environment: the user's AUTOSCALER_* variables are for their own config, not the demo's.
    const config = await loadCliConfig(DEMO_CONFIG, { endpoint: emulator.url }, {});
    const demo = new Demo(clock, emulator, config, buildCycleDeps(config, {}, { now }), output, options);
    const before = new Map(
      UNTOUCHED.map((name) => [
        name,
        emulator.pool(name)?.spec.resources.reduce((s, r) => s + r.count, 0) ?? 0,
      ]),
    );
    output.out(
      `ModelArts autoscaler demo: emulator at ${emulator.url}, config ${DEMO_CONFIG}\n` +
        `Simulated time, ${config.intervalSeconds} s per cycle; nodes take ${TRANSITION_MS / 1000} s to create or delete.`,
    );
    await dryRunScene(demo);
    await growScene(demo);
    await drainScene(demo);
    untouchedScene(demo, before);
    output.out(
      `\nDone: ${demo.cyclesRun} cycles over ${Math.round((clock.time - START) / 60_000)} simulated minutes, ` +
        `${demo.patches()} PATCH requests, ${demo.patches(SCALED)} of them to ${displayName(SCALED)}.`,
    );
  } finally {
    await emulator.close();
  }
}

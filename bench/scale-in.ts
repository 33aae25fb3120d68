// Scale-in under the platform-picks model (a lower count deletes nodes newest first, whatever runs on them; a
// killed job starts again from scratch): the default policy with scale-down method `count` and with
// `idle-nodes`, on every built-in scenario over several seeds. Per scenario: jobs killed and node-hours lost to
// killed work (means per seed), node-hours per busy node-hour (total over total) and the p95 wait (mean).
//
//   npx tsx bench/scale-in.ts [--seeds 5] [--idle-seconds S]   (default: the config's scaleDown.idleSeconds)
//
// Checks (the section fails otherwise): `count` kills jobs on every scenario, `idle-nodes` kills none.

import type { ScaleDownMethod } from '../lib/scale-in/types';
import { SCENARIO_NAMES, type ScenarioName, type SimulationFigures, simulate } from '../lib/simulate';
import { isMain, numberFlag } from './flags';
import { scenarioSetup } from './quality';

export const SCALE_IN_METHODS: readonly ScaleDownMethod[] = ['count', 'idle-nodes'];

export interface ScaleInRow {
  scenario: ScenarioName;
  method: ScaleDownMethod;
  /** Means per seed. */
  jobsKilled: number;
  lostNodeHours: number;
  nodeHours: number;
  /** Total node-hours over total busy node-hours. */
  nodeHoursPerBusyNodeHour: number;
  waitP95Seconds: number;
}

export interface ScaleInCheck {
  met: boolean;
  detail: string;
}

export interface ScaleInFigures {
  platform: 'platform-picks';
  seeds: number[];
  /** Set on every flavor; undefined: the config's. */
  idleSeconds?: number;
  rows: ScaleInRow[];
  checks: ScaleInCheck[];
}

export function benchScaleIn(options: { seeds?: number; idleSeconds?: number } = {}): ScaleInFigures {
  const seeds = Array.from({ length: options.seeds ?? 5 }, (_, i) => i + 1);
  const { idleSeconds } = options;
  const scaleDown = idleSeconds === undefined ? {} : { idleSeconds };
  const rows: ScaleInRow[] = [];
  for (const name of SCENARIO_NAMES) {
    for (const method of SCALE_IN_METHODS) {
      const figures = seeds.map(
        (seed) =>
          simulate(scenarioSetup(name, seed, { platform: 'platform-picks', scaleDown }), 'policy', { method })
            .figures,
      );
      rows.push(scaleInRow(name, method, figures));
    }
  }
  const figures: ScaleInFigures = { platform: 'platform-picks', seeds, rows, checks: scaleInChecks(rows) };
  if (idleSeconds !== undefined) figures.idleSeconds = idleSeconds;
  return figures;
}

function scaleInRow(
  scenario: ScenarioName,
  method: ScaleDownMethod,
  figures: SimulationFigures[],
): ScaleInRow {
  const sum = (pick: (f: SimulationFigures) => number) => figures.reduce((total, f) => total + pick(f), 0);
  return {
    scenario,
    method,
    jobsKilled: sum((f) => f.jobsKilled) / figures.length,
    lostNodeHours: sum((f) => f.lostNodeHours) / figures.length,
    nodeHours: sum((f) => f.nodeHours) / figures.length,
    nodeHoursPerBusyNodeHour: sum((f) => f.nodeHours) / sum((f) => f.busyNodeHours),
    waitP95Seconds: sum((f) => f.waitSeconds.p95) / figures.length,
  };
}

/** Per scenario: `count` kills jobs, `idle-nodes` kills none. */
export function scaleInChecks(rows: readonly ScaleInRow[]): ScaleInCheck[] {
  return SCENARIO_NAMES.flatMap((name) => {
    const of = (method: ScaleDownMethod) => rows.find((r) => r.scenario === name && r.method === method);
    const count = of('count')?.jobsKilled ?? 0;
    const idle = of('idle-nodes')?.jobsKilled ?? 0;
    return [
      { met: count > 0, detail: `${name}: count kills jobs (${count.toFixed(1)} per seed)` },
      { met: idle === 0, detail: `${name}: idle-nodes kills none (${idle.toFixed(1)} per seed)` },
    ];
  });
}

/** The checks that failed, for the bench to fail on. */
export const failedScaleInChecks = (figures: ScaleInFigures): string[] =>
  figures.checks.filter((check) => !check.met).map((check) => check.detail);

export function formatScaleIn(figures: ScaleInFigures): string {
  const lines = [
    `scale-in under platform-picks (a lower count deletes nodes newest first, whatever runs on them; a killed ` +
      `job starts again): the default policy${figures.idleSeconds === undefined ? '' : ` with idleSeconds ${figures.idleSeconds}`}, ` +
      `means over seeds ${figures.seeds.join(', ')}`,
    `  ${'scenario'.padEnd(9)} ${'method'.padEnd(10)} ${'killed'.padStart(7)} ${'lost node-h'.padStart(11)} ` +
      `${'node-h'.padStart(7)} ${'per busy'.padStart(8)} ${'p95 s'.padStart(6)}`,
  ];
  for (const r of figures.rows) {
    lines.push(
      `  ${r.scenario.padEnd(9)} ${r.method.padEnd(10)} ${r.jobsKilled.toFixed(1).padStart(7)} ` +
        `${r.lostNodeHours.toFixed(2).padStart(11)} ${r.nodeHours.toFixed(1).padStart(7)} ` +
        `${r.nodeHoursPerBusyNodeHour.toFixed(3).padStart(8)} ${r.waitP95Seconds.toFixed(0).padStart(6)}`,
    );
  }
  for (const check of figures.checks) lines.push(`  check, ${check.detail}: ${check.met ? 'met' : 'MISSED'}`);
  return lines.join('\n');
}

if (isMain(import.meta.url)) {
  const seeds = numberFlag('seeds');
  const idleSeconds = numberFlag('idle-seconds');
  const figures = benchScaleIn({
    ...(seeds === undefined ? {} : { seeds }),
    ...(idleSeconds === undefined ? {} : { idleSeconds }),
  });
  console.log(formatScaleIn(figures));
  if (failedScaleInChecks(figures).length > 0) process.exitCode = 1;
}

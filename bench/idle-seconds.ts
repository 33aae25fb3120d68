// The default scaleDown.idleSeconds, chosen on the simulator: the candidate with the fewest node-hours (summed
// over the built-in scenarios, each a mean over the seeds) that still meets every scenario's p95 wait target
// (bench/quality.ts: the provisioning delay plus two cycles, on the mean p95 over the seeds). The default
// policy with scale-down method idle-nodes under platform-picks, where a lower count is never sent anyway.
//
//   npx tsx bench/idle-seconds.ts [--seeds 5]

import { SCENARIO_NAMES, type ScenarioName, simulate } from '../lib/simulate';
import { isMain, numberFlag } from './flags';
import { P95_LIMIT_SECONDS, scenarioSetup } from './quality';

export const IDLE_SECONDS_CANDIDATES = [0, 60, 120, 300, 600, 900] as const;

export interface IdleSecondsRow {
  idleSeconds: number;
  /** Per scenario: mean node-hours and mean p95 wait over the seeds. */
  scenarios: Record<ScenarioName, { nodeHours: number; waitP95Seconds: number }>;
  nodeHours: number;
  /** Every scenario's mean p95 wait within P95_LIMIT_SECONDS. */
  meetsP95: boolean;
}

export interface IdleSecondsFigures {
  seeds: number[];
  p95LimitSeconds: number;
  rows: IdleSecondsRow[];
  /** Undefined when no candidate meets every p95 target. */
  chosen: number | undefined;
}

export function benchIdleSeconds(
  options: { seeds?: number; candidates?: readonly number[] } = {},
): IdleSecondsFigures {
  const seeds = Array.from({ length: options.seeds ?? 5 }, (_, i) => i + 1);
  const rows = (options.candidates ?? IDLE_SECONDS_CANDIDATES).map((idleSeconds) =>
    candidateRow(idleSeconds, seeds),
  );
  return { seeds, p95LimitSeconds: P95_LIMIT_SECONDS, rows, chosen: chooseIdleSeconds(rows) };
}

function candidateRow(idleSeconds: number, seeds: readonly number[]): IdleSecondsRow {
  const scenarios = {} as IdleSecondsRow['scenarios'];
  for (const name of SCENARIO_NAMES) {
    let nodeHours = 0;
    let p95 = 0;
    for (const seed of seeds) {
      const setup = scenarioSetup(name, seed, {
        platform: 'platform-picks',
        scaleDown: { method: 'idle-nodes', idleSeconds },
      });
      const { figures } = simulate(setup, 'policy');
      nodeHours += figures.nodeHours;
      p95 += figures.waitSeconds.p95;
    }
    scenarios[name] = { nodeHours: nodeHours / seeds.length, waitP95Seconds: p95 / seeds.length };
  }
  const all = Object.values(scenarios);
  return {
    idleSeconds,
    scenarios,
    nodeHours: all.reduce((total, s) => total + s.nodeHours, 0),
    meetsP95: all.every((s) => s.waitP95Seconds <= P95_LIMIT_SECONDS),
  };
}

/** The fewest node-hours among the candidates meeting every p95 target; a tie goes to the shorter time. */
export function chooseIdleSeconds(rows: readonly IdleSecondsRow[]): number | undefined {
  let best: IdleSecondsRow | undefined;
  for (const row of rows) {
    if (!row.meetsP95) continue;
    if (
      best === undefined ||
      row.nodeHours < best.nodeHours ||
      (row.nodeHours === best.nodeHours && row.idleSeconds < best.idleSeconds)
    )
      best = row;
  }
  return best?.idleSeconds;
}

export function formatIdleSeconds(figures: IdleSecondsFigures): string {
  const cell = (text: string) => text.padStart(16);
  const lines = [
    `scaleDown.idleSeconds: the default policy with idle-nodes, node-hours / p95 wait (s) per scenario, means ` +
      `over seeds ${figures.seeds.join(', ')}; p95 target <= ${figures.p95LimitSeconds} s on every scenario`,
    `  ${'idle s'.padStart(6)} ${SCENARIO_NAMES.map(cell).join(' ')} ${'node-h total'.padStart(12)}  p95 met`,
  ];
  for (const row of figures.rows) {
    const cells = SCENARIO_NAMES.map((name) => {
      const s = row.scenarios[name];
      return cell(`${s.nodeHours.toFixed(1)} / ${s.waitP95Seconds.toFixed(0)}`);
    });
    lines.push(
      `  ${String(row.idleSeconds).padStart(6)} ${cells.join(' ')} ${row.nodeHours.toFixed(1).padStart(12)}  ` +
        `${row.meetsP95 ? 'yes' : 'NO'}`,
    );
  }
  lines.push(
    figures.chosen === undefined
      ? '  chosen: none (no candidate meets every p95 target)'
      : `  chosen: idleSeconds ${figures.chosen} (the fewest node-hours meeting every p95 target)`,
  );
  return lines.join('\n');
}

if (isMain(import.meta.url)) {
  const seeds = numberFlag('seeds');
  console.log(formatIdleSeconds(benchIdleSeconds(seeds === undefined ? {} : { seeds })));
}

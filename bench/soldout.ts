// The soldout scenario (one AZ sold out from 1:00 to 4:00, the other in stock; issue #15): the default policy
// with stock awareness (capacity.stockAware true: growth reads the AZs' stock and backs off an AZ that refused
// it), the same with every stock read failing (the backoffs alone steer growth), and without awareness (false:
// today's scaler, whose update into the sold-out AZ is refused every cycle), over seeds 1-5. Means per seed: the p95 wait of the jobs that can run somewhere (lib/simulate/figures.ts),
// node-hours, the updates refused and the backoffs recorded, and the p95 wait of the jobs tied to the AZ while
// it was sold out (reported, no target: no policy can give them a node there).
//
//   npx tsx bench/soldout.ts [--seeds 5]

import { type SimulationFigures, simulate } from '../lib/simulate';
import { isMain, numberFlag } from './flags';
import { P95_LIMIT_SECONDS, scenarioSetup } from './quality';

export interface SoldOutRow {
  stockAware: boolean;
  /** The stock read failed every cycle. */
  stockReadFails: boolean;
  /** Means per seed. */
  runnableWaitP95Seconds: number;
  nodeHours: number;
  refusedUpdates: number;
  backoffs: number;
  tiedJobs: number;
  tiedWaitP95Seconds: number;
}

export interface SoldOutFigures {
  seeds: number[];
  /** The p95 target for the jobs that can run: the provisioning delay plus two cycles. */
  p95LimitSeconds: number;
  aware: SoldOutRow;
  /** Stock-aware, every stock read failing: what the backoffs alone do. */
  backoffsOnly: SoldOutRow;
  unaware: SoldOutRow;
}

export function benchSoldOut(options: { seeds?: number } = {}): SoldOutFigures {
  const seeds = Array.from({ length: options.seeds ?? 5 }, (_, i) => i + 1);
  const row = (stockAware: boolean, stockReadFails: boolean): SoldOutRow =>
    soldOutRow(
      { stockAware, stockReadFails },
      seeds.map((seed) => simulate(scenarioSetup('soldout', seed, { stockAware, stockReadFails })).figures),
    );
  return {
    seeds,
    p95LimitSeconds: P95_LIMIT_SECONDS,
    aware: row(true, false),
    backoffsOnly: row(true, true),
    unaware: row(false, false),
  };
}

function soldOutRow(
  setting: Pick<SoldOutRow, 'stockAware' | 'stockReadFails'>,
  figures: readonly SimulationFigures[],
): SoldOutRow {
  const mean = (pick: (f: SimulationFigures) => number) =>
    figures.reduce((total, f) => total + pick(f), 0) / figures.length;
  return {
    ...setting,
    runnableWaitP95Seconds: mean((f) => f.capacity?.runnable.waitSeconds.p95 ?? Number.NaN),
    nodeHours: mean((f) => f.nodeHours),
    refusedUpdates: mean((f) => f.capacity?.refusedUpdates ?? Number.NaN),
    backoffs: mean((f) => f.capacity?.backoffs ?? Number.NaN),
    tiedJobs: mean((f) => f.capacity?.tiedToSoldOut.jobs ?? Number.NaN),
    tiedWaitP95Seconds: mean((f) => f.capacity?.tiedToSoldOut.waitSeconds.p95 ?? Number.NaN),
  };
}

/** One line: what stock awareness changes, and whether its p95 wait of the jobs that can run meets the target. */
export function soldOutVerdict(figures: SoldOutFigures): string {
  const { aware, unaware, p95LimitSeconds } = figures;
  const dp95 = aware.runnableWaitP95Seconds - unaware.runnableWaitP95Seconds;
  const dHours = aware.nodeHours - unaware.nodeHours;
  const target = `p95 target for jobs that can run (<= ${p95LimitSeconds} s) with awareness: ${
    aware.runnableWaitP95Seconds <= p95LimitSeconds ? 'met' : 'MISSED'
  }`;
  if (Math.abs(dp95) < 0.5 && Math.abs(dHours) < 0.005)
    return `verdict: stock awareness changes no wait or node-hour: the planner does not place growth by stock yet (backoffs recorded ${aware.backoffs.toFixed(1)} vs ${unaware.backoffs.toFixed(1)}); ${target}`;
  const signed = (value: number, digits: number) => `${value >= 0 ? '+' : ''}${value.toFixed(digits)}`;
  return (
    `verdict: stock awareness ${dp95 < 0 ? 'lowers' : 'raises'} the p95 wait of jobs that can run by ` +
    `${Math.abs(dp95).toFixed(0)} s (${signed(dHours, 1)} node-h, ${signed(aware.refusedUpdates - unaware.refusedUpdates, 1)} ` +
    `refused updates); ${target}`
  );
}

const rowLabel = (r: SoldOutRow): string => `${r.stockAware}${r.stockReadFails ? ' (stock read fails)' : ''}`;

export function formatSoldOut(figures: SoldOutFigures): string {
  const lines = [
    `soldout (cn-north-7a sold out 1:00-4:00, cn-north-7b in stock): the default policy with and without stock ` +
      `awareness, means over seeds ${figures.seeds.join(', ')}`,
    `  ${'capacity.stockAware'.padEnd(27)} ${'p95 s (can run)'.padStart(15)} ${'node-h'.padStart(7)} ` +
      `${'refused'.padStart(8)} ${'backoffs'.padStart(8)} ${'tied jobs'.padStart(9)} ${'tied p95 s'.padStart(10)}`,
  ];
  for (const r of [figures.aware, figures.backoffsOnly, figures.unaware]) {
    lines.push(
      `  ${rowLabel(r).padEnd(27)} ${r.runnableWaitP95Seconds.toFixed(0).padStart(15)} ` +
        `${r.nodeHours.toFixed(1).padStart(7)} ${r.refusedUpdates.toFixed(1).padStart(8)} ` +
        `${r.backoffs.toFixed(1).padStart(8)} ${r.tiedJobs.toFixed(1).padStart(9)} ` +
        `${r.tiedWaitP95Seconds.toFixed(0).padStart(10)}`,
    );
  }
  lines.push(
    `  ${soldOutVerdict(figures)}`,
    `  with every stock read failing, the backoffs alone: p95 ${figures.backoffsOnly.runnableWaitP95Seconds.toFixed(0)} s, ` +
      `${figures.backoffsOnly.refusedUpdates.toFixed(1)} refused updates vs ${figures.unaware.refusedUpdates.toFixed(1)} without awareness`,
  );
  return lines.join('\n');
}

if (isMain(import.meta.url)) {
  const seeds = numberFlag('seeds');
  console.log(formatSoldOut(benchSoldOut(seeds === undefined ? {} : { seeds })));
}

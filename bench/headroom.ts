// Warm headroom on `longjobs` (issue #16): the default policy with `headroom` set to each value in turn, against
// the same policy without headroom, over seeds 1-5. Target: p50 wait under 60 s and p95 under the provisioning
// delay, at no more than 3% more node-hours than the default policy without headroom. The verdict is computed
// per seed from the figures: the values meeting all three, or, when none does, by how much the nearest miss:
// the cheapest value meeting both waits (its node-hours above the 3%), and the best waits within the 3%.
//
//   npx tsx bench/headroom.ts [--seeds 5]

import type { Headroom } from '../lib/scaling/policy';
import { parseHeadroom, type SimulationFigures, simulate } from '../lib/simulate';
import { isMain, numberFlag } from './flags';
import { PROVISIONING_DELAY_SECONDS, scenarioSetup } from './quality';

/** `0` is the default policy (no headroom); then nodes, then percents of the busy nodes. */
export const HEADROOM_VALUES = ['0', '1', '2', '3', '4', '6', '8', '5%', '10%', '20%', '30%'] as const;

export interface HeadroomLimits {
  /** The p50 wait must be below this. */
  p50Seconds: number;
  /** The p95 wait must be below this: the provisioning delay. */
  p95Seconds: number;
  /** Node-hours at most this times the default policy's without headroom. */
  nodeHoursRatio: number;
}

export const HEADROOM_LIMITS: HeadroomLimits = {
  p50Seconds: 60,
  p95Seconds: PROVISIONING_DELAY_SECONDS,
  nodeHoursRatio: 1.03,
};

export interface HeadroomPoint {
  /** As given: `0`, `2` (nodes), `10%`. */
  headroom: string;
  nodeHours: number;
  /** Over the default policy without headroom's (the same seed, or the means). */
  ratio: number;
  waitP50Seconds: number;
  waitP95Seconds: number;
}

export interface HeadroomVerdict {
  /** The values meeting all three targets. */
  met: string[];
  /** The cheapest value meeting both wait targets, if any. */
  cheapestWaits?: HeadroomPoint;
  /** Within the node-hours allowed, the value with the lowest p95 (then p50). */
  bestWithinNodeHours?: HeadroomPoint;
}

export interface HeadroomSeed {
  seed: number;
  points: HeadroomPoint[];
  verdict: HeadroomVerdict;
}

export interface HeadroomFigures {
  scenario: 'longjobs';
  seeds: number[];
  limits: HeadroomLimits;
  /** Means over the seeds; the ratio is of the mean node-hours. */
  curve: HeadroomPoint[];
  perSeed: HeadroomSeed[];
}

export interface HeadroomOptions {
  seeds?: number;
  /** Default HEADROOM_VALUES; must start with `0`, the policy every ratio is taken against. */
  values?: readonly string[];
}

export function benchHeadroom(options: HeadroomOptions = {}): HeadroomFigures {
  const seeds = Array.from({ length: options.seeds ?? 5 }, (_, i) => i + 1);
  const values = options.values ?? HEADROOM_VALUES;
  if (values[0] !== '0')
    throw new Error('the headroom values must start with 0, the policy without headroom');
  const runs = seeds.map((seed) => values.map((value) => runHeadroom(seed, parseHeadroom(value))));
  const perSeed = seeds.map((seed, index): HeadroomSeed => {
    const points = pointsOf(values, runs[index] ?? []);
    return { seed, points, verdict: headroomVerdict(points, HEADROOM_LIMITS) };
  });
  const meanOf = (column: number, pick: (f: SimulationFigures) => number) =>
    runs.reduce((total, run) => total + pick(run[column] as SimulationFigures), 0) / runs.length;
  const means = values.map(
    (_, column): SimulationFigures => ({
      ...(runs[0]?.[column] as SimulationFigures),
      nodeHours: meanOf(column, (f) => f.nodeHours),
      waitSeconds: {
        p50: meanOf(column, (f) => f.waitSeconds.p50),
        p95: meanOf(column, (f) => f.waitSeconds.p95),
        max: meanOf(column, (f) => f.waitSeconds.max),
      },
    }),
  );
  return { scenario: 'longjobs', seeds, limits: HEADROOM_LIMITS, curve: pointsOf(values, means), perSeed };
}

function runHeadroom(seed: number, headroom: Headroom | null): SimulationFigures {
  return simulate(scenarioSetup('longjobs', seed, { floors: { headroom } })).figures;
}

/** The first figures are the policy without headroom: every ratio is over its node-hours. */
function pointsOf(values: readonly string[], figures: readonly SimulationFigures[]): HeadroomPoint[] {
  const baseline = figures[0]?.nodeHours ?? Number.NaN;
  return values.map((headroom, index) => {
    const f = figures[index] as SimulationFigures;
    return {
      headroom,
      nodeHours: f.nodeHours,
      ratio: f.nodeHours / baseline,
      waitP50Seconds: f.waitSeconds.p50,
      waitP95Seconds: f.waitSeconds.p95,
    };
  });
}

const meetsWaits = (point: HeadroomPoint, limits: HeadroomLimits): boolean =>
  point.waitP50Seconds < limits.p50Seconds && point.waitP95Seconds < limits.p95Seconds;

const withinNodeHours = (point: HeadroomPoint, limits: HeadroomLimits): boolean =>
  point.ratio <= limits.nodeHoursRatio;

export function headroomVerdict(points: readonly HeadroomPoint[], limits: HeadroomLimits): HeadroomVerdict {
  const met = points
    .filter((p) => meetsWaits(p, limits) && withinNodeHours(p, limits))
    .map((p) => p.headroom);
  let cheapestWaits: HeadroomPoint | undefined;
  let bestWithinNodeHours: HeadroomPoint | undefined;
  for (const point of points) {
    if (meetsWaits(point, limits) && (cheapestWaits === undefined || point.ratio < cheapestWaits.ratio))
      cheapestWaits = point;
    if (
      withinNodeHours(point, limits) &&
      (bestWithinNodeHours === undefined ||
        point.waitP95Seconds < bestWithinNodeHours.waitP95Seconds ||
        (point.waitP95Seconds === bestWithinNodeHours.waitP95Seconds &&
          point.waitP50Seconds < bestWithinNodeHours.waitP50Seconds))
    )
      bestWithinNodeHours = point;
  }
  return {
    met,
    ...(cheapestWaits === undefined ? {} : { cheapestWaits }),
    ...(bestWithinNodeHours === undefined ? {} : { bestWithinNodeHours }),
  };
}

/** `0` none, `2` nodes, `10%` of the busy nodes. */
export const headroomLabel = (value: string): string =>
  value === '0'
    ? 'no headroom'
    : value.endsWith('%')
      ? `${value} of busy`
      : `${value} node${value === '1' ? '' : 's'}`;

const percentAbove = (ratio: number, limit: number): string => `${((ratio - limit) * 100).toFixed(1)} points`;

/** The verdict in words: the values met, or each nearest miss and by how much. */
export function verdictText(verdict: HeadroomVerdict, limits: HeadroomLimits): string {
  if (verdict.met.length > 0) return `met by ${verdict.met.map(headroomLabel).join(', ')}`;
  const parts = ['MISSED'];
  const cheapest = verdict.cheapestWaits;
  parts.push(
    cheapest === undefined
      ? 'no value meets both waits'
      : `the waits from ${headroomLabel(cheapest.headroom)}, at ${cheapest.ratio.toFixed(3)}x ` +
          `(${percentAbove(cheapest.ratio, limits.nodeHoursRatio)} over +${((limits.nodeHoursRatio - 1) * 100).toFixed(0)}%)`,
  );
  const best = verdict.bestWithinNodeHours;
  if (best !== undefined)
    parts.push(
      `within +${((limits.nodeHoursRatio - 1) * 100).toFixed(0)}%: ${headroomLabel(best.headroom)} ` +
        `(${best.ratio.toFixed(3)}x), p50 ${best.waitP50Seconds.toFixed(0)} s, p95 ${best.waitP95Seconds.toFixed(0)} s`,
    );
  return parts.join('; ');
}

export function formatHeadroom(figures: HeadroomFigures): string {
  const { limits } = figures;
  const lines = [
    `headroom on ${figures.scenario}: the default policy with warm headroom, means over seeds ${figures.seeds.join(', ')}; ` +
      `target: p50 wait < ${limits.p50Seconds} s, p95 < ${limits.p95Seconds} s (the provisioning delay), ` +
      `node-hours <= ${limits.nodeHoursRatio.toFixed(2)}x the policy without headroom`,
    `  ${'headroom'.padEnd(12)} ${['node-h', 'x none', 'p50 s', 'p95 s'].map((c) => c.padStart(8)).join(' ')}`,
  ];
  for (const p of figures.curve) {
    const cells = [
      p.nodeHours.toFixed(1),
      p.ratio.toFixed(3),
      p.waitP50Seconds.toFixed(0),
      p.waitP95Seconds.toFixed(0),
    ];
    lines.push(`  ${headroomLabel(p.headroom).padEnd(12)} ${cells.map((c) => c.padStart(8)).join(' ')}`);
  }
  lines.push('  verdicts, per seed:');
  for (const { seed, verdict } of figures.perSeed)
    lines.push(`  ${String(seed).padEnd(6)} ${verdictText(verdict, limits)}`);
  return lines.join('\n');
}

if (isMain(import.meta.url)) {
  const seeds = numberFlag('seeds');
  console.log(formatHeadroom(benchHeadroom(seeds === undefined ? {} : { seeds })));
}

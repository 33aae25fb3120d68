// The forecast on an 8-day `diurnal` run (issue #16): the diurnal day repeated 8 times, the policy learning only
// from the run's own backlog (the planner's history records it each cycle; nothing is filled in from the rate
// function). Judged on the LAST day alone (jobs arriving in it, nodes billed in it): the node-hours vs p95 wait
// of forecast variants (lead, days averaged, with or without a small headroom) against the curve of constant
// headroom (0..12 nodes, no forecast). Target: the forecast's curve dominates the headroom curve (for the same
// node-hours, a lower p95). The verdict is computed per seed and on the means, from the figures.
//
// Two forecast curves: the level (the floor is the backlog the forecast expects) and the spread (the floor is the
// busy nodes plus ⌈k·√forecast⌉ ready ones, lib/forecast/spread.ts), each with its own verdict. Why the level
// buys little: a day's backlog is above or below the seasonal mean by about its square root, so the level floor
// keeps idle nodes when the backlog is below the mean (no one waits then) and none when it is above (when jobs
// wait). `--by-hour` shows it: the last day of seed 1, hour by hour, for no headroom, the level and the spread.
//
// The forecast's curve is its variants' Pareto front (a variant another forecast variant beats on both is a
// poor setting, not the curve). Each of its points is compared with the headroom curve at the same node-hours,
// linearly interpolated between the two headroom values around it: `below` (lower p95), `above`, or
// `outside` (beyond the headroom curve's node-hours, where it cannot be read: more headroom values would tell).
//
//   npx tsx bench/forecast.ts [--seeds 3]
//   npx tsx bench/forecast.ts --by-hour [--seed 1]

import type { ForecastPolicy } from '../lib/scaling/policy';
import {
  type FloorOverrides,
  forecastPolicy,
  type Sample,
  simulate,
  type WindowFigures,
} from '../lib/simulate';
import { isMain, numberFlag } from './flags';
import { scenarioSetup } from './quality';

export const FORECAST_RUN_DAYS = 8;
const DAY = 86_400;
/** The day judged: the last of the run. */
export const lastDay = (days: number) => ({ from: (days - 1) * DAY, to: days * DAY });
/** Seeds 1-3: each seed is fifteen 8-day runs (see secondsPerRun). */
export const FORECAST_SEEDS = 3;
export const HEADROOM_CURVE_NODES = [0, 1, 2, 3, 4, 6, 8, 10, 12] as const;

export interface ForecastVariant {
  leadSeconds: number;
  /** Past days averaged. */
  days: number;
  /** Ready nodes kept above the busy ones as well (the higher floor wins); 0: none. */
  headroomNodes: number;
  /** The forecast's spread (ready nodes ⌈spread·√forecast⌉ above the busy ones, instead of the level). */
  spread?: number;
}

export const FORECAST_VARIANTS: readonly ForecastVariant[] = [
  { leadSeconds: 300, days: 7, headroomNodes: 0 },
  { leadSeconds: 600, days: 7, headroomNodes: 0 },
  { leadSeconds: 900, days: 7, headroomNodes: 0 },
  { leadSeconds: 600, days: 1, headroomNodes: 0 },
  { leadSeconds: 600, days: 3, headroomNodes: 0 },
  { leadSeconds: 300, days: 7, headroomNodes: 1 },
  { leadSeconds: 300, days: 7, headroomNodes: 2 },
  { leadSeconds: 300, days: 7, headroomNodes: 4 },
];

/** The spread curve: the config's defaults (lead 600 s, 7 days), spread from 0.5 to 2. */
export const SPREAD_VARIANTS: readonly ForecastVariant[] = [0.5, 1, 1.5, 2].map((spread) => ({
  leadSeconds: 600,
  days: 7,
  headroomNodes: 0,
  spread,
}));

export interface CurvePoint {
  label: string;
  nodeHours: number;
  waitP50Seconds: number;
  waitP95Seconds: number;
}

export type Placement = 'below' | 'above' | 'outside';

export interface ComparedPoint extends CurvePoint {
  /** The headroom curve's p95 at the same node-hours; undefined outside its range. */
  headroomP95Seconds?: number;
  placement: Placement;
}

export interface CurveVerdict {
  /** Every point of the forecast's front is below the headroom curve. */
  dominates: boolean;
  /** The forecast's front, each point placed against the headroom curve. */
  front: ComparedPoint[];
}

export interface ForecastSeed {
  seed: number;
  headroom: CurvePoint[];
  forecast: CurvePoint[];
  verdict: CurveVerdict;
  spread: CurvePoint[];
  spreadVerdict: CurveVerdict;
}

export interface ForecastFigures {
  days: number;
  window: { from: number; to: number };
  seeds: number[];
  /** Means over the seeds. */
  headroom: CurvePoint[];
  forecast: CurvePoint[];
  /** On the means. */
  verdict: CurveVerdict;
  /** The spread variants' means, and their verdict on the means. */
  spread: CurvePoint[];
  spreadVerdict: CurveVerdict;
  perSeed: ForecastSeed[];
  /** Wall-clock seconds of one 8-day run, mean, without and with a forecast (the planner's share: see README). */
  secondsPerRun: { headroom: number; forecast: number };
}

export interface ForecastOptions {
  seeds?: number;
  /** Simulated days (default FORECAST_RUN_DAYS); the last is judged. */
  days?: number;
  headroomNodes?: readonly number[];
  variants?: readonly ForecastVariant[];
  spreadVariants?: readonly ForecastVariant[];
}

export function benchForecast(options: ForecastOptions = {}): ForecastFigures {
  const seeds = Array.from({ length: options.seeds ?? FORECAST_SEEDS }, (_, i) => i + 1);
  const headroomNodes = options.headroomNodes ?? HEADROOM_CURVE_NODES;
  const variants = options.variants ?? FORECAST_VARIANTS;
  const spreadVariants = options.spreadVariants ?? SPREAD_VARIANTS;
  const days = options.days ?? FORECAST_RUN_DAYS;
  const timing = { headroom: [] as number[], forecast: [] as number[] };
  const timed = (kind: keyof typeof timing, run: () => CurvePoint): CurvePoint => {
    const started = performance.now();
    const point = run();
    timing[kind].push((performance.now() - started) / 1000);
    return point;
  };
  const perSeed = seeds.map((seed): ForecastSeed => {
    const headroom = headroomNodes.map((nodes) =>
      timed('headroom', () =>
        lastDayPoint(seed, days, headroomLabel(nodes), { headroom: headroomOf(nodes) }),
      ),
    );
    const curve = (list: readonly ForecastVariant[]) =>
      list.map((variant) =>
        timed('forecast', () =>
          lastDayPoint(seed, days, variantLabel(variant), {
            headroom: headroomOf(variant.headroomNodes),
            forecast: variantPolicy(variant),
          }),
        ),
      );
    const forecast = curve(variants);
    const spread = curve(spreadVariants);
    return {
      seed,
      headroom,
      forecast,
      verdict: compareCurves(headroom, forecast),
      spread,
      spreadVerdict: compareCurves(headroom, spread),
    };
  });
  const headroom = meanCurve(perSeed.map((s) => s.headroom));
  const forecast = meanCurve(perSeed.map((s) => s.forecast));
  const spread = meanCurve(perSeed.map((s) => s.spread));
  return {
    days,
    window: lastDay(days),
    seeds,
    headroom,
    forecast,
    verdict: compareCurves(headroom, forecast),
    spread,
    spreadVerdict: compareCurves(headroom, spread),
    perSeed,
    secondsPerRun: { headroom: mean(timing.headroom), forecast: mean(timing.forecast) },
  };
}

const headroomOf = (nodes: number): FloorOverrides['headroom'] => (nodes === 0 ? null : { nodes });

const headroomLabel = (nodes: number): string =>
  nodes === 0 ? 'no headroom' : `headroom ${nodes} node${nodes === 1 ? '' : 's'}`;

export const variantLabel = (v: ForecastVariant): string =>
  `${v.spread === undefined ? '' : `spread ${v.spread}, `}lead ${v.leadSeconds} s, ${v.days} day${v.days === 1 ? '' : 's'}${v.headroomNodes > 0 ? `, +${v.headroomNodes} ready` : ''}`;

const variantPolicy = (v: ForecastVariant): ForecastPolicy =>
  forecastPolicy({
    leadSeconds: v.leadSeconds,
    days: v.days,
    ...(v.spread === undefined ? {} : { spread: v.spread }),
  });

function lastDayPoint(seed: number, days: number, label: string, floors: FloorOverrides): CurvePoint {
  const setup = scenarioSetup('diurnal', seed, { days, floors });
  const window = simulate(setup, 'policy', { window: lastDay(days), drawForecast: false })
    .window as WindowFigures;
  return pointOf(label, window);
}

const pointOf = (label: string, window: WindowFigures): CurvePoint => ({
  label,
  nodeHours: window.nodeHours,
  waitP50Seconds: window.waitSeconds.p50,
  waitP95Seconds: window.waitSeconds.p95,
});

const mean = (values: readonly number[]): number =>
  values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length;

function meanCurve(curves: readonly CurvePoint[][]): CurvePoint[] {
  return (curves[0] ?? []).map((first, i) => {
    const at = (pick: (p: CurvePoint) => number) => mean(curves.map((curve) => pick(curve[i] as CurvePoint)));
    return {
      label: first.label,
      nodeHours: at((p) => p.nodeHours),
      waitP50Seconds: at((p) => p.waitP50Seconds),
      waitP95Seconds: at((p) => p.waitP95Seconds),
    };
  });
}

/** The points no other point beats on both node-hours and p95 (at least as good on both, better on one). */
export function paretoFront(points: readonly CurvePoint[]): CurvePoint[] {
  const beats = (a: CurvePoint, b: CurvePoint) =>
    a.nodeHours <= b.nodeHours &&
    a.waitP95Seconds <= b.waitP95Seconds &&
    (a.nodeHours < b.nodeHours || a.waitP95Seconds < b.waitP95Seconds);
  return points.filter((p) => !points.some((q) => beats(q, p))).sort((a, b) => a.nodeHours - b.nodeHours);
}

/** The headroom curve's p95 at these node-hours, linear between its points; undefined outside them. */
export function p95At(curve: readonly CurvePoint[], nodeHours: number): number | undefined {
  const sorted = [...curve].sort((a, b) => a.nodeHours - b.nodeHours);
  for (let i = 0; i < sorted.length; i++) {
    const low = sorted[i] as CurvePoint;
    if (nodeHours === low.nodeHours) return low.waitP95Seconds;
    const high = sorted[i + 1];
    if (high === undefined || !(nodeHours > low.nodeHours && nodeHours < high.nodeHours)) continue;
    const share = (nodeHours - low.nodeHours) / (high.nodeHours - low.nodeHours);
    return low.waitP95Seconds + share * (high.waitP95Seconds - low.waitP95Seconds);
  }
  return undefined;
}

/**
 * Each point of the forecast's front against the headroom curve. Beyond the headroom curve's node-hours a point
 * can still be placed where it settles the question: cheaper than no headroom with a lower p95 than it is below;
 * dearer than the most headroom with no lower p95 than it is above; otherwise it is outside.
 */
export function compareCurves(
  headroom: readonly CurvePoint[],
  forecast: readonly CurvePoint[],
): CurveVerdict {
  const sorted = [...headroom].sort((a, b) => a.nodeHours - b.nodeHours);
  const cheapest = sorted[0];
  const dearest = sorted[sorted.length - 1];
  const front = paretoFront(forecast).map((point): ComparedPoint => {
    const p95 = p95At(sorted, point.nodeHours);
    if (p95 !== undefined)
      return {
        ...point,
        headroomP95Seconds: p95,
        placement: point.waitP95Seconds < p95 ? 'below' : 'above',
      };
    if (cheapest !== undefined && point.nodeHours < cheapest.nodeHours)
      return { ...point, placement: point.waitP95Seconds < cheapest.waitP95Seconds ? 'below' : 'outside' };
    if (dearest !== undefined && point.nodeHours > dearest.nodeHours)
      return { ...point, placement: point.waitP95Seconds >= dearest.waitP95Seconds ? 'above' : 'outside' };
    return { ...point, placement: 'outside' };
  });
  return { dominates: front.length > 0 && front.every((p) => p.placement === 'below'), front };
}

function curveLines(title: string, points: readonly CurvePoint[]): string[] {
  const lines = [`  ${title.padEnd(30)} ${['node-h', 'p50 s', 'p95 s'].map((c) => c.padStart(8)).join(' ')}`];
  for (const p of points) {
    const cells = [p.nodeHours.toFixed(1), p.waitP50Seconds.toFixed(0), p.waitP95Seconds.toFixed(0)];
    lines.push(`  ${p.label.padEnd(30)} ${cells.map((c) => c.padStart(8)).join(' ')}`);
  }
  return lines;
}

/** Each front point against the headroom curve: "lead 300 s, 7 days: 506.7 node-h, p95 321 s vs 218 s: above". */
export function pointLine(p: ComparedPoint): string {
  const versus =
    p.headroomP95Seconds === undefined
      ? 'outside the headroom curve'
      : `${p.headroomP95Seconds.toFixed(0)} s with headroom at the same node-hours`;
  return `${p.label}: ${p.nodeHours.toFixed(1)} node-h, p95 ${p.waitP95Seconds.toFixed(0)} s vs ${versus}: ${p.placement}`;
}

/** The verdict in one line: dominates or not, and how many front points sit below, above or outside. */
export function verdictLine(verdict: CurveVerdict): string {
  const count = (placement: Placement) => verdict.front.filter((p) => p.placement === placement).length;
  const margins = verdict.front.flatMap((p) =>
    p.headroomP95Seconds === undefined ? [] : [p.waitP95Seconds - p.headroomP95Seconds],
  );
  const range =
    margins.length === 0
      ? ''
      : `; p95 minus the headroom curve's: ${signed(Math.min(...margins))} to ${signed(Math.max(...margins))} s`;
  return (
    `${verdict.dominates ? 'dominates' : 'does NOT dominate'}: of ${verdict.front.length} front points, ` +
    `${count('below')} below, ${count('above')} above, ${count('outside')} outside${range}`
  );
}

const signed = (value: number): string => `${value >= 0 ? '+' : ''}${value.toFixed(0)}`;

export function formatForecast(figures: ForecastFigures): string {
  const hours = (seconds: number) => `${seconds / 3600} h`;
  const lines = [
    `forecast on diurnal x ${figures.days} days: the last day alone (${hours(figures.window.from)} to ` +
      `${hours(figures.window.to)}), means over seeds ${figures.seeds.join(', ')}; the forecast learns from the ` +
      'run itself; target: its curve dominates constant headroom (for the same node-hours, a lower p95)',
    ...curveLines('constant headroom', figures.headroom),
    ...curveLines('forecast (daily level)', figures.forecast),
    `  verdict on the means: ${verdictLine(figures.verdict)}`,
    ...figures.verdict.front.map((p) => `    ${pointLine(p)}`),
    '  verdicts, per seed:',
    ...figures.perSeed.map((s) => `  ${String(s.seed).padEnd(6)} ${verdictLine(s.verdict)}`),
    ...curveLines('forecast (daily spread)', figures.spread),
    `  verdict on the means: ${verdictLine(figures.spreadVerdict)}`,
    ...figures.spreadVerdict.front.map((p) => `    ${pointLine(p)}`),
    '  verdicts, per seed:',
    ...figures.perSeed.map((s) => `  ${String(s.seed).padEnd(6)} ${verdictLine(s.spreadVerdict)}`),
    `  one ${figures.days}-day run: ${figures.secondsPerRun.headroom.toFixed(1)} s without a forecast, ` +
      `${figures.secondsPerRun.forecast.toFixed(1)} s with one (wall clock)`,
  ];
  return lines.join('\n');
}

/** One run's last day, hour by hour: means over the hour's cycles. */
export interface HourRow {
  hour: number;
  /** Queued plus running work, in nodes. */
  backlog: number;
  /** The forecast the cycle read (0 before it forecasts, or without one). */
  forecast: number;
  /** Ready nodes without a job. */
  idle: number;
  /** Work waiting for nodes (the backlog the busy nodes do not run). */
  queued: number;
}

export interface HourlyRun {
  label: string;
  point: CurvePoint;
  hours: HourRow[];
}

/** Where the waits and the idle nodes are on the last day: no headroom, the level forecast, the spread. */
export const BY_HOUR_VARIANTS: readonly (ForecastVariant | undefined)[] = [
  undefined,
  { leadSeconds: 600, days: 7, headroomNodes: 0 },
  { leadSeconds: 600, days: 7, headroomNodes: 0, spread: 1 },
];

export function benchByHour(
  seed = 1,
  days = FORECAST_RUN_DAYS,
  variants: readonly (ForecastVariant | undefined)[] = BY_HOUR_VARIANTS,
): HourlyRun[] {
  return variants.map((variant) => {
    const label = variant === undefined ? headroomLabel(0) : variantLabel(variant);
    const floors: FloorOverrides =
      variant === undefined ? { headroom: null } : { headroom: null, forecast: variantPolicy(variant) };
    const setup = scenarioSetup('diurnal', seed, { days, floors });
    const result = simulate(setup, 'policy', { window: lastDay(days) });
    const { from } = lastDay(days);
    const hours = Array.from({ length: 24 }, (_, hour) =>
      hourRow(
        hour,
        result.series.filter((s) => s.t >= from + hour * 3600 && s.t < from + (hour + 1) * 3600),
      ),
    );
    return { label, point: pointOf(label, result.window as WindowFigures), hours };
  });
}

function hourRow(hour: number, samples: readonly Sample[]): HourRow {
  const at = (pick: (s: Sample) => number) => mean(samples.map(pick));
  return {
    hour,
    backlog: at((s) => s.backlog),
    forecast: at((s) => s.forecast ?? 0),
    idle: at((s) => s.available - s.busy),
    queued: at((s) => s.backlog - s.busy),
  };
}

export function formatByHour(runs: readonly HourlyRun[], seed = 1): string {
  const lines = [
    `the last day of seed ${seed}, hour by hour (means over its cycles, in nodes): backlog, forecast, ` +
      'idle (ready without a job) and queued (work waiting for nodes)',
    ...runs.map(
      (r, i) =>
        `  [${i + 1}] ${r.label}: ${r.point.nodeHours.toFixed(1)} node-h, p50 ` +
        `${r.point.waitP50Seconds.toFixed(0)} s, p95 ${r.point.waitP95Seconds.toFixed(0)} s`,
    ),
    `  hour ${runs.map((_, i) => `[${i + 1}] backlog forecast idle queued`.padStart(36)).join('')}`,
  ];
  for (let hour = 0; hour < 24; hour++) {
    const cells = runs.map((r) => {
      const row = r.hours[hour] as HourRow;
      return [row.backlog, row.forecast, row.idle, row.queued]
        .map((v) => v.toFixed(1).padStart(7))
        .join(' ')
        .padStart(36);
    });
    lines.push(`  ${String(hour).padStart(4)} ${cells.join('')}`);
  }
  return lines.join('\n');
}

if (isMain(import.meta.url)) {
  const seeds = numberFlag('seeds');
  const seed = numberFlag('seed') ?? 1;
  if (process.argv.includes('--by-hour')) console.log(formatByHour(benchByHour(seed), seed));
  else console.log(formatForecast(benchForecast(seeds === undefined ? {} : { seeds })));
}

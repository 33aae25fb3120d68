import type { Sample, SimulationResult } from './simulate';

// A hand-written SVG of each simulation: one panel per policy, sharing the time axis and the node axis, with
// backlog, target, available and busy nodes as step lines (each value holds until the next cycle), and, when the
// policy forecasts, the backlog it expects within its lead (from the cycle it first forecasts). Every number is
// printed with fixed decimals, so the same results give the same bytes.

const WIDTH = 960;
const PANEL_HEIGHT = 230;
const TOP = 44;
const LEFT = 56;
const RIGHT = 16;
const PANEL_TOP = 28;
const PANEL_BOTTOM = 30;

type SeriesKey = keyof Omit<Sample, 't'>;
interface Line {
  key: SeriesKey;
  label: string;
  color: string;
  dash?: string;
}

const SERIES: Line[] = [
  { key: 'backlog', label: 'backlog', color: '#d9480f' },
  { key: 'target', label: 'target (requested nodes)', color: '#1c7ed6' },
  { key: 'available', label: 'available nodes', color: '#2b8a3e' },
  { key: 'busy', label: 'busy nodes', color: '#868e96', dash: '4 3' },
];
/** Drawn only when a panel has it: a policy without a forecast has no such line. */
const FORECAST: Line = {
  key: 'forecast',
  label: 'forecast backlog (within the lead)',
  color: '#ae3ec9',
  dash: '2 2',
};

export function renderChart(
  results: readonly SimulationResult[],
  title: string,
  durationSeconds: number,
): string {
  const height = TOP + results.length * PANEL_HEIGHT;
  let top = 0;
  for (const result of results)
    for (const s of result.series)
      top = Math.max(top, s.backlog, s.target, s.available, s.busy, s.forecast ?? 0);
  const yMax = niceCeiling(Math.max(top, 1));
  const forecasts = results.some(hasForecast);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    `<text x="${LEFT}" y="18" font-size="14" font-weight="bold">${xmlText(title)}</text>`,
    legend(forecasts ? [...SERIES, FORECAST] : SERIES),
  ];
  results.forEach((result, index) => {
    parts.push(panel(result, TOP + index * PANEL_HEIGHT, yMax, durationSeconds));
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

const hasForecast = (result: SimulationResult): boolean =>
  result.series.some((sample) => sample.forecast !== undefined);

function legend(lines: readonly Line[]): string {
  let x = LEFT;
  const items = lines.map(({ label, color, dash }) => {
    const item =
      `<line x1="${x}" y1="33" x2="${x + 18}" y2="33" stroke="${color}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ''}/>` +
      `<text x="${x + 22}" y="37">${xmlText(label)}</text>`;
    x += 30 + label.length * 6.5;
    return item;
  });
  return items.join('');
}

function panel(result: SimulationResult, y0: number, yMax: number, duration: number): string {
  const plotTop = y0 + PANEL_TOP;
  const plotBottom = y0 + PANEL_HEIGHT - PANEL_BOTTOM;
  const plotRight = WIDTH - RIGHT;
  const x = (t: number) => LEFT + (t / duration) * (plotRight - LEFT);
  const y = (v: number) => plotBottom - (v / yMax) * (plotBottom - plotTop);
  const { figures } = result;
  const ratio = figures.nodeHoursPerBusyNodeHour;
  const heading =
    `${result.label}: ${fixed(figures.nodeHours, 1)} node-hours, ` +
    `${ratio === null ? '-' : fixed(ratio, 2)} per busy node-hour, wait p95 ${fixed(figures.waitSeconds.p95, 0)} s, ` +
    `${figures.neverStarted} never started, ${figures.scaleActions} updates`;
  const parts = [
    `<g>`,
    `<text x="${LEFT}" y="${y0 + 18}" font-size="12" font-weight="bold">${xmlText(heading)}</text>`,
    `<rect x="${LEFT}" y="${plotTop}" width="${fixed(plotRight - LEFT, 1)}" height="${fixed(plotBottom - plotTop, 1)}" fill="none" stroke="#ced4da"/>`,
  ];
  for (const tick of ticks(yMax, 5)) {
    const ty = fixed(y(tick), 1);
    parts.push(
      `<line x1="${LEFT}" y1="${ty}" x2="${plotRight}" y2="${ty}" stroke="#f1f3f5"/>`,
      `<text x="${LEFT - 6}" y="${ty}" text-anchor="end" dominant-baseline="middle">${tick}</text>`,
    );
  }
  const hours = duration / 3600;
  for (const tick of ticks(hours, 12)) {
    const tx = fixed(x(tick * 3600), 1);
    parts.push(
      `<line x1="${tx}" y1="${plotBottom}" x2="${tx}" y2="${plotBottom + 4}" stroke="#495057"/>`,
      `<text x="${tx}" y="${plotBottom + 16}" text-anchor="middle">${tick}h</text>`,
    );
  }
  for (const { key, color, dash } of hasForecast(result) ? [...SERIES, FORECAST] : SERIES) {
    for (const run of stepRuns(result.series, key, duration)) {
      const points = run.map(([t, v]) => `${fixed(x(t), 1)},${fixed(y(v), 1)}`).join(' ');
      parts.push(
        `<polyline fill="none" stroke="${color}" stroke-width="1.5"${dash ? ` stroke-dasharray="${dash}"` : ''}${key === 'forecast' ? ' data-series="forecast"' : ''} points="${points}"/>`,
      );
    }
  }
  parts.push('</g>');
  return parts.join('\n');
}

/**
 * Each sample's value held until the next sample (the last until the end), as runs of samples that have one:
 * a cycle without a forecast breaks the forecast's line.
 */
function stepRuns(series: readonly Sample[], key: SeriesKey, end: number): [number, number][][] {
  const runs: [number, number][][] = [];
  let points: [number, number][] = [];
  series.forEach((sample, i) => {
    const value = sample[key];
    if (value === undefined) {
      if (points.length > 0) runs.push(points);
      points = [];
      return;
    }
    const next = series[i + 1]?.t ?? end;
    points.push([sample.t, value], [next, value]);
  });
  if (points.length > 0) runs.push(points);
  return runs;
}

/** Round tick values from 0 to max, at most about `count` of them. */
function ticks(max: number, count: number): number[] {
  const stepSize = niceCeiling(max / count);
  const values: number[] = [];
  for (let v = 0; v <= max + 1e-9; v += stepSize) values.push(Math.round(v * 1000) / 1000);
  return values;
}

/** The smallest 1, 2 or 5 times a power of ten at or above `value`. */
function niceCeiling(value: number): number {
  const power = 10 ** Math.floor(Math.log10(value));
  for (const m of [1, 2, 5, 10]) if (m * power >= value - 1e-9) return m * power;
  return 10 * power;
}

const fixed = (value: number, digits: number): string => value.toFixed(digits);

const xmlText = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

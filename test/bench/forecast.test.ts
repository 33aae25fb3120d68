import { describe, expect, it } from 'vitest';
import {
  benchByHour,
  benchForecast,
  type CurvePoint,
  compareCurves,
  formatByHour,
  formatForecast,
  p95At,
  paretoFront,
  pointLine,
  verdictLine,
} from '../../bench/forecast';

const at = (label: string, nodeHours: number, p95: number): CurvePoint => ({
  label,
  nodeHours,
  waitP50Seconds: 0,
  waitP95Seconds: p95,
});

const HEADROOM = [at('h0', 100, 340), at('h2', 120, 300), at('h4', 140, 200)];

describe('the forecast against the headroom curve', () => {
  it('reads the headroom curve at the same node-hours, linearly between its points', () => {
    expect(p95At(HEADROOM, 100)).toBe(340);
    expect(p95At(HEADROOM, 110)).toBe(320);
    expect(p95At(HEADROOM, 135)).toBe(225);
    expect(p95At(HEADROOM, 140)).toBe(200);
    expect(p95At(HEADROOM, 99)).toBeUndefined();
    expect(p95At(HEADROOM, 141)).toBeUndefined();
  });

  it('keeps the front: a variant another beats on both node-hours and p95 is not on the curve', () => {
    const front = paretoFront([at('a', 130, 250), at('b', 125, 260), at('c', 131, 250), at('d', 110, 330)]);
    expect(front.map((p) => p.label)).toEqual(['d', 'b', 'a']);
  });

  it('dominates only when every front point has a lower p95 than headroom at the same node-hours', () => {
    const better = compareCurves(HEADROOM, [at('f1', 110, 300), at('f2', 130, 240), at('f3', 95, 330)]);
    expect(better.front.map((p) => [p.label, p.placement, p.headroomP95Seconds])).toEqual([
      ['f3', 'below', undefined],
      ['f1', 'below', 320],
      ['f2', 'below', 250],
    ]);
    expect(better.dominates).toBe(true);
    expect(verdictLine(better)).toBe(
      "dominates: of 3 front points, 3 below, 0 above, 0 outside; p95 minus the headroom curve's: -20 to -10 s",
    );

    const worse = compareCurves(HEADROOM, [at('f1', 110, 330), at('f2', 150, 180), at('f3', 160, 250)]);
    expect(worse.front.map((p) => [p.label, p.placement])).toEqual([
      ['f1', 'above'],
      ['f2', 'outside'],
    ]);
    expect(worse.dominates).toBe(false);
    expect(pointLine(worse.front[0] as never)).toBe(
      'f1: 110.0 node-h, p95 330 s vs 320 s with headroom at the same node-hours: above',
    );
    // Dearer than the most headroom and no better: above; cheaper than none but no lower p95: outside.
    expect(compareCurves(HEADROOM, [at('f', 150, 200)]).front[0]?.placement).toBe('above');
    expect(compareCurves(HEADROOM, [at('f', 90, 340)]).front[0]?.placement).toBe('outside');
  });

  it('judges the last day of a diurnal run the forecast learned from, and prints both curves and the verdict', () => {
    const figures = benchForecast({
      seeds: 1,
      days: 2,
      headroomNodes: [0, 4],
      variants: [{ leadSeconds: 600, days: 7, headroomNodes: 0 }],
      spreadVariants: [{ leadSeconds: 600, days: 7, headroomNodes: 0, spread: 1 }],
    });
    expect(figures.window).toEqual({ from: 86_400, to: 172_800 });
    const [seed] = figures.perSeed;
    expect(seed?.headroom.map((p) => p.label)).toEqual(['no headroom', 'headroom 4 nodes']);
    expect(seed?.forecast.map((p) => p.label)).toEqual(['lead 600 s, 7 days']);
    expect(seed?.spread.map((p) => p.label)).toEqual(['spread 1, lead 600 s, 7 days']);
    expect(seed?.spreadVerdict).toEqual(compareCurves(seed?.headroom ?? [], seed?.spread ?? []));
    const [none, four] = seed?.headroom ?? [];
    const [forecast] = seed?.forecast ?? [];
    // The forecast acts on the second day: it keeps more nodes than none, and fewer jobs wait.
    expect(forecast?.nodeHours).toBeGreaterThan(none?.nodeHours ?? Number.POSITIVE_INFINITY);
    expect(forecast?.waitP50Seconds).toBeLessThan(none?.waitP50Seconds ?? 0);
    expect(seed?.verdict).toEqual(compareCurves(seed?.headroom ?? [], seed?.forecast ?? []));
    // Independently: the one forecast point against the line from no headroom to 4 nodes.
    if (none !== undefined && four !== undefined && forecast !== undefined) {
      const share = (forecast.nodeHours - none.nodeHours) / (four.nodeHours - none.nodeHours);
      if (share >= 0 && share <= 1) {
        const line = none.waitP95Seconds + share * (four.waitP95Seconds - none.waitP95Seconds);
        expect(seed?.verdict.dominates).toBe(forecast.waitP95Seconds < line);
      }
    }
    const text = formatForecast(figures);
    expect(text).toContain('forecast on diurnal x 2 days: the last day alone (24 h to 48 h)');
    expect(text).toContain(`  verdict on the means: ${verdictLine(figures.verdict)}`);
    expect(text).toContain(`\n  1      ${verdictLine(seed?.verdict ?? figures.verdict)}`);
    expect(text).toContain(`  verdict on the means: ${verdictLine(figures.spreadVerdict)}`);
    expect(text).toContain(`\n  1      ${verdictLine(seed?.spreadVerdict ?? figures.verdict)}`);
    expect(text).toMatch(/one 2-day run: \d+\.\d s without a forecast, \d+\.\d s with one/);
  });

  it('shows the last day hour by hour: the forecast each run read, its idle nodes and its queued work', () => {
    const [none, level] = benchByHour(1, 2, [undefined, { leadSeconds: 600, days: 7, headroomNodes: 0 }]);
    expect(none?.hours.map((h) => h.hour)).toEqual(Array.from({ length: 24 }, (_, h) => h));
    // No forecast without one; the level forecast reads the diurnal day, higher at noon than at midnight.
    expect(none?.hours.every((h) => h.forecast === 0)).toBe(true);
    expect(level?.hours[12]?.forecast).toBeGreaterThan(level?.hours[0]?.forecast ?? Number.POSITIVE_INFINITY);
    for (const row of [...(none?.hours ?? []), ...(level?.hours ?? [])]) {
      expect(row.idle).toBeGreaterThanOrEqual(0);
      expect(row.queued).toBeGreaterThanOrEqual(0);
    }
    const text = formatByHour([none, level] as never, 1);
    expect(text).toContain('[1] no headroom:');
    expect(text).toContain('[2] lead 600 s, 7 days:');
    expect(text.split('\n')).toHaveLength(4 + 24);
  });
});

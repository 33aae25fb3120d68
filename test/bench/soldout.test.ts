import { describe, expect, it } from 'vitest';
import { benchSoldOut, formatSoldOut, type SoldOutFigures, soldOutVerdict } from '../../bench/soldout';

// The bench's figures, checked by what does not depend on where the planner places growth: today's scaler sends
// the update the sold-out AZ refuses again cycle after cycle, and records no backoff; the stock-aware one records
// a backoff for each refusal it meets.

describe('the soldout benchmark', () => {
  const figures = benchSoldOut({ seeds: 1 });

  it('without stock awareness, repeats the refused update through the window and records no backoff', () => {
    // The window is 180 cycles long; the scaler wants to grow in most of them.
    expect(figures.unaware.refusedUpdates).toBeGreaterThan(90);
    expect(figures.unaware.backoffs).toBe(0);
  });

  it('with stock awareness, records a backoff for each refusal, and never refuses more than without', () => {
    expect(figures.aware.backoffs).toBeGreaterThan(0);
    expect(figures.aware.backoffs).toBe(figures.aware.refusedUpdates);
    expect(figures.aware.refusedUpdates).toBeLessThanOrEqual(figures.unaware.refusedUpdates);
  });

  it('prints both rows, the jobs tied to the sold-out AZ apart, and a verdict line', () => {
    const text = formatSoldOut(figures);
    const lines = text.split('\n');
    expect(lines[0]).toContain('means over seeds 1');
    const row = (aware: boolean) => lines.find((line) => line.trimStart().startsWith(`${aware} `)) ?? '';
    const { aware, unaware } = figures;
    for (const [line, r] of [
      [row(true), aware],
      [row(false), unaware],
    ] as const) {
      expect(line.trim().split(/\s+/)).toEqual([
        String(r.stockAware),
        r.runnableWaitP95Seconds.toFixed(0),
        r.nodeHours.toFixed(1),
        r.refusedUpdates.toFixed(1),
        r.backoffs.toFixed(1),
        r.tiedJobs.toFixed(1),
        r.tiedWaitP95Seconds.toFixed(0),
      ]);
    }
    expect(aware.tiedJobs).toBeGreaterThan(0);
    expect(lines.at(-1)).toBe(`  ${soldOutVerdict(figures)}`);
  });

  it('says what stock awareness changes, or that it changes nothing yet', () => {
    const base: SoldOutFigures = {
      seeds: [1],
      p95LimitSeconds: 420,
      aware: {
        stockAware: true,
        runnableWaitP95Seconds: 3000,
        nodeHours: 100,
        refusedUpdates: 120,
        backoffs: 120,
        tiedJobs: 7,
        tiedWaitP95Seconds: 3600,
      },
      unaware: {
        stockAware: false,
        runnableWaitP95Seconds: 3000,
        nodeHours: 100,
        refusedUpdates: 120,
        backoffs: 0,
        tiedJobs: 7,
        tiedWaitP95Seconds: 3600,
      },
    };
    expect(soldOutVerdict(base)).toBe(
      'verdict: stock awareness changes no wait or node-hour: the planner does not place growth by stock yet ' +
        '(backoffs recorded 120.0 vs 0.0); p95 target for jobs that can run (<= 420 s) with awareness: MISSED',
    );
    const better = {
      ...base,
      aware: { ...base.aware, runnableWaitP95Seconds: 400, nodeHours: 104.5, refusedUpdates: 8, backoffs: 8 },
    };
    expect(soldOutVerdict(better)).toBe(
      'verdict: stock awareness lowers the p95 wait of jobs that can run by 2600 s (+4.5 node-h, -112.0 refused ' +
        'updates); p95 target for jobs that can run (<= 420 s) with awareness: met',
    );
  });
});

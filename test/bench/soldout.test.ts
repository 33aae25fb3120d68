import { describe, expect, it } from 'vitest';
import {
  benchSoldOut,
  formatSoldOut,
  type SoldOutFigures,
  type SoldOutRow,
  soldOutVerdict,
} from '../../bench/soldout';

// The bench's figures, checked first by what does not depend on where the planner places growth: today's scaler
// sends the update the sold-out AZ refuses again cycle after cycle, and records no backoff; the stock-aware one
// records a backoff for each refusal it meets. Then what the planner's placement (cap-plan, merged) makes of it.

describe('the soldout benchmark', () => {
  const figures = benchSoldOut({ seeds: 1 });

  it('without stock awareness, repeats the refused update through the window and records no backoff', () => {
    // The window is 180 cycles long; the scaler wants to grow in most of them.
    expect(figures.unaware.refusedUpdates).toBeGreaterThan(90);
    expect(figures.unaware.backoffs).toBe(0);
  });

  it('with stock awareness, records a backoff for each refusal, and never refuses more than without', () => {
    for (const row of [figures.aware, figures.backoffsOnly]) {
      expect(row.backoffs).toBe(row.refusedUpdates);
      expect(row.refusedUpdates).toBeLessThanOrEqual(figures.unaware.refusedUpdates);
    }
    // With every stock read failing, only refusals tell the scaler: it meets some, and backs off each time.
    expect(figures.backoffsOnly.backoffs).toBeGreaterThan(0);
  });

  it('places growth in the AZ in stock: no refusal with the stock read, a few with backoffs alone, and a lower p95', () => {
    expect(figures.aware.refusedUpdates).toBe(0);
    // Backoffs of 5, 10, 20, then 30 minutes over a 3-hour window.
    expect(figures.backoffsOnly.refusedUpdates).toBeLessThan(10);
    for (const row of [figures.aware, figures.backoffsOnly]) {
      expect(row.runnableWaitP95Seconds).toBeLessThanOrEqual(figures.p95LimitSeconds);
      expect(row.runnableWaitP95Seconds).toBeLessThan(figures.unaware.runnableWaitP95Seconds);
    }
  });

  it('prints the three rows, the jobs tied to the sold-out AZ apart, and the verdict lines', () => {
    const text = formatSoldOut(figures);
    const lines = text.split('\n');
    expect(lines[0]).toContain('means over seeds 1');
    const row = (label: string) => lines.find((line) => line.trimStart().startsWith(`${label}  `)) ?? '';
    const { aware, backoffsOnly, unaware } = figures;
    for (const [label, r] of [
      ['true', aware],
      ['true (stock read fails)', backoffsOnly],
      ['false', unaware],
    ] as const) {
      expect(
        row(label)
          .trim()
          .split(/\s{2,}|\s(?=\d)/),
      ).toEqual([
        label,
        r.runnableWaitP95Seconds.toFixed(0),
        r.nodeHours.toFixed(1),
        r.refusedUpdates.toFixed(1),
        r.backoffs.toFixed(1),
        r.tiedJobs.toFixed(1),
        r.tiedWaitP95Seconds.toFixed(0),
      ]);
    }
    // No job of the scenario is tied to an AZ: every one can run somewhere.
    expect(aware.tiedJobs).toBe(0);
    expect(lines.at(-2)).toBe(`  ${soldOutVerdict(figures)}`);
    expect(lines.at(-1)).toContain('with every stock read failing, the backoffs alone: p95');
  });

  it('says what stock awareness changes, or that it changes nothing yet', () => {
    const row = (stockAware: boolean, backoffs: number): SoldOutRow => ({
      stockAware,
      stockReadFails: false,
      runnableWaitP95Seconds: 3000,
      nodeHours: 100,
      refusedUpdates: 120,
      backoffs,
      tiedJobs: 7,
      tiedWaitP95Seconds: 3600,
    });
    const base: SoldOutFigures = {
      seeds: [1],
      p95LimitSeconds: 420,
      aware: row(true, 120),
      backoffsOnly: { ...row(true, 120), stockReadFails: true },
      unaware: row(false, 0),
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

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  historyHorizon,
  nextFlavorHistory,
  pruneFlavorHistory,
  recommendationsOrSeed,
  windowExtremes,
} from '../../lib/scaling/history';
import type { Recommendation } from '../../lib/state/store';
import { ago, change, flavorPolicy, history, NOW, nodes, recs } from './builders';

const policy = flavorPolicy('f', {
  scaleUp: { stabilizationWindowSeconds: 60, policies: [nodes(4, 120)], cooldownSeconds: 30 },
  scaleDown: { stabilizationWindowSeconds: 300, cooldownSeconds: 600 },
});

describe('history horizons', () => {
  it('recommendations live as long as the longest window, events as the longest period or cooldown', () => {
    expect(historyHorizon(policy)).toEqual({ recommendationsMs: 300_000, eventsMs: 600_000 });
  });
});

describe('recommendationsOrSeed', () => {
  it('starts from the current count when nothing is stored', () => {
    expect(recommendationsOrSeed(undefined, 4, NOW)).toEqual([{ at: NOW, count: 4 }]);
    expect(recommendationsOrSeed(history(), 4, NOW)).toEqual([{ at: NOW, count: 4 }]);
  });

  it('reads the stored recommendations, even when none is inside the window any more', () => {
    const stored = recs([400, 9], [200, 6]);
    expect(recommendationsOrSeed(history(stored), 4, NOW)).toBe(stored);
    const aged = recs([300, 9]);
    expect(recommendationsOrSeed(history(aged), 4, NOW)).toBe(aged);
  });

  it('a window as long as the cycle keeps scaling down cycle after cycle (no re-seed)', () => {
    const downPolicy = flavorPolicy('f', { scaleDown: { stabilizationWindowSeconds: 60 } });
    let h = nextFlavorHistory(undefined, downPolicy, { now: ago(60), current: 10, desired: 10, target: 10 });
    // The next cycle, exactly one window later, reads the stored entry rather than the current count.
    expect(recommendationsOrSeed(h, 10, NOW)).toEqual([{ at: ago(60), count: 10 }]);
    h = nextFlavorHistory(h, downPolicy, { now: NOW, current: 10, desired: 3, target: 3 });
    expect(h.recommendations).toEqual([{ at: NOW, count: 3 }]);
  });
});

describe('nextFlavorHistory', () => {
  it('adds the recommendation and the change, and drops entries no window, period or cooldown reads', () => {
    const next = nextFlavorHistory(
      history(recs([400, 9], [200, 6], [30, 8]), [change(700, 1), change(100, 2)]),
      policy,
      {
        now: NOW,
        current: 4,
        desired: 10,
        target: 6,
      },
    );
    expect(next).toEqual({
      recommendations: [
        { at: ago(200), count: 6 },
        { at: ago(30), count: 8 },
        { at: NOW, count: 10 },
      ],
      events: [
        { at: ago(100), from: 100, to: 102 },
        { at: NOW, from: 4, to: 6 },
      ],
    });
  });

  it('keeps one entry for a count recommended cycle after cycle', () => {
    let h = history();
    for (let cycle = 0; cycle < 20; cycle++) {
      h = nextFlavorHistory(h, policy, { now: NOW + cycle * 30_000, current: 5, desired: 5, target: 5 });
    }
    expect(h).toEqual({ recommendations: [{ at: NOW + 19 * 30_000, count: 5 }], events: [] });
  });

  it('drops an older entry that a newer lower and a newer higher entry both cover', () => {
    const next = nextFlavorHistory(history(recs([100, 5], [60, 3], [30, 7])), policy, {
      now: NOW,
      current: 5,
      desired: 4,
      target: 5,
    });
    // 5 (100 s ago) has 3 below and 7 above it, both newer: no window can be decided by it.
    expect(next.recommendations).toEqual([
      { at: ago(60), count: 3 },
      { at: ago(30), count: 7 },
      { at: NOW, count: 4 },
    ]);
  });

  it('keeps nothing when every window is 0', () => {
    const zero = flavorPolicy('f');
    expect(nextFlavorHistory(undefined, zero, { now: NOW, current: 2, desired: 5, target: 5 })).toEqual({
      recommendations: [],
      events: [],
    });
  });

  it('sorts a history stored out of order before compacting it', () => {
    const next = nextFlavorHistory(history(recs([30, 7], [100, 5], [60, 3])), policy, {
      now: NOW,
      current: 5,
      desired: 4,
      target: 5,
    });
    expect(next.recommendations.map((r) => r.count)).toEqual([3, 7, 4]);
  });
});

describe('windowExtremes is exact', () => {
  // Every window a later cycle can ask about ("the last W seconds" at a time t >= now) gets the same lowest
  // and highest count from the compacted list as from the full one.
  const extremes = (entries: readonly Recommendation[], t: number, w: number) => {
    const inside = entries.filter((e) => e.at > t - w).map((e) => e.count);
    return inside.length === 0 ? undefined : [Math.min(...inside), Math.max(...inside)];
  };

  it('for any window and any later time', () => {
    const arbEntries = fc
      .array(fc.record({ at: fc.integer({ min: NOW - 600_000, max: NOW }), count: fc.nat(20) }), {
        maxLength: 25,
      })
      .map((list) => list.sort((a, b) => a.at - b.at));
    fc.assert(
      fc.property(
        arbEntries,
        fc.nat(20),
        fc.integer({ min: 0, max: 900_000 }),
        fc.integer({ min: 0, max: 600_000 }),
        fc.integer({ min: 1, max: 600_000 }),
        (entries, count, horizon, later, window) => {
          const latest = { at: NOW, count };
          const cutoff = NOW - horizon;
          const full = [...entries.filter((e) => e.at > cutoff), latest];
          const compact = windowExtremes(entries, cutoff, latest);
          expect(compact.length).toBeLessThanOrEqual(full.length);
          expect(compact.at(-1)).toBe(latest);
          const t = NOW + later;
          expect(extremes(compact, t, window)).toEqual(extremes(full, t, window));
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('pruneFlavorHistory', () => {
  it('keeps only what a window, period or cooldown reads, adding nothing', () => {
    expect(
      pruneFlavorHistory(history(recs([400, 9], [30, 8]), [change(700, 1), change(30, -1)]), policy, NOW),
    ).toEqual({
      recommendations: [{ at: ago(30), count: 8 }],
      events: [{ at: ago(30), from: 100, to: 99 }],
    });
  });
});

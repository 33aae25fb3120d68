import { describe, expect, it } from 'vitest';
import {
  benchHeadroom,
  formatHeadroom,
  HEADROOM_LIMITS,
  type HeadroomPoint,
  headroomVerdict,
  verdictText,
} from '../../bench/headroom';

const point = (headroom: string, ratio: number, p50: number, p95: number): HeadroomPoint => ({
  headroom,
  nodeHours: 100 * ratio,
  ratio,
  waitP50Seconds: p50,
  waitP95Seconds: p95,
});

describe('the headroom verdict on longjobs', () => {
  it('names every value meeting p50 < 60 s, p95 < the delay and at most 3% more node-hours', () => {
    const verdict = headroomVerdict(
      [point('0', 1, 315, 356), point('1', 1.02, 50, 290), point('2', 1.03, 0, 200), point('3', 1.031, 0, 0)],
      HEADROOM_LIMITS,
    );
    expect(verdict.met).toEqual(['1', '2']);
    expect(verdictText(verdict, HEADROOM_LIMITS)).toBe('met by 1 node, 2 nodes');
  });

  it('on a miss, says by how much: the cheapest value meeting the waits, and the best waits within 3%', () => {
    // A p50 of exactly 60 s or a p95 of exactly the delay is not under it.
    const points = [
      point('0', 1, 315, 356),
      point('1', 1.04, 60, 200),
      point('2', 1.077, 0, 300),
      point('3', 1.121, 0, 266),
      point('5%', 1.02, 100, 330),
    ];
    const verdict = headroomVerdict(points, HEADROOM_LIMITS);
    expect(verdict.met).toEqual([]);
    expect(verdict.cheapestWaits?.headroom).toBe('3');
    expect(verdict.bestWithinNodeHours?.headroom).toBe('5%');
    expect(verdictText(verdict, HEADROOM_LIMITS)).toBe(
      'MISSED; the waits from 3 nodes, at 1.121x (9.1 points over +3%); within +3%: 5% of busy (1.020x), p50 100 s, p95 330 s',
    );
    expect(verdictText(headroomVerdict([point('0', 1, 315, 356)], HEADROOM_LIMITS), HEADROOM_LIMITS)).toBe(
      'MISSED; no value meets both waits; within +3%: no headroom (1.000x), p50 315 s, p95 356 s',
    );
  });

  it('runs each value against the policy without headroom, seed by seed, and prints verdicts that follow from the figures', () => {
    const figures = benchHeadroom({ seeds: 1, values: ['0', '1', '6'] });
    const [seed] = figures.perSeed;
    const points = seed?.points ?? [];
    expect(points.map((p) => p.headroom)).toEqual(['0', '1', '6']);
    expect(points[0]?.ratio).toBe(1);
    // Idle nodes cost node-hours and cut the waits.
    expect(points[2]?.nodeHours).toBeGreaterThan(points[1]?.nodeHours ?? Number.POSITIVE_INFINITY);
    expect(points[1]?.nodeHours).toBeGreaterThan(points[0]?.nodeHours ?? Number.POSITIVE_INFINITY);
    expect(points[2]?.waitP95Seconds).toBeLessThan(points[0]?.waitP95Seconds ?? 0);
    // Worked out here from the figures, independently of headroomVerdict.
    const met = points
      .filter(
        (p) =>
          p.waitP50Seconds < 60 &&
          p.waitP95Seconds < 300 &&
          p.nodeHours <= 1.03 * (points[0]?.nodeHours ?? 0),
      )
      .map((p) => p.headroom);
    expect(seed?.verdict.met).toEqual(met);
    expect(figures.curve).toEqual(points);
    const text = formatHeadroom(figures);
    expect(text).toContain(
      'target: p50 wait < 60 s, p95 < 300 s (the provisioning delay), node-hours <= 1.03x',
    );
    expect(text).toMatch(
      new RegExp(`\\n  6 nodes +${points[2]?.nodeHours.toFixed(1)} +${points[2]?.ratio.toFixed(3)} `),
    );
    expect(text).toContain(`\n  1      ${verdictText(seed?.verdict ?? { met: [] }, HEADROOM_LIMITS)}`);
    expect(() => benchHeadroom({ seeds: 1, values: ['1'] })).toThrow(/must start with 0/);
  });
});

import { describe, expect, it } from 'vitest';
import {
  benchIdleSeconds,
  chooseIdleSeconds,
  formatIdleSeconds,
  type IdleSecondsRow,
} from '../../bench/idle-seconds';
import { SCENARIO_NAMES } from '../../lib/simulate';

const row = (idleSeconds: number, nodeHours: number, meetsP95: boolean): IdleSecondsRow => ({
  idleSeconds,
  nodeHours,
  meetsP95,
  scenarios: Object.fromEntries(
    SCENARIO_NAMES.map((name) => [name, { nodeHours: nodeHours / 4, waitP95Seconds: 0 }]),
  ) as IdleSecondsRow['scenarios'],
});

describe('choosing the default scaleDown.idleSeconds', () => {
  it('takes the fewest node-hours among the candidates that meet every p95 target, the shorter time on a tie', () => {
    expect(
      chooseIdleSeconds([row(0, 90, false), row(60, 100, true), row(120, 95, true), row(300, 95, true)]),
    ).toBe(120);
    expect(chooseIdleSeconds([row(0, 90, false)])).toBeUndefined();
  });

  it('runs every candidate on every scenario and prints the table with the value chosen', () => {
    const figures = benchIdleSeconds({ seeds: 1, candidates: [0, 600] });
    expect(figures.rows.map((r) => r.idleSeconds)).toEqual([0, 600]);
    for (const r of figures.rows) {
      expect(Object.keys(r.scenarios)).toEqual([...SCENARIO_NAMES]);
      expect(r.meetsP95).toBe(
        Object.values(r.scenarios).every((s) => s.waitP95Seconds <= figures.p95LimitSeconds),
      );
    }
    // Holding idle nodes ten minutes longer costs node-hours.
    expect(figures.rows[1]?.nodeHours).toBeGreaterThan(
      figures.rows[0]?.nodeHours ?? Number.POSITIVE_INFINITY,
    );
    expect(figures.chosen).toBe(chooseIdleSeconds(figures.rows));
    expect(formatIdleSeconds(figures)).toMatch(/chosen: idleSeconds \d+|chosen: none/);
  });
});

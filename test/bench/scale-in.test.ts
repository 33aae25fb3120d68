import { describe, expect, it } from 'vitest';
import {
  benchScaleIn,
  failedScaleInChecks,
  formatScaleIn,
  type ScaleInRow,
  scaleInChecks,
} from '../../bench/scale-in';
import type { ScaleDownMethod } from '../../lib/scale-in/types';
import { SCENARIO_NAMES, type ScenarioName } from '../../lib/simulate';

describe('the scale-in benchmark under platform-picks', () => {
  it('shows the count method killing jobs on every scenario and idle-nodes killing none', () => {
    const figures = benchScaleIn({ seeds: 1 });
    expect(figures.rows.map((r) => `${r.scenario}/${r.method}`)).toEqual(
      SCENARIO_NAMES.flatMap((name) => [`${name}/count`, `${name}/idle-nodes`]),
    );
    for (const r of figures.rows) {
      if (r.method === 'count') {
        expect(r.jobsKilled).toBeGreaterThan(0);
        expect(r.lostNodeHours).toBeGreaterThan(0);
      } else expect(r).toMatchObject({ jobsKilled: 0, lostNodeHours: 0 });
      expect(r.nodeHoursPerBusyNodeHour).toBeGreaterThan(1);
    }
    expect(failedScaleInChecks(figures)).toEqual([]);
    const text = formatScaleIn(figures);
    expect(text).toContain('steady    count');
    expect(text).toContain('check, spike: idle-nodes kills none (0.0 per seed): met');
  });

  it('misses a check for a scenario where count kills nothing or idle-nodes kills a job', () => {
    const row = (scenario: ScenarioName, method: ScaleDownMethod, jobsKilled: number): ScaleInRow => ({
      scenario,
      method,
      jobsKilled,
      lostNodeHours: jobsKilled,
      nodeHours: 10,
      nodeHoursPerBusyNodeHour: 1.2,
      waitP95Seconds: 300,
    });
    const rows = SCENARIO_NAMES.flatMap((name) => [row(name, 'count', 3), row(name, 'idle-nodes', 0)]);
    expect(scaleInChecks(rows).every((check) => check.met)).toBe(true);
    const missed = (changed: ScaleInRow[]) =>
      scaleInChecks(changed)
        .filter((check) => !check.met)
        .map((check) => check.detail);
    expect(missed([row('steady', 'count', 0), ...rows.slice(1)])).toEqual([
      'steady: count kills jobs (0.0 per seed)',
    ]);
    const spikeKills = rows.map((r) =>
      r.scenario === 'spike' && r.method === 'idle-nodes' ? row('spike', 'idle-nodes', 0.2) : r,
    );
    expect(missed(spikeKills)).toEqual(['spike: idle-nodes kills none (0.2 per seed)']);
  });
});

import { describe, expect, it } from 'vitest';
import { benchQuality, formatQuality } from '../../bench/quality';
import { SCENARIO_NAMES } from '../../lib/simulate';

describe('the scaling-quality benchmark', () => {
  it('reports every scenario for the default policy, each baseline and the alternatives, with their targets', async () => {
    const figures = await benchQuality({ seeds: 1 });
    expect(figures.p95LimitSeconds).toBe(300 + 2 * 60);
    expect(figures.scenarios.map((s) => s.scenario)).toEqual([...SCENARIO_NAMES]);
    for (const s of figures.scenarios) {
      expect(s.rows.map((row) => row.policy)).toEqual([
        'policy',
        'static-max',
        'static-mean',
        'keda',
        'keda-guarded',
        'hold-360',
        'backlog-az',
      ]);
      const [policy, , , keda, guarded] = s.rows;
      if (!policy || !keda || !guarded) throw new Error('missing rows');
      expect(s.gap.inFlightGuard).toBeCloseTo(guarded.nodeHours - keda.nodeHours, 9);
      expect(s.gap.inFlightGuard + s.gap.policyRules).toBeCloseTo(policy.nodeHours - keda.nodeHours, 9);
      expect(s.targets.policy.ratio.met).toBe(policy.nodeHoursPerBusyNodeHour <= 1.25);
      expect(s.targets.policy.p95.met).toBe(policy.waitP95Seconds <= figures.p95LimitSeconds);
      expect(s.targets.policy.versusKeda.met).toBe(
        policy.nodeHours < keda.nodeHours && policy.waitP95Seconds <= keda.waitP95Seconds,
      );
    }
    const text = formatQuality(figures);
    for (const name of SCENARIO_NAMES) expect(text).toContain(`${name} (`);
    expect(text).toContain('KEDA-equivalent');
    expect(text).toContain('360 s hold');
    expect(text).toContain('AZ backlog, no window');
    expect(text).toContain('targets, alternative backlog-az:');
    expect(text).toContain('KEDA-eq. + guard');
    expect(text).toMatch(/gap, default policy vs KEDA-equivalent: [+-]\d+\.\d node-h = in-flight guard/);
  });
});

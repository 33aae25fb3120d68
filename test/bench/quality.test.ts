import { describe, expect, it } from 'vitest';
import { benchQuality, formatQuality, scenarioSetup, VERDICT_HEADINGS } from '../../bench/quality';
import { type SeedFigures, VERDICT_NAMES, verdictsOf } from '../../bench/verdicts';
import { POLICY_NAMES, type SimulationFigures, setupBound } from '../../lib/simulate';

const ROWS = [...POLICY_NAMES, 'hold-360', 'backlog-az', 'bound'];

/** The verdict lines of one scenario's block, as printed: per seed, its five cells. */
function printedVerdicts(text: string, scenario: string): Map<number, string[]> {
  const lines = text.split('\n');
  const start = lines.findIndex((line) => line.startsWith(`${scenario} (`));
  const at = lines.findIndex((line, i) => i > start && line === '  verdicts, default policy:');
  const header = (lines[at + 1] ?? '').split('|').map((cell) => cell.trim());
  expect(header[0]).toBe(`seed   ${VERDICT_HEADINGS.versusClusterAutoscaler}`);
  expect(header.slice(1)).toEqual(VERDICT_NAMES.slice(1).map((name) => VERDICT_HEADINGS[name]));
  const rows = new Map<number, string[]>();
  for (let i = at + 2; /^ {2}\d+ /.test(lines[i] ?? ''); i++) {
    const cells = (lines[i] as string).split('|').map((cell) => cell.trim());
    const seed = Number((cells[0] ?? '').split(/\s+/)[0]);
    rows.set(seed, [(cells[0] ?? '').replace(/^\d+\s+/, ''), ...cells.slice(1)]);
  }
  return rows;
}

/** The outcome the targets give these figures, worked out here independently of bench/verdicts.ts. */
function expectedOutcomes(f: SeedFigures, p95Limit: number): string[] {
  const equalOrBetter = (baseline: SimulationFigures) =>
    f.policy.waitSeconds.p95 <= baseline.waitSeconds.p95 + 10;
  const ok = [
    f.policy.nodeHours <= 0.85 * f.clusterAutoscaler.nodeHours && equalOrBetter(f.clusterAutoscaler),
    f.policy.nodeHours <= 1.02 * f.bareRule.nodeHours && equalOrBetter(f.bareRule),
    f.policy.nodeHours <= 1.15 * f.boundNodeHours,
    f.policy.waitSeconds.p95 <= p95Limit,
    f.policy.jobsKilled === 0,
  ];
  return ok.map((met) => (met ? 'met' : 'MISSED'));
}

describe('the scaling-quality benchmark', () => {
  it('prints every baseline, the bound and a verdict per seed that follows from the figures', async () => {
    const scenarios = ['steady', 'spike'] as const;
    const figures = await benchQuality({ seeds: 2, scenarios });
    expect(figures.p95LimitSeconds).toBe(300 + 2 * 60);
    expect(figures.scenarios.map((s) => s.scenario)).toEqual([...scenarios]);
    const text = formatQuality(figures);
    for (const s of figures.scenarios) {
      expect(s.rows.map((row) => row.policy)).toEqual(ROWS);
      const bound = s.rows.find((row) => row.policy === 'bound');
      const bounds = s.seeds.map((seed) => setupBound(scenarioSetup(s.scenario, seed)).nodeHours);
      expect(bound?.nodeHours).toBeCloseTo((bounds[0] ?? 0) / 2 + (bounds[1] ?? 0) / 2, 9);
      for (const row of s.rows)
        expect(text).toMatch(new RegExp(`\\n {2}${literal(row.label)} +${row.nodeHours.toFixed(1)} `));
      const printed = printedVerdicts(text, s.scenario);
      expect([...printed.keys()]).toEqual(s.seeds);
      for (const q of s.perSeed) {
        const cells = printed.get(q.seed) ?? [];
        const outcomes = cells.map((cell) => cell.split(' ').at(-1));
        expect(outcomes).toEqual(expectedOutcomes(q.figures, figures.p95LimitSeconds));
        const ratio = (q.figures.policy.nodeHours / q.figures.boundNodeHours).toFixed(3);
        expect(cells[2]).toBe(`${ratio}x ${outcomes[2]}`);
        expect(cells[3]).toBe(`${q.figures.policy.waitSeconds.p95.toFixed(0)} s ${outcomes[3]}`);
      }
    }
    expect(text).toContain('KEDA-eq., free cancel (n/a): for information only, not achievable on ModelArts');
    expect(text).toContain('a cap for a policy that waits, not a floor');
    expect(text).toMatch(
      /gap, default policy vs KEDA-eq. with free cancellation: [+-]\d+\.\d node-h = in-flight guard/,
    );
  });

  it('misses a target when the figures miss it, and only reports where the scenario has no target', () => {
    const figures = (nodeHours: number, p95: number, jobsKilled = 0): SimulationFigures =>
      ({ nodeHours, waitSeconds: { p50: 0, p95, max: p95 }, jobsKilled }) as SimulationFigures;
    const seed: SeedFigures = {
      policy: figures(90, 400, 1),
      clusterAutoscaler: figures(100, 400),
      bareRule: figures(80, 300),
      boundNodeHours: 70,
    };
    const outcomes = (scenario: string) =>
      Object.values(verdictsOf(scenario, seed, 420)).map((verdict) => verdict.outcome);
    // 0.9x CA (needs 0.85x), 1.125x the bare rule and p95 +100 s, 1.286x the bound, p95 400 <= 420, one kill.
    expect(outcomes('steady')).toEqual(['MISSED', 'MISSED', 'MISSED', 'met', 'MISSED']);
    expect(outcomes('longjobs')).toEqual(['report', 'MISSED', 'MISSED', 'report', 'MISSED']);
    expect(outcomes('soldout')).toEqual(['report', 'report', 'report', 'report', 'MISSED']);
    const better = { ...seed, policy: figures(80, 405), bareRule: figures(79, 400) };
    // 0.8x CA at p95 +5 s, 1.013x the bare rule at +5 s, 1.143x the bound.
    expect(Object.values(verdictsOf('steady', better, 420)).map((v) => v.outcome)).toEqual([
      'met',
      'met',
      'met',
      'met',
      'met',
    ]);
  });
});

const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

import { describe, expect, it } from 'vitest';
import {
  benchQuality,
  formatQuality,
  IDLE_HEADINGS,
  scenarioSetup,
  VERDICT_HEADINGS,
} from '../../bench/quality';
import { type SeedFigures, VERDICT_NAMES, verdictsOf } from '../../bench/verdicts';
import {
  IDLE_CAUSES,
  type IdleHours,
  POLICY_NAMES,
  type SimulationFigures,
  setupBound,
} from '../../lib/simulate';

const ROWS = [...POLICY_NAMES, 'hold-360', 'backlog-az', 'no-window', 'drain-after', 'bound'];

/** The idle table of one scenario's block, as printed: its headings, and each row's cells by label. */
function printedIdle(text: string, scenario: string): { headings: string[]; rows: Map<string, string[]> } {
  const lines = text.split('\n');
  const start = lines.findIndex((line) => line.startsWith(`${scenario} (`));
  const at = lines.findIndex((line, i) => i > start && line.startsWith('  idle node-h by the rule'));
  const headings = (lines[at + 1] ?? '').trim().split(/ {2,}/);
  const rows = new Map<string, string[]>();
  for (let i = at + 2; (lines[i] ?? '').startsWith('    '); i++) {
    const [label, ...cells] = (lines[i] as string).trim().split(/ {2,}/);
    rows.set(label as string, cells.join(' ').split(/\s+/));
  }
  return { headings, rows };
}

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
      // Where the CA-eq. target sits against the bound, worked out here from the seeds' figures.
      const targets = s.perSeed.map(
        (q) => (0.85 * q.figures.clusterAutoscaler.nodeHours) / q.figures.boundNodeHours,
      );
      expect(text).toContain(
        `the CA-eq. target (0.85 x its node-hours) is ${Math.min(...targets).toFixed(3)}x to ` +
          `${Math.max(...targets).toFixed(3)}x the clairvoyant bound; below the bound on ` +
          `${targets.filter((t) => t < 1).length} of ${targets.length} seeds`,
      );
    }
    expect(text).toContain('KEDA-eq., free cancel (n/a): for information only, not achievable on ModelArts');
    expect(text).toContain('a cap for a policy that waits, not a floor');
    expect(text).toMatch(
      /gap, default policy vs KEDA-eq. with free cancellation: [+-]\d+\.\d node-h = in-flight guard/,
    );
  });

  it('prints where the idle node-hours go, rule by rule, for the default policy and the bare rule, and the price of the window', async () => {
    const figures = await benchQuality({ seeds: 2, scenarios: ['spike'] });
    const text = formatQuality(figures);
    const [s] = figures.scenarios;
    if (s === undefined) throw new Error('no scenario');
    const table = printedIdle(text, 'spike');
    expect(table.headings).toEqual([...IDLE_CAUSES.map((c) => IDLE_HEADINGS[c]), 'rest', 'node-h']);
    const mean = (list: IdleHours[], cause: (typeof IDLE_CAUSES)[number]) =>
      list.reduce((sum, hours) => sum + hours[cause], 0) / list.length;
    for (const [label, list, figuresOf] of [
      ['default policy', s.idle.policy, (q: (typeof s.perSeed)[number]) => q.figures.policy],
      ['KEDA-eq. + guard', s.idle.bareRule, (q: (typeof s.perSeed)[number]) => q.figures.bareRule],
    ] as const) {
      const cells = table.rows.get(label) ?? [];
      expect(cells.slice(0, IDLE_CAUSES.length)).toEqual(IDLE_CAUSES.map((c) => mean(list, c).toFixed(2)));
      // Every node-hour is busy, idle for a cause, or the rest: the rest is what the other columns leave.
      const nodeHours = s.perSeed.reduce((sum, q) => sum + figuresOf(q).nodeHours, 0) / s.perSeed.length;
      const busy = s.perSeed.reduce((sum, q) => sum + figuresOf(q).busyNodeHours, 0) / s.perSeed.length;
      const idle = IDLE_CAUSES.reduce((sum, c) => sum + mean(list, c), 0);
      expect(cells.at(-1)).toBe(nodeHours.toFixed(2));
      expect(Number(cells.at(-2))).toBeCloseTo(nodeHours - busy - idle, 2);
    }
    // The policy's window and drain hold nodes; the bare rule has neither, and idle-nodes pays no in-flight guard.
    expect(s.idle.bareRule.every((hours) => hours.window === 0 && hours.drain === 0)).toBe(true);
    expect(
      s.idle.policy.every((hours) => hours.window > 0 && hours.drain > 0 && hours['in-flight'] === 0),
    ).toBe(true);
    for (const q of s.perSeed) {
      const cells = table.rows.get(`seed ${q.seed}, policy - bare`) ?? [];
      const gap = q.figures.policy.nodeHours - q.figures.bareRule.nodeHours;
      expect(cells.at(-1)).toBe(`${gap >= 0 ? '+' : ''}${gap.toFixed(2)}`);
    }
    const window = mean(s.idle.policy, 'window').toFixed(2);
    expect(text).toContain(
      `idle node-h the default policy's own rules hold, mean per run: the scale-down window ${window} (`,
    );
    const find = (policy: string) => s.rows.find((r) => r.policy === policy);
    const net = (find('policy')?.nodeHours ?? 0) - (find('no-window')?.nodeHours ?? 0);
    expect(text).toContain(`the default policy bills ${net >= 0 ? '+' : ''}${net.toFixed(1)} node-h (`);
    const ahead = (find('policy')?.nodeHours ?? 0) - (find('drain-after')?.nodeHours ?? 0);
    expect(text).toContain(
      `drain-ahead: the default policy bills ${ahead >= 0 ? '+' : ''}${ahead.toFixed(1)} node-h (`,
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

// Scaling quality: every built-in scenario simulated with the product's default policy (the built-in flavor
// defaults, min 1, max 64, backlog in nodes at 1 per node), each baseline, the clairvoyant bound, and two
// documented alternatives: bench/hold-alternative.yaml (a 360 s scale-down window: hold idle nodes as long as
// re-buying one costs), bench/backlog-az-alternative.yaml (AZs by backlog, no scale-down window) and
// bench/no-window-alternative.yaml (the defaults without their window: what it costs net) and
// bench/drain-after-alternative.yaml (the defaults draining only after the window), over several seeds. The rows are per scenario over the seeds: node-hours and waits are means, the ratio is total node-hours
// over total busy node-hours.
//
//   npx tsx bench/quality.ts [--seeds 5]
//
// Targets for the default policy (issue #16), a verdict per seed and scenario ("equal or better p95" is no more
// than 10 s above the baseline's p95):
//   vs CA-eq.      at least 15% fewer node-hours than the cluster-autoscaler-equivalent, at equal or better p95
//   vs bare rule   at most 2% more node-hours than KEDA-eq. + guard (the bare rule under the platform's
//                  constraints), at equal or better p95
//   vs bound       at most 1.15x the clairvoyant bound's node-hours (the headline figure). The bound runs every
//                  job on arrival, so it is a cap for a policy that waits, not a floor
//   p95 wait       at most the provisioning delay plus two cycles
//   killed         no job killed
// Some scenarios only report a figure where others have a target (SCENARIO_TARGETS); a scenario not listed
// there has every target. KEDA-eq. with free cancellation is an information row: no platform we can point to
// cancels nodes still being created for free, so it is not achievable on ModelArts.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Config, parseConfig } from '../lib/config';
import {
  IDLE_CAUSES,
  type IdleCause,
  type IdleHours,
  INFORMATION_ONLY,
  POLICY_LABELS,
  POLICY_NAMES,
  type PolicyName,
  SCENARIO_NAMES,
  type ScenarioName,
  type ScenarioOptions,
  type SetupOptions,
  type SimulationFigures,
  type SimulationSetup,
  scenario,
  setupBound,
  simulate,
  simulationSetup,
} from '../lib/simulate';
import { isMain, numberFlag } from './flags';
import {
  CA_RATIO_TARGET,
  type SeedFigures,
  VERDICT_NAMES,
  type Verdict,
  type VerdictName,
  verdictsOf,
} from './verdicts';

export const PROVISIONING_DELAY_SECONDS = 300;
export const DELETION_DELAY_SECONDS = 60;
export const INTERVAL_SECONDS = 60;
/** The default policy's p95 wait target: the provisioning delay plus two cycles. */
export const P95_LIMIT_SECONDS = PROVISIONING_DELAY_SECONDS + 2 * INTERVAL_SECONDS;
/** Configs run beside the defaults, each as a row of its own. */
export const ALTERNATIVES = [
  { name: 'hold-360', label: '360 s hold', file: join(import.meta.dirname, 'hold-alternative.yaml') },
  {
    name: 'backlog-az',
    label: 'AZ backlog, no window',
    file: join(import.meta.dirname, 'backlog-az-alternative.yaml'),
  },
  {
    name: 'no-window',
    label: 'no scale-down window',
    file: join(import.meta.dirname, 'no-window-alternative.yaml'),
  },
  {
    name: 'drain-after',
    label: 'drain after the window',
    file: join(import.meta.dirname, 'drain-after-alternative.yaml'),
  },
] as const;
export type AlternativeName = (typeof ALTERNATIVES)[number]['name'];

export interface QualityRow {
  /** A policy name, an alternative's (the planner with that config), or 'bound'. */
  policy: PolicyName | AlternativeName | 'bound';
  label: string;
  nodeHours: number;
  busyNodeHours: number;
  nodeHoursPerBusyNodeHour: number;
  waitP50Seconds: number;
  waitP95Seconds: number;
  waitMaxSeconds: number;
  neverStarted: number;
  jobsKilled: number;
  scaleActions: number;
}

export interface SeedQuality {
  seed: number;
  figures: SeedFigures;
  verdicts: Record<VerdictName, Verdict>;
}

export interface ScenarioQuality {
  scenario: ScenarioName;
  seeds: number[];
  /** Mean jobs per seed. */
  jobs: number;
  rows: QualityRow[];
  /** The default policy's figures and verdicts, seed by seed. */
  perSeed: SeedQuality[];
  /** The default policy's node-hours over the KEDA-eq. information row's, split at KEDA-eq. + guard. */
  gap: { nodeHours: number; inFlightGuard: number; policyRules: number };
  /** Idle node-hours by the rule that kept the nodes, seed by seed: the default policy's and the bare rule's. */
  idle: { policy: IdleHours[]; bareRule: IdleHours[] };
}

export interface QualityFigures {
  provisioningDelaySeconds: number;
  deletionDelaySeconds: number;
  intervalSeconds: number;
  p95LimitSeconds: number;
  scenarios: ScenarioQuality[];
}

export interface QualityOptions {
  seeds?: number;
  /** Default every built-in scenario. */
  scenarios?: readonly ScenarioName[];
}

export async function benchQuality(options: QualityOptions = {}): Promise<QualityFigures> {
  const seeds = Array.from({ length: options.seeds ?? 5 }, (_, i) => i + 1);
  const alternatives = new Map<AlternativeName, Config>();
  for (const { name, file } of ALTERNATIVES) {
    alternatives.set(name, parseConfig({ text: await readFile(file, 'utf8'), env: {}, source: file }));
  }
  const names = options.scenarios ?? SCENARIO_NAMES;
  return {
    provisioningDelaySeconds: PROVISIONING_DELAY_SECONDS,
    deletionDelaySeconds: DELETION_DELAY_SECONDS,
    intervalSeconds: INTERVAL_SECONDS,
    p95LimitSeconds: P95_LIMIT_SECONDS,
    scenarios: names.map((name) => scenarioQuality(name, seeds, alternatives)),
  };
}

type Runs = Map<QualityRow['policy'], SimulationFigures[]>;

function scenarioQuality(
  name: ScenarioName,
  seeds: number[],
  alternatives: ReadonlyMap<AlternativeName, Config>,
): ScenarioQuality {
  const runs: Runs = new Map();
  const bounds: number[] = [];
  const idle: ScenarioQuality['idle'] = { policy: [], bareRule: [] };
  for (const seed of seeds) {
    const setup = scenarioSetup(name, seed);
    bounds.push(setupBound(setup).nodeHours);
    for (const policy of POLICY_NAMES) {
      const result = simulate(setup, policy, { drawForecast: false });
      push(runs, policy, result.figures);
      if (policy === 'policy') idle.policy.push(result.idle as IdleHours);
      if (policy === 'keda-guarded') idle.bareRule.push(result.idle as IdleHours);
    }
    for (const [alternative, config] of alternatives)
      push(runs, alternative, simulate(scenarioSetup(name, seed, { config }), 'policy').figures);
  }
  const rows = [...runs].map(([policy, figures]) => row(policy, figures));
  rows.push(boundRow(bounds));
  const at = (policy: QualityRow['policy'], index: number) => runs.get(policy)?.[index] as SimulationFigures;
  const perSeed = seeds.map((seed, index): SeedQuality => {
    const figures: SeedFigures = {
      policy: at('policy', index),
      clusterAutoscaler: at('cluster-autoscaler', index),
      bareRule: at('keda-guarded', index),
      boundNodeHours: bounds[index] as number,
    };
    return { seed, figures, verdicts: verdictsOf(name, figures, P95_LIMIT_SECONDS) };
  });
  const find = (policy: QualityRow['policy']) => rows.find((r) => r.policy === policy) as QualityRow;
  const [policy, guarded, keda] = [find('policy'), find('keda-guarded'), find('keda')];
  return {
    scenario: name,
    seeds,
    jobs: mean(seeds.map((seed) => scenario(name, seed).jobs.length)),
    rows,
    perSeed,
    gap: {
      nodeHours: policy.nodeHours - keda.nodeHours,
      inFlightGuard: guarded.nodeHours - keda.nodeHours,
      policyRules: policy.nodeHours - guarded.nodeHours,
    },
    idle,
  };
}

function push(runs: Runs, policy: QualityRow['policy'], figures: SimulationFigures): void {
  const list = runs.get(policy) ?? [];
  list.push(figures);
  runs.set(policy, list);
}

/** A built-in scenario as every quality figure runs it: the bench's delays and cycle, the scenario's max. */
export function scenarioSetup(
  name: ScenarioName,
  seed: number,
  options: Partial<
    Pick<SetupOptions, 'config' | 'platform' | 'scaleDown' | 'stockAware' | 'stockReadFails' | 'floors'>
  > &
    ScenarioOptions = {},
): SimulationSetup {
  const { days, ...setupOptions } = options;
  const built = scenario(name, seed, days === undefined ? {} : { days });
  return simulationSetup({
    name,
    jobs: built.jobs,
    ...(options.config === undefined ? { max: built.max } : {}),
    ...setupOptions,
    azs: built.azs,
    provisioningDelaySeconds: PROVISIONING_DELAY_SECONDS,
    deletionDelaySeconds: DELETION_DELAY_SECONDS,
    intervalSeconds: INTERVAL_SECONDS,
    durationSeconds: built.durationSeconds,
    soldOut: built.soldOut,
  }).setup;
}

const labelOf = (policy: QualityRow['policy']): string => {
  if (policy === 'policy') return 'default policy';
  if (policy === 'bound') return 'clairvoyant bound';
  const alternative = ALTERNATIVES.find((a) => a.name === policy);
  if (alternative !== undefined) return alternative.label;
  return POLICY_LABELS[policy as PolicyName];
};

function row(policy: QualityRow['policy'], figures: SimulationFigures[]): QualityRow {
  const sum = (pick: (f: SimulationFigures) => number) => figures.reduce((total, f) => total + pick(f), 0);
  return {
    policy,
    label: labelOf(policy),
    nodeHours: sum((f) => f.nodeHours) / figures.length,
    busyNodeHours: sum((f) => f.busyNodeHours) / figures.length,
    nodeHoursPerBusyNodeHour: sum((f) => f.nodeHours) / sum((f) => f.busyNodeHours),
    waitP50Seconds: sum((f) => f.waitSeconds.p50) / figures.length,
    waitP95Seconds: sum((f) => f.waitSeconds.p95) / figures.length,
    waitMaxSeconds: sum((f) => f.waitSeconds.max) / figures.length,
    neverStarted: sum((f) => f.neverStarted) / figures.length,
    jobsKilled: sum((f) => f.jobsKilled) / figures.length,
    scaleActions: sum((f) => f.scaleActions) / figures.length,
  };
}

/** The bound's row: its node-hours; every job starts on arrival, so no wait; busy and the rest are not its. */
function boundRow(bounds: readonly number[]): QualityRow {
  return {
    policy: 'bound',
    label: labelOf('bound'),
    nodeHours: mean([...bounds]),
    busyNodeHours: Number.NaN,
    nodeHoursPerBusyNodeHour: Number.NaN,
    waitP50Seconds: 0,
    waitP95Seconds: 0,
    waitMaxSeconds: 0,
    neverStarted: 0,
    jobsKilled: 0,
    scaleActions: Number.NaN,
  };
}

const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;

const COLUMNS = ['node-h', 'busy', 'ratio', 'p50 s', 'p95 s', 'max s', 'never', 'killed', 'updates'];
const LABEL_WIDTH = 28;
const fixed = (value: number, digits: number) => (Number.isNaN(value) ? '-' : value.toFixed(digits));

/** The verdict table's columns, as printed (the test reads the table by them). */
export const VERDICT_HEADINGS: Record<VerdictName, string> = {
  versusClusterAutoscaler: 'vs CA-eq. (<= 0.85x)',
  versusBareRule: 'vs bare rule (<= 1.02x)',
  versusBound: 'vs bound (<= 1.15x)',
  p95: `p95 wait (<= ${P95_LIMIT_SECONDS} s)`,
  killed: 'killed (0)',
};

export function formatQuality(figures: QualityFigures): string {
  const lines = [
    `scaling quality: nodes ready ${figures.provisioningDelaySeconds} s after the request, billed ` +
      `${figures.deletionDelaySeconds} s after deletion, a cycle every ${figures.intervalSeconds} s; ` +
      `means over seeds ${figures.scenarios[0]?.seeds.join(', ')}`,
  ];
  const header = `  ${''.padEnd(LABEL_WIDTH)} ${COLUMNS.map((c) => c.padStart(7)).join(' ')}`;
  for (const s of figures.scenarios) {
    lines.push(`${s.scenario} (${s.jobs.toFixed(0)} jobs on average):`, header);
    for (const r of s.rows) {
      const cells = [
        fixed(r.nodeHours, 1),
        fixed(r.busyNodeHours, 1),
        fixed(r.nodeHoursPerBusyNodeHour, 3),
        fixed(r.waitP50Seconds, 0),
        fixed(r.waitP95Seconds, 0),
        fixed(r.waitMaxSeconds, 0),
        fixed(r.neverStarted, 1),
        fixed(r.jobsKilled, 1),
        fixed(r.scaleActions, 1),
      ];
      lines.push(`  ${r.label.padEnd(LABEL_WIDTH)} ${cells.map((c) => c.padStart(7)).join(' ')}`);
    }
    lines.push(...formatVerdicts(s), ...formatCaTarget(s));
    const signed = signedHours;
    lines.push(
      `  gap, default policy vs KEDA-eq. with free cancellation: ${signed(s.gap.nodeHours)} node-h = in-flight guard ` +
        `${signed(s.gap.inFlightGuard)} (KEDA-eq. + guard vs free cancellation) + the policy's own rules ` +
        `${signed(s.gap.policyRules)} (default policy vs KEDA-eq. + guard, rule by rule below)`,
    );
    lines.push(...formatIdle(s));
  }
  lines.push(
    ...[...INFORMATION_ONLY].map(
      (name) =>
        `${POLICY_LABELS[name]}: for information only, not achievable on ModelArts (it cancels nodes still being created, for free).`,
    ),
    'clairvoyant bound: the fewest node-hours that start every job on arrival, knowing every arrival, with the same ' +
      'provisioning delay and deletion billing (exact, node slot by node slot): a cap for a policy that waits, not a floor.',
  );
  return lines.join('\n');
}

/** One line per seed: each verdict's figure, then met, MISSED, or report (the scenario has no target there). */
function formatVerdicts(s: ScenarioQuality): string[] {
  const widths = VERDICT_NAMES.map((name) =>
    Math.max(VERDICT_HEADINGS[name].length, ...s.perSeed.map((q) => cell(q.verdicts[name]).length)),
  );
  const line = (first: string, cells: string[]) =>
    `  ${first.padEnd(6)} ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')}`.trimEnd();
  return [
    '  verdicts, default policy:',
    line(
      'seed',
      VERDICT_NAMES.map((name) => VERDICT_HEADINGS[name]),
    ),
    ...s.perSeed.map((q) =>
      line(
        String(q.seed),
        VERDICT_NAMES.map((name) => cell(q.verdicts[name])),
      ),
    ),
  ];
}

/**
 * Where the cluster-autoscaler target sits against the clairvoyant bound, seed by seed: below 1, it asks for
 * fewer node-hours than the best schedule that starts every job on arrival, knowing every arrival in advance.
 */
function formatCaTarget(s: ScenarioQuality): string[] {
  const judged = s.perSeed.filter((q) => q.verdicts.versusClusterAutoscaler.outcome !== 'report');
  if (judged.length === 0) return [];
  const ratios = judged.map(
    ({ figures }) => (CA_RATIO_TARGET * figures.clusterAutoscaler.nodeHours) / figures.boundNodeHours,
  );
  const below = ratios.filter((ratio) => ratio < 1).length;
  return [
    `  the CA-eq. target (${CA_RATIO_TARGET} x its node-hours) is ${Math.min(...ratios).toFixed(3)}x to ` +
      `${Math.max(...ratios).toFixed(3)}x the clairvoyant bound; below the bound on ${below} of ${ratios.length} seeds`,
  ];
}

const cell = (verdict: Verdict): string => `${verdict.detail} ${verdict.outcome}`;

const signedHours = (hours: number, digits = 1) => `${hours >= 0 ? '+' : ''}${hours.toFixed(digits)}`;

/** The idle table's columns, as printed (the test reads the table by them). */
export const IDLE_HEADINGS: Record<IdleCause, string> = {
  'before-read': 'to read',
  backlog: 'queued',
  minimum: 'minimum',
  window: 'window',
  'in-flight': 'in-flight',
  guards: 'guards',
  drain: 'drain',
  'az-rule': 'AZ rule',
  'idle-timer': 'idle timer',
};
/** Wider than every heading, so that the headings stand apart. */
const IDLE_WIDTH = 11;
/** The idle rules whose price the summary line states, with its words for them. */
const PRICED: readonly [IdleCause, string][] = [
  ['window', 'the scale-down window'],
  ['drain', 'the drain before a delete'],
  ['az-rule', 'the AZ rule'],
];

/** Idle node-hours of one run: by cause, then the rest of its node-hours that no job used (or a job did). */
interface IdleRow {
  causes: IdleHours;
  /** Node-hours neither busy nor idle: provisioning, deletion, draining. */
  rest: number;
  nodeHours: number;
}

const idleRow = (figures: SimulationFigures, causes: IdleHours): IdleRow => ({
  causes,
  rest: figures.nodeHours - figures.busyNodeHours - IDLE_CAUSES.reduce((total, c) => total + causes[c], 0),
  nodeHours: figures.nodeHours,
});

function combine(rows: readonly IdleRow[], weights: readonly number[]): IdleRow {
  const total = (pick: (row: IdleRow) => number) =>
    rows.reduce((sum, row, i) => sum + (weights[i] ?? 0) * pick(row), 0);
  const causes = {} as IdleHours;
  for (const cause of IDLE_CAUSES) causes[cause] = total((row) => row.causes[cause]);
  return { causes, rest: total((row) => row.rest), nodeHours: total((row) => row.nodeHours) };
}

/**
 * Where the default policy's node-hours over the bare rule's go: idle node-hours by the rule that kept the
 * nodes (idle-causes.ts), for both, then their difference seed by seed, and the price of the rules the bare
 * rule does not have. The difference's rest holds the provisioning and deletion of the nodes one run buys again
 * and the other kept, and the bare rule's draining nodes (busy until their job ends, no longer counted).
 */
function formatIdle(s: ScenarioQuality): string[] {
  const policy = s.perSeed.map((q, i) => idleRow(q.figures.policy, s.idle.policy[i] as IdleHours));
  const bare = s.perSeed.map((q, i) => idleRow(q.figures.bareRule, s.idle.bareRule[i] as IdleHours));
  const mean = policy.map(() => 1 / policy.length);
  const row = (label: string, r: IdleRow, sign: boolean) => {
    const value = (hours: number) => (sign && hours >= 0 ? '+' : '') + hours.toFixed(2);
    const cells = [...IDLE_CAUSES.map((c) => value(r.causes[c])), value(r.rest), value(r.nodeHours)];
    return `  ${label.padEnd(LABEL_WIDTH)} ${cells.map((c) => c.padStart(IDLE_WIDTH)).join(' ')}`;
  };
  const headings = [...IDLE_CAUSES.map((c) => IDLE_HEADINGS[c]), 'rest', 'node-h'];
  const policyMean = combine(policy, mean);
  const share = (hours: number) => `${((100 * hours) / policyMean.nodeHours).toFixed(1)}%`;
  const price = PRICED.map(
    ([cause, words]) =>
      `${words} ${policyMean.causes[cause].toFixed(2)} (${share(policyMean.causes[cause])})`,
  );
  const find = (policy: QualityRow['policy']) => s.rows.find((r) => r.policy === policy) as QualityRow;
  const [withWindow, without] = [find('policy'), find('no-window')];
  const net = withWindow.nodeHours - without.nodeHours;
  const p95 = withWindow.waitP95Seconds - without.waitP95Seconds;
  const after = find('drain-after');
  const saved = after.nodeHours - withWindow.nodeHours;
  const aheadP95 = withWindow.waitP95Seconds - after.waitP95Seconds;
  return [
    "  idle node-h by the rule that kept the nodes (rest: provisioning, deletion, a count-down's draining nodes):",
    `  ${''.padEnd(LABEL_WIDTH)} ${headings.map((h) => h.padStart(IDLE_WIDTH)).join(' ')}`,
    row(`  ${labelOf('policy')}`, policyMean, false),
    row(`  ${labelOf('keda-guarded')}`, combine(bare, mean), false),
    ...s.perSeed.map((q, i) =>
      row(
        `  seed ${q.seed}, policy - bare`,
        combine([policy[i] as IdleRow, bare[i] as IdleRow], [1, -1]),
        true,
      ),
    ),
    `  idle node-h the default policy's own rules hold, mean per run: ${price.join(', ')}`,
    `  the window net of the nodes it saves buying again: the default policy bills ${signedHours(net)} node-h ` +
      `(${share(net)}) over the same policy with no scale-down window, at p95 ${p95 >= 0 ? '+' : ''}${p95.toFixed(0)} s`,
    `  drain-ahead: the default policy bills ${signedHours(-saved)} node-h (${share(-saved)}) against draining only ` +
      `after the window, at p95 ${aheadP95 >= 0 ? '+' : ''}${aheadP95.toFixed(0)} s`,
  ];
}

if (isMain(import.meta.url)) {
  const seeds = numberFlag('seeds');
  console.log(formatQuality(await benchQuality(seeds === undefined ? {} : { seeds })));
}

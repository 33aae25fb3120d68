// Scaling quality: every built-in scenario simulated with the product's default policy (the built-in flavor
// defaults, min 1, max 64, backlog in nodes at 1 per node), each baseline, and two documented alternatives:
// bench/hold-alternative.yaml (a 360 s scale-down window: hold idle nodes as long as re-buying one costs) and
// bench/backlog-az-alternative.yaml (AZs by backlog, no scale-down window), over several seeds. Figures are per scenario over the seeds: node-hours and waits are means, the ratio is total
// node-hours over total busy node-hours.
//
//   npx tsx bench/quality.ts [--seeds 5]
//
// Targets for the default policy: at most 1.25 node-hours per busy node-hour; p95 wait no worse than the
// provisioning delay plus two cycles; fewer node-hours than the KEDA-equivalent at an equal or better p95 wait.
// The KEDA-equivalent holds nothing back: it even cancels nodes still being created once the backlog drops,
// which the product's in-flight guard never does. On these scenarios a held node is used again too rarely to
// repay its idle time, so each window, band or guard a policy keeps costs it node-hours against that baseline.
// Each scenario's gap to it is split in two with the KEDA-eq. + guard baseline (the same bare rule under the
// product's guards): what the in-flight guard costs, and what the policy's windows and steps cost on top.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Config, parseConfig } from '../lib/config';
import {
  POLICY_LABELS,
  POLICY_NAMES,
  type PolicyName,
  SCENARIO_NAMES,
  type ScenarioName,
  type SetupOptions,
  type SimulationFigures,
  type SimulationSetup,
  scenario,
  simulate,
  simulationSetup,
} from '../lib/simulate';
import { isMain, numberFlag } from './flags';

export const PROVISIONING_DELAY_SECONDS = 300;
export const DELETION_DELAY_SECONDS = 60;
export const INTERVAL_SECONDS = 60;
export const RATIO_TARGET = 1.25;
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
] as const;
export type AlternativeName = (typeof ALTERNATIVES)[number]['name'];
type Subject = 'policy' | AlternativeName;

export interface QualityRow {
  /** A policy name, or an alternative's (the planner with that config). */
  policy: PolicyName | AlternativeName;
  label: string;
  nodeHours: number;
  busyNodeHours: number;
  nodeHoursPerBusyNodeHour: number;
  waitP50Seconds: number;
  waitP95Seconds: number;
  waitMaxSeconds: number;
  neverStarted: number;
  scaleActions: number;
}

export interface Target {
  met: boolean;
  detail: string;
}

export interface ScenarioQuality {
  scenario: ScenarioName;
  seeds: number[];
  /** Mean jobs per seed. */
  jobs: number;
  rows: QualityRow[];
  /** The targets, for the default policy and for each alternative. */
  targets: Record<Subject, { ratio: Target; p95: Target; versusKeda: Target }>;
  /** The default policy's node-hours over the KEDA-equivalent's, split at the KEDA-eq. + guard baseline. */
  gap: { nodeHours: number; inFlightGuard: number; policyRules: number };
}

export interface QualityFigures {
  provisioningDelaySeconds: number;
  deletionDelaySeconds: number;
  intervalSeconds: number;
  p95LimitSeconds: number;
  ratioTarget: number;
  scenarios: ScenarioQuality[];
}

export async function benchQuality(options: { seeds?: number } = {}): Promise<QualityFigures> {
  const seeds = Array.from({ length: options.seeds ?? 5 }, (_, i) => i + 1);
  const alternatives = new Map<AlternativeName, Config>();
  for (const { name, file } of ALTERNATIVES) {
    alternatives.set(name, parseConfig({ text: await readFile(file, 'utf8'), env: {}, source: file }));
  }
  const p95Limit = P95_LIMIT_SECONDS;
  const scenarios = SCENARIO_NAMES.map((name) => scenarioQuality(name, seeds, alternatives, p95Limit));
  return {
    provisioningDelaySeconds: PROVISIONING_DELAY_SECONDS,
    deletionDelaySeconds: DELETION_DELAY_SECONDS,
    intervalSeconds: INTERVAL_SECONDS,
    p95LimitSeconds: p95Limit,
    ratioTarget: RATIO_TARGET,
    scenarios,
  };
}

function scenarioQuality(
  name: ScenarioName,
  seeds: number[],
  alternatives: ReadonlyMap<AlternativeName, Config>,
  p95Limit: number,
): ScenarioQuality {
  const runs = [...POLICY_NAMES, ...alternatives.keys()].map((policy) => {
    const config = alternatives.get(policy as AlternativeName);
    const figures = seeds.map((seed) => {
      const setup = scenarioSetup(name, seed, config === undefined ? {} : { config });
      return simulate(setup, config !== undefined ? 'policy' : (policy as PolicyName)).figures;
    });
    return row(policy, figures);
  });
  const find = (policy: QualityRow['policy']) => runs.find((r) => r.policy === policy) as QualityRow;
  const keda = find('keda');
  const guarded = find('keda-guarded');
  const policy = find('policy');
  const targetsOf = (subject: QualityRow) => ({
    ratio: {
      met: subject.nodeHoursPerBusyNodeHour <= RATIO_TARGET,
      detail: `${subject.nodeHoursPerBusyNodeHour.toFixed(3)} node-hours per busy node-hour (<= ${RATIO_TARGET})`,
    },
    p95: {
      met: subject.waitP95Seconds <= p95Limit,
      detail: `p95 wait ${subject.waitP95Seconds.toFixed(0)} s (<= ${p95Limit} s)`,
    },
    versusKeda: {
      met: subject.nodeHours < keda.nodeHours && subject.waitP95Seconds <= keda.waitP95Seconds,
      detail:
        `${subject.nodeHours.toFixed(1)} vs ${keda.nodeHours.toFixed(1)} node-hours, p95 wait ` +
        `${subject.waitP95Seconds.toFixed(0)} vs ${keda.waitP95Seconds.toFixed(0)} s`,
    },
  });
  return {
    scenario: name,
    seeds,
    jobs: mean(seeds.map((seed) => scenario(name, seed).jobs.length)),
    rows: runs,
    targets: Object.fromEntries([
      ['policy', targetsOf(policy)],
      ...ALTERNATIVES.map(({ name }) => [name, targetsOf(find(name))]),
    ]) as ScenarioQuality['targets'],
    gap: {
      nodeHours: policy.nodeHours - keda.nodeHours,
      inFlightGuard: guarded.nodeHours - keda.nodeHours,
      policyRules: policy.nodeHours - guarded.nodeHours,
    },
  };
}

/** A built-in scenario as every quality figure runs it: the bench's delays and cycle, the scenario's max. */
export function scenarioSetup(
  name: ScenarioName,
  seed: number,
  options: Partial<
    Pick<SetupOptions, 'config' | 'platform' | 'scaleDown' | 'stockAware' | 'stockReadFails'>
  > = {},
): SimulationSetup {
  const built = scenario(name, seed);
  return simulationSetup({
    name,
    jobs: built.jobs,
    ...(options.config === undefined ? { max: built.max } : {}),
    ...options,
    azs: built.azs,
    provisioningDelaySeconds: PROVISIONING_DELAY_SECONDS,
    deletionDelaySeconds: DELETION_DELAY_SECONDS,
    intervalSeconds: INTERVAL_SECONDS,
    durationSeconds: built.durationSeconds,
    soldOut: built.soldOut,
  }).setup;
}

function row(policy: QualityRow['policy'], figures: SimulationFigures[]): QualityRow {
  const sum = (pick: (f: SimulationFigures) => number) => figures.reduce((total, f) => total + pick(f), 0);
  return {
    policy,
    label:
      ALTERNATIVES.find((alternative) => alternative.name === policy)?.label ??
      (policy === 'policy' ? 'default policy' : POLICY_LABELS[policy as PolicyName]),
    nodeHours: sum((f) => f.nodeHours) / figures.length,
    busyNodeHours: sum((f) => f.busyNodeHours) / figures.length,
    nodeHoursPerBusyNodeHour: sum((f) => f.nodeHours) / sum((f) => f.busyNodeHours),
    waitP50Seconds: sum((f) => f.waitSeconds.p50) / figures.length,
    waitP95Seconds: sum((f) => f.waitSeconds.p95) / figures.length,
    waitMaxSeconds: sum((f) => f.waitSeconds.max) / figures.length,
    neverStarted: sum((f) => f.neverStarted) / figures.length,
    scaleActions: sum((f) => f.scaleActions) / figures.length,
  };
}

const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;

export function formatQuality(figures: QualityFigures): string {
  const lines = [
    `scaling quality: nodes ready ${figures.provisioningDelaySeconds} s after the request, billed ` +
      `${figures.deletionDelaySeconds} s after deletion, a cycle every ${figures.intervalSeconds} s; ` +
      `means over seeds ${figures.scenarios[0]?.seeds.join(', ')}`,
  ];
  const header = `  ${''.padEnd(22)} ${'node-h'.padStart(8)} ${'busy'.padStart(8)} ${'ratio'.padStart(6)} ${'p50 s'.padStart(6)} ${'p95 s'.padStart(6)} ${'max s'.padStart(6)} ${'never'.padStart(6)} ${'updates'.padStart(7)}`;
  for (const s of figures.scenarios) {
    lines.push(`${s.scenario} (${s.jobs.toFixed(0)} jobs on average):`, header);
    for (const r of s.rows) {
      lines.push(
        `  ${r.label.padEnd(22)} ${r.nodeHours.toFixed(1).padStart(8)} ${r.busyNodeHours.toFixed(1).padStart(8)} ` +
          `${r.nodeHoursPerBusyNodeHour.toFixed(3).padStart(6)} ${r.waitP50Seconds.toFixed(0).padStart(6)} ` +
          `${r.waitP95Seconds.toFixed(0).padStart(6)} ${r.waitMaxSeconds.toFixed(0).padStart(6)} ` +
          `${r.neverStarted.toFixed(1).padStart(6)} ${r.scaleActions.toFixed(1).padStart(7)}`,
      );
    }
    for (const subject of ['policy', ...ALTERNATIVES.map((a) => a.name)] as const) {
      const t = s.targets[subject];
      const verdict = (target: Target) => `${target.detail}: ${target.met ? 'met' : 'MISSED'}`;
      lines.push(
        `  targets, ${subject === 'policy' ? 'default policy' : `alternative ${subject}`}: ${verdict(t.ratio)}; ` +
          `${verdict(t.p95)}; beats KEDA-equivalent (${verdict(t.versusKeda)})`,
      );
    }
    const signed = (hours: number) => `${hours >= 0 ? '+' : ''}${hours.toFixed(1)}`;
    lines.push(
      `  gap, default policy vs KEDA-equivalent: ${signed(s.gap.nodeHours)} node-h = in-flight guard ` +
        `${signed(s.gap.inFlightGuard)} (KEDA-eq. + guard vs KEDA-equivalent) + windows and steps ` +
        `${signed(s.gap.policyRules)} (default policy vs KEDA-eq. + guard)`,
    );
  }
  return lines.join('\n');
}

if (isMain(import.meta.url)) {
  const seeds = numberFlag('seeds');
  console.log(formatQuality(await benchQuality(seeds === undefined ? {} : { seeds })));
}

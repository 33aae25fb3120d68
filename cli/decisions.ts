// A cycle as one line per decision (pool, flavor, current -> target, per AZ, action, outcome, reasons),
// columns aligned within the cycle. Used by plan when piped, by apply and run, and by the demo. Pools that
// could not be read have no decision: they are reported as problems (cli/failures.ts).

import type { CycleResult, PoolOutcome, PoolStatus } from '../lib/cycle';
import { scaleInFields } from '../lib/cycle/report';
import type { AzCount } from '../lib/modelarts/schemas';
import type { FlavorDecision, PoolPlan } from '../lib/scaling/plan';
import type { Reason } from '../lib/scaling/reasons';
import type { Output } from './output';

export interface DecisionLineOptions {
  /** How a pool is named on the line; default its metadata.name. */
  poolName?: (name: string) => string;
  /** Show the outcome column (patched, dry-run, ...): not for a plan, where every row is a dry run. */
  outcome?: boolean;
  /** Only decisions that change something, and failures (--quiet). */
  changesOnly?: boolean;
  /** Which decisions to show; default all. */
  include?: (pool: PoolPlan, flavor: FlavorDecision) => boolean;
  /** A first row naming the columns (plan and apply when piped; not run, whose lines carry a clock). */
  header?: boolean;
}

type Row = { cells: string[]; action: string };

const ACTION_STYLE: Record<string, Parameters<Output['paint']>[0]> = {
  'scale-up': 'green',
  'scale-down': 'yellow',
  hold: 'dim',
  skip: 'red',
};

function countCell(flavor: FlavorDecision): string {
  const count =
    flavor.target === flavor.current ? `${flavor.current}` : `${flavor.current} -> ${flavor.target}`;
  const moving = [
    flavor.creating > 0 ? `${flavor.creating} creating` : '',
    flavor.deleting > 0 ? `${flavor.deleting} deleting` : '',
  ].filter(Boolean);
  return moving.length > 0 ? `${count} (${flavor.available} available, ${moving.join(', ')})` : count;
}

export function azCell(
  before: readonly AzCount[] | undefined,
  after: readonly AzCount[] | undefined,
): string {
  if (!before || before.length === 0) return '-';
  const targets = new Map((after ?? before).map((zone) => [zone.az, zone.count]));
  const zones = before.map(({ az, count }) => {
    const to = targets.get(az) ?? count;
    targets.delete(az);
    return to === count ? `${az} ${count}` : `${az} ${count}->${to}`;
  });
  for (const [az, to] of targets) zones.push(`${az} 0->${to}`);
  return zones.join(', ');
}

const describe = (reasons: readonly Reason[]) => reasons.map((r) => `${r.code}: ${r.message}`).join('; ');

const sameAzs = (before: readonly AzCount[] = [], after: readonly AzCount[] = before) =>
  before.length === after.length &&
  before.every((zone) => after.some((other) => other.az === zone.az && other.count === zone.count));

/** A flavor keeps its count and AZs: in a patched pool it is listed in the PATCH, but not changed by it. */
const flavorUnchanged = (flavor: FlavorDecision) =>
  flavor.target === flavor.current && sameAzs(flavor.azsBefore, flavor.azsAfter);

// The outcome is the pool's; a flavor the PATCH leaves as it was is shown as unchanged, not patched.
const flavorStatus = (status: PoolStatus, flavor: FlavorDecision): PoolStatus =>
  (status === 'patched' || status === 'dry-run') && flavorUnchanged(flavor) ? 'unchanged' : status;

/** The nodes an idle-node scale-in named for the flavor: drained, deleted, put back, and why others stay. */
function nodesCell(outcome: PoolOutcome | undefined, flavor: string): string {
  const fields = scaleInFields(outcome?.scaleIn, flavor);
  const verb = outcome?.status === 'dry-run' ? 'would ' : '';
  const parts: string[] = [];
  if (fields.drained) parts.push(`${verb}drain ${fields.drained.join(', ')}`);
  if (fields.deleted) parts.push(`${verb}delete ${fields.deleted.join(', ')}`);
  if (fields.undrained) parts.push(`${verb}undrain ${fields.undrained.join(', ')}`);
  if (fields.kept) {
    const byWhy = new Map<string, string[]>();
    for (const { name, why } of fields.kept) byWhy.set(why, [...(byWhy.get(why) ?? []), name]);
    // Nodes simply not needed are counted; the others are named, with why they stay.
    const kept = [...byWhy].map(([why, names]) =>
      why === 'not-needed' ? `${names.length} not needed` : `${why}: ${names.join(', ')}`,
    );
    parts.push(`kept ${kept.join(', ')}`);
  }
  return parts.join('; ');
}

function poolRows(pool: PoolPlan, outcome: PoolOutcome | undefined, options: DecisionLineOptions): Row[] {
  const name = options.poolName?.(pool.pool) ?? pool.pool;
  const status = outcome?.status ?? 'unchanged';
  const tail = outcome?.error ? [`error: ${outcome.error}`] : [];
  const flavors = pool.flavors.filter(
    (flavor) =>
      (options.include?.(pool, flavor) ?? true) &&
      (!options.changesOnly || flavor.target !== flavor.current || status === 'failed'),
  );
  return flavors.map((flavor) => ({
    action: flavor.action,
    cells: [
      name,
      flavor.flavor,
      countCell(flavor),
      flavor.action,
      azCell(flavor.azsBefore, flavor.azsAfter),
      ...(options.outcome ? [flavorStatus(status, flavor)] : []),
      [nodesCell(outcome, flavor.flavor), describe([...pool.reasons, ...flavor.reasons]), ...tail]
        .filter(Boolean)
        .join('; '),
    ],
  }));
}

/** The lines of a cycle, aligned, painted when `output.color`. */
export function decisionLines(
  result: CycleResult,
  output: Output,
  options: DecisionLineOptions = {},
): string[] {
  const outcomes = new Map(result.outcomes.map((outcome) => [outcome.key, outcome]));
  const decisions = result.plan.pools.flatMap((pool) => poolRows(pool, outcomes.get(pool.key), options));
  const rows = options.header && decisions.length > 0 ? [headerRow(options), ...decisions] : decisions;
  const last = (rows[0]?.cells.length ?? 1) - 1;
  const widths = Array.from({ length: last }, (_, column) =>
    Math.max(...rows.map((row) => (row.cells[column] as string).length)),
  );
  return rows.map((row) =>
    row.cells
      .map((cell, column) => {
        const padded = column === last ? cell : cell.padEnd(widths[column] as number);
        return column === 3 ? output.paint(ACTION_STYLE[row.action] ?? 'reset', padded) : padded;
      })
      .join('  ')
      .trimEnd(),
  );
}

const headerRow = (options: DecisionLineOptions): Row => ({
  action: 'header',
  cells: ['POOL', 'FLAVOR', 'COUNT', 'ACTION', 'AZS', ...(options.outcome ? ['OUTCOME'] : []), 'REASONS'],
});

/** Whether any pool would be (or was) patched. */
export const hasChanges = (result: CycleResult): boolean =>
  result.plan.pools.some((pool) => pool.patch !== undefined);

import type { PatchAz } from './patch';
import type { FlavorAction, FlavorDecision, Plan, PoolAction, PoolPlan } from './plan';
import type { Reason } from './reasons';

// A plan for people: one block per pool (one line for a skipped pool), one row per flavor with
// current -> target, the per-AZ change, the action and every reason. Plain text unless color is asked for.

export interface RenderOptions {
  /** ANSI colours for actions (a terminal); off by default so that logs and files stay plain. */
  color?: boolean;
  /** A dry run: a pool to patch is labelled WOULD PATCH, since nothing is sent. */
  dryRun?: boolean;
}

const ANSI = {
  reset: '\x1b[0m',
  bold: '\x1b[1m',
  dim: '\x1b[2m',
  red: '\x1b[31m',
  green: '\x1b[32m',
  yellow: '\x1b[33m',
};

const ACTION_COLOR: Record<FlavorAction | PoolAction, string> = {
  'scale-up': ANSI.green,
  'scale-down': ANSI.yellow,
  hold: ANSI.dim,
  skip: ANSI.red,
  patch: ANSI.green,
  'scale-in': ANSI.yellow,
};

const HEADERS = ['FLAVOR', 'COUNT', 'ACTION', 'AZS', 'BACKLOG', 'DESIRED', 'REASONS'] as const;
const ACTION_COLUMN = 2;

export function renderPlanTable(plan: Plan, options: RenderOptions = {}): string {
  const paint =
    options.color === true ? (code: string, text: string) => `${code}${text}${ANSI.reset}` : noPaint;
  if (plan.pools.length === 0) return 'no pools\n';
  return plan.pools.map((pool) => renderPool(pool, paint, options.dryRun === true)).join('\n');
}

type Paint = (code: string, text: string) => string;

const noPaint: Paint = (_code, text) => text;

function renderPool(pool: PoolPlan, paint: Paint, dryRun: boolean): string {
  const label = dryRun && pool.action === 'patch' ? 'WOULD PATCH' : pool.action.toUpperCase();
  const title = `${paint(ANSI.bold, pool.key)}  ${paint(ACTION_COLOR[pool.action], label)}`;
  if (pool.action === 'skip') return `${title}  ${pool.reasons.map(describe).join('; ')}\n`;

  const rows = pool.flavors.map((flavor) => [
    flavor.flavor,
    countCell(flavor),
    flavor.action,
    azChange(flavor.azsBefore, flavor.azsAfter),
    // A backlog the source could not give shows as n/a (its reason says why); none at all as -.
    flavor.backlog !== undefined ? `${flavor.backlog}` : flavor.backlogSource !== undefined ? 'n/a' : '-',
    flavor.desired !== undefined ? `${flavor.desired}` : '-',
  ]);
  const columns = HEADERS.length - 1;
  const widths = HEADERS.slice(0, columns).map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] as string).length)),
  );
  const pad = (cells: readonly string[]) =>
    cells.map((cell, i) => cell.padEnd(widths[i] as number)).join('  ');
  const indent = ' '.repeat(2 + widths.reduce((sum, w) => sum + w + 2, 0));

  const lines = [title];
  for (const note of pool.reasons) lines.push(`  note: ${describe(note)}`);
  lines.push(`  ${pad(HEADERS.slice(0, columns))}  ${HEADERS[columns]}`);
  pool.flavors.forEach((flavor, i) => {
    const cells = rows[i] as string[];
    const padded = pad(cells);
    // Colour only the action cell, after padding, so that escape codes do not skew the columns.
    const actionWidth = widths[ACTION_COLUMN] as number;
    const actionStart = widths.slice(0, ACTION_COLUMN).reduce((sum, w) => sum + w + 2, 0);
    const coloured =
      padded.slice(0, actionStart) +
      paint(ACTION_COLOR[flavor.action], (cells[ACTION_COLUMN] as string).padEnd(actionWidth)) +
      padded.slice(actionStart + actionWidth);
    const [first, ...rest] = reasonLines(flavor);
    lines.push(`  ${coloured}  ${first ?? ''}`.trimEnd());
    for (const line of rest) lines.push(`${indent}${line}`);
  });
  return `${lines.join('\n')}\n`;
}

const describe = (r: Reason): string => `${r.code}: ${r.message}`;

/** current -> target; Abnormal nodes are named there, since they count but cannot take jobs. */
function countCell(flavor: FlavorDecision): string {
  const count =
    flavor.target === flavor.current ? `${flavor.current}` : `${flavor.current} -> ${flavor.target}`;
  return flavor.abnormal === undefined ? count : `${count} (${flavor.abnormal} abnormal)`;
}

function reasonLines(flavor: FlavorDecision): string[] {
  return flavor.reasons.map(describe);
}

function azChange(before: readonly PatchAz[] | undefined, after: readonly PatchAz[] | undefined): string {
  if (before === undefined) return '-';
  const counts = new Map<string, [number, number]>();
  for (const { az, count } of before) counts.set(az, [count, 0]);
  for (const { az, count } of after ?? before) counts.set(az, [counts.get(az)?.[0] ?? 0, count]);
  return [...counts]
    .map(([az, [from, to]]) => (from === to ? `${az} ${from}` : `${az} ${from}->${to}`))
    .join(', ');
}

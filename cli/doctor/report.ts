// doctor's report: one line per check (status, area, check, reason) as the checks finish, then a summary; or, with
// --json, one document at the end. Columns have fixed widths, so lines printed before and after the probe's
// confirmation line up.

import type { Output } from '../output';
import { type CheckResult, type CheckStatus, isFailing } from './checks';

const STYLE: Record<CheckStatus, Parameters<Output['paint']>[0]> = {
  ok: 'green',
  warn: 'yellow',
  refused: 'red',
  missing: 'red',
  failed: 'red',
  skipped: 'dim',
};

/** The longest status, area and check name doctor prints. */
const WIDTHS = { status: 7, area: 10, name: 16 };

export function printChecks(checks: readonly CheckResult[], output: Output): void {
  for (const one of checks) {
    const status = output.paint(STYLE[one.status], one.status.padEnd(WIDTHS.status));
    output.out(`${status}  ${one.area.padEnd(WIDTHS.area)}  ${one.name.padEnd(WIDTHS.name)}  ${one.reason}`);
  }
}

export function printSummary(checks: readonly CheckResult[], output: Output, pool: string): void {
  const failing = checks.filter(isFailing);
  output.out(
    failing.length === 0
      ? `doctor: ${pool}: everything the autoscaler needs works`
      : `doctor: ${pool}: ${failing.length} needed check(s) did not pass: ${failing.map((c) => c.name).join(', ')}`,
  );
}

export function printJson(
  checks: readonly CheckResult[],
  output: Output,
  pool: string,
  connection: string,
): void {
  const ok = !checks.some(isFailing);
  output.out(JSON.stringify({ pool, connection, ok, checks }, null, 2));
}

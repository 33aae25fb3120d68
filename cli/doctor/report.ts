// doctor's report: one line per check (status, area, check, reason), aligned, coloured on a terminal; or JSON.

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

export function reportChecks(
  checks: readonly CheckResult[],
  output: Output,
  options: { json: boolean; pool: string; connection: string },
): void {
  const failing = checks.filter(isFailing);
  if (options.json) {
    output.out(
      JSON.stringify(
        { pool: options.pool, connection: options.connection, ok: failing.length === 0, checks },
        null,
        2,
      ),
    );
    return;
  }
  const width = (pick: (check: CheckResult) => string) => Math.max(...checks.map((one) => pick(one).length));
  const [status, area, name] = [width((c) => c.status), width((c) => c.area), width((c) => c.name)];
  for (const one of checks) {
    const cells = `${one.status.padEnd(status)}  ${one.area.padEnd(area)}  ${one.name.padEnd(name)}  `;
    output.out(
      `${output.paint(STYLE[one.status], cells.slice(0, status))}${cells.slice(status)}${one.reason}`,
    );
  }
  output.out(
    failing.length === 0
      ? `doctor: ${options.pool}: everything the autoscaler needs works`
      : `doctor: ${options.pool}: ${failing.length} needed check(s) did not pass: ${failing.map((c) => c.name).join(', ')}`,
  );
}

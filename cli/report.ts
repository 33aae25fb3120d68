// How a cycle is shown: --json for scripts, a table per pool on a terminal, aligned lines otherwise; then its
// problems on stderr and a one-line summary.

import type { CycleResult } from '../lib/cycle';
import { renderPlanTable } from '../lib/scaling/render';
import { cycleJson } from './cycle-json';
import type { CycleRun } from './cycle-session';
import { type DecisionLineOptions, decisionLines } from './decisions';
import type { Output } from './output';

export interface ReportOptions extends DecisionLineOptions {
  json?: boolean;
  /** A table per pool on a terminal (plan, and the plan apply asks about). */
  table?: boolean;
}

export function summary(result: CycleResult): string {
  const count = (status: string) => result.outcomes.filter((outcome) => outcome.status === status).length;
  const changing = result.plan.pools.filter((pool) => pool.patch !== undefined).length;
  const skipped = result.plan.pools.filter((pool) => pool.action === 'skip').length;
  const parts = [
    result.dryRun ? `${changing} to change` : `${count('patched')} patched`,
    `${result.plan.pools.length - changing - skipped} unchanged`,
    `${skipped} skipped`,
    ...(count('lease-busy') > 0 ? [`${count('lease-busy')} busy (another run holds the lease)`] : []),
    ...(count('backed-off') > 0
      ? [`${count('backed-off')} backed off (PATCH refused: sold out, quota or conflict)`]
      : []),
    ...(count('lease-lost') > 0 ? [`${count('lease-lost')} not written (the lease was lost)`] : []),
    ...(count('failed') > 0 ? [`${count('failed')} failed`] : []),
  ];
  return `${result.plan.pools.length} pool(s): ${parts.join(', ')}${result.dryRun ? ' (dry run: nothing was patched)' : ''}`;
}

export function reportCycle(run: CycleRun, output: Output, options: ReportOptions): void {
  if (options.json) {
    output.out(JSON.stringify(cycleJson(run.result, run.problems), null, 2));
    return;
  }
  if (options.table && output.tty)
    output.out(renderPlanTable(run.result.plan, { color: output.color, dryRun: run.result.dryRun }));
  else
    for (const line of decisionLines(run.result, output, {
      ...options,
      changesOnly: output.quiet,
      header: true,
    }))
      output.out(line);
  for (const problem of run.problems) output.error(`error: ${problem}`);
  for (const warning of run.result.warnings) output.note(`warning: ${warning.message}`);
  // Nothing read at all: the problems already say everything.
  if (run.result.plan.pools.length > 0 || run.problems.length === 0) output.info(summary(run.result));
}

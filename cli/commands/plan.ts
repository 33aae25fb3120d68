import type { OptionValues } from '../args';
import { openCycleSession, runSessionCycle } from '../cycle-session';
import { hasChanges } from '../decisions';
import type { CliIo, Output } from '../output';
import { reportCycle } from '../report';

/** Exit codes as `terraform plan -detailed-exitcode`. */
export const PLAN_EXIT = { unchanged: 0, error: 1, changes: 2 } as const;

export async function planCommand(values: OptionValues, io: CliIo, output: Output): Promise<number> {
  const session = await openCycleSession(values, io.env, output);
  const run = await runSessionCycle(session, true);
  reportCycle(run, output, { json: values.json === true, table: true });
  if (run.problems.length > 0) return PLAN_EXIT.error;
  return hasChanges(run.result) ? PLAN_EXIT.changes : PLAN_EXIT.unchanged;
}

import { createInterface } from 'node:readline/promises';
import { type OptionValues, UsageError } from '../args';
import { openCycleSession, runSessionCycle } from '../cycle-session';
import { hasChanges } from '../decisions';
import type { CliIo, Output } from '../output';
import { reportCycle } from '../report';
import { EXAMPLE_CONFIG } from '../setup';

async function confirmed(io: CliIo, pools: number): Promise<boolean> {
  const prompt = createInterface({ input: io.stdin, terminal: false });
  try {
    io.stdout.write(`\nPatch ${pools} pool(s) as shown above? Only "yes" is accepted: `);
    return (await prompt.question('')).trim() === 'yes';
  } finally {
    prompt.close();
  }
}

// The bundled example is a dry run; it is used when there is no ./config.yaml, which is where a copy goes.
const dryRunOff = (path: string) =>
  path === EXAMPLE_CONFIG
    ? 'copy it to ./config.yaml and set dryRun: false there'
    : `set dryRun: false in ${path}`;

/**
 * One cycle for real. On a terminal without --yes: the plan first, then a question. Without a terminal,
 * --yes is required: a script must say it means to change pools.
 */
export async function applyCommand(values: OptionValues, io: CliIo, output: Output): Promise<number> {
  const ask = values.yes !== true;
  if (ask && io.stdin.isTTY !== true)
    throw new UsageError(
      'apply changes pools: pass --yes when stdin is not a terminal (nothing was changed)',
    );
  const session = await openCycleSession(values, io.env, output);
  const json = values.json === true;
  if (session.config.dryRun)
    output.note(
      `note: dryRun is on (in the config or AUTOSCALER_DRY_RUN), so nothing will be patched: ${dryRunOff(session.configPath)} to apply for real`,
    );
  if (ask) {
    const planned = await runSessionCycle(session, true);
    reportCycle(planned, output, { json, table: true });
    if (planned.problems.length > 0) return 1;
    if (!hasChanges(planned.result)) {
      output.info('No changes: nothing to apply.');
      return 0;
    }
    if (session.config.dryRun) return 0;
    const pools = planned.result.plan.pools.filter((pool) => pool.patch !== undefined).length;
    if (!(await confirmed(io, pools))) {
      output.error('Apply cancelled: nothing was changed.');
      return 1;
    }
  }
  const applied = await runSessionCycle(session, false);
  reportCycle(applied, output, { json, outcome: true });
  return applied.problems.length > 0 ? 1 : 0;
}

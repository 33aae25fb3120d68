import { setTimeout as sleep } from 'node:timers/promises';
import { plural } from '../../lib/plural';
import { type OptionValues, positiveSeconds, wholeNumber } from '../args';
import { openCycleSession, runSessionCycle } from '../cycle-session';
import { decisionLines } from '../decisions';
import type { CliIo, Output } from '../output';

const clock = (at: number) => new Date(at).toISOString().slice(11, 19);

/** Resolves on the first SIGINT/SIGTERM; a second one ends the process at once. */
function stopSignal(output: Output) {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(130);
    output.note(`${signal}: stopping after this cycle (again to stop now)`);
    controller.abort(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/**
 * A cycle every interval until a signal or --max-cycles: a line per decision (with --json, one decision
 * record per line). A failing cycle is reported and the next one runs: the loop is the retry.
 */
export async function runCommand(values: OptionValues, io: CliIo, output: Output): Promise<number> {
  const json = values.json === true;
  const session = await openCycleSession(values, io.env, output, {
    ...(json ? { log: (record) => output.out(JSON.stringify(record)) } : {}),
  });
  const intervalMs =
    1000 * (values.interval ? positiveSeconds('interval', values.interval) : session.config.intervalSeconds);
  const maxCycles = values['max-cycles'] ? wholeNumber('max-cycles', values['max-cycles'], 1) : Infinity;
  const dryRun = values['dry-run'] === true || session.config.dryRun;
  output.note(
    `running a cycle every ${intervalMs / 1000} s${dryRun ? ' (dry run)' : ''} with ${session.configPath}; Ctrl-C stops`,
  );
  const stop = stopSignal(output);
  const tally = { cycles: 0, patches: 0, problems: 0 };
  try {
    for (let cycle = 1; cycle <= maxCycles && !stop.signal.aborted; cycle++) {
      const started = Date.now();
      const { result, problems } = await runSessionCycle(session, dryRun);
      tally.cycles++;
      tally.patches += result.outcomes.filter((o) => o.status === (dryRun ? 'dry-run' : 'patched')).length;
      tally.problems += problems.length;
      if (!json) {
        const prefix = `${clock(result.at)}  `;
        for (const line of decisionLines(result, output, { outcome: true, changesOnly: output.quiet }))
          output.out(prefix + line);
      }
      for (const problem of problems) output.error(`${clock(result.at)}  error: ${problem}`);
      if (cycle < maxCycles) {
        const wait = Math.max(0, intervalMs - (Date.now() - started));
        await sleep(wait, undefined, { signal: stop.signal }).catch(() => undefined);
      }
    }
  } finally {
    stop.dispose();
  }
  const why = stop.signal.aborted ? String(stop.signal.reason) : `--max-cycles ${maxCycles}`;
  output.note(runSummary(tally, dryRun, why));
  return 0;
}

/** What a run did, for the moment it stops: the lines above may have scrolled far away. */
function runSummary(
  tally: { cycles: number; patches: number; problems: number },
  dryRun: boolean,
  why: string,
): string {
  const patches = plural(tally.patches, 'PATCH', 'PATCHes');
  const sent = dryRun ? `${patches} planned, none sent (dry run)` : `${patches} sent`;
  return `stopped after ${plural(tally.cycles, 'cycle')} (${why}): ${sent}, ${plural(tally.problems, 'problem')}`;
}

import { setTimeout as sleep } from 'node:timers/promises';
import { plural } from '../../lib/plural';
import { type OptionValues, positiveSeconds, wholeNumber } from '../args';
import { type CycleSession, openCycleSession, runSessionCycle } from '../cycle-session';
import { decisionLines } from '../decisions';
import type { CliIo, Output } from '../output';
import { type HealthServer, startHealthServer } from '../run/health-server';
import { type HeldState, holderPathFor, takeRunHolder } from '../run/holder';
import { fileKillSwitch } from '../run/kill-switch-file';
import { type CycleRecord, type RunHealth, readiness, recordCycle } from '../run/readiness';
import { type RunSettings, runSettings } from '../run/settings';

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
    controller,
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/** The file state is this run's alone while it runs (see run/holder.ts); other stores need no holder. */
async function holdState(session: CycleSession, output: Output, onLost: () => void) {
  const { state } = session.config;
  if (state.type !== 'file') return undefined;
  const held = await takeRunHolder({
    path: holderPathFor(state.path),
    onLost: (by) => {
      output.error(
        `error: another run took over ${holderPathFor(state.path)}${by ? ` (pid ${by.pid} on host ${by.host})` : ''}; stopping`,
      );
      onLost();
    },
  });
  if (held.tookOverFrom)
    output.note(
      `note: took over the state from a stale run (pid ${held.tookOverFrom.pid} on host ${held.tookOverFrom.host})`,
    );
  return held;
}

interface Tally {
  cycles: number;
  patches: number;
  problems: number;
}

/** One cycle, whatever happens: a cycle that throws is a failed cycle, and the loop is the retry. */
async function oneCycle(
  session: CycleSession,
  dryRun: boolean,
  settings: RunSettings,
  output: Output,
  tally: Tally,
): Promise<CycleRecord> {
  try {
    const { result, problems } = await runSessionCycle(session, dryRun);
    tally.cycles++;
    tally.patches += result.outcomes.filter((o) => o.status === (dryRun ? 'dry-run' : 'patched')).length;
    tally.problems += problems.length;
    if (!settings.jsonLines) {
      const prefix = `${clock(result.at)}  `;
      for (const line of decisionLines(result, output, { outcome: true, changesOnly: output.quiet }))
        output.out(prefix + line);
    }
    for (const problem of problems) output.error(`${clock(result.at)}  error: ${problem}`);
    const failed = result.outcomes.some((outcome) => outcome.status === 'failed');
    return { at: Date.now(), ok: !failed, ...(failed && problems[0] ? { problem: problems[0] } : {}) };
  } catch (error) {
    tally.cycles++;
    tally.problems++;
    const problem = error instanceof Error ? error.message : String(error);
    output.error(`${clock(Date.now())}  error: cycle failed: ${problem}`);
    return { at: Date.now(), ok: false, problem };
  }
}

/**
 * A cycle every interval until a signal or --max-cycles: a line per decision (with --json or
 * AUTOSCALER_JSON_LINES, one decision record per line). A failing cycle is reported and the next one runs.
 * With a health port, /healthz and /readyz answer while it runs.
 */
export async function runCommand(values: OptionValues, io: CliIo, output: Output): Promise<number> {
  const settings = runSettings(values, io.env);
  const session = await openCycleSession(values, io.env, output, {
    ...(settings.jsonLines ? { log: (record) => output.out(JSON.stringify(record)) } : {}),
    ...(settings.killSwitchFile ? { killSwitch: fileKillSwitch(settings.killSwitchFile) } : {}),
  });
  const intervalMs =
    1000 * (values.interval ? positiveSeconds('interval', values.interval) : session.config.intervalSeconds);
  const maxCycles = values['max-cycles'] ? wholeNumber('max-cycles', values['max-cycles'], 1) : Infinity;
  const dryRun = values['dry-run'] === true || session.config.dryRun;
  const stop = stopSignal(output);
  let lost = false;
  let held: HeldState | undefined;
  let health: HealthServer | undefined;
  let state: RunHealth = {};
  const tally: Tally = { cycles: 0, patches: 0, problems: 0 };
  try {
    held = await holdState(session, output, () => {
      lost = true;
      stop.controller.abort('lost the state to another run');
    });
    if (settings.health) {
      const rule = { intervalMs, intervals: settings.readyIntervals };
      health = await startHealthServer(settings.health.port, settings.health.host, () =>
        readiness(state, Date.now(), rule),
      );
      output.note(`health: ${health.url}/healthz and ${health.url}/readyz`);
    }
    output.note(
      `running a cycle every ${intervalMs / 1000} s${dryRun ? ' (dry run)' : ''} with ${session.configPath}; Ctrl-C stops`,
    );
    for (let cycle = 1; cycle <= maxCycles && !stop.signal.aborted; cycle++) {
      const started = Date.now();
      state = recordCycle(state, await oneCycle(session, dryRun, settings, output, tally));
      if (cycle < maxCycles) {
        const wait = Math.max(0, intervalMs - (Date.now() - started));
        await sleep(wait, undefined, { signal: stop.signal }).catch(() => undefined);
      }
    }
  } finally {
    stop.dispose();
    await health?.close();
    await held?.release();
  }
  const why = stop.signal.aborted ? String(stop.signal.reason) : `--max-cycles ${maxCycles}`;
  output.note(runSummary(tally, dryRun, why));
  return lost ? 1 : 0;
}

/** What a run did, for the moment it stops: the lines above may have scrolled far away. */
function runSummary(tally: Tally, dryRun: boolean, why: string): string {
  const patches = plural(tally.patches, 'PATCH', 'PATCHes');
  const sent = dryRun ? `${patches} planned, none sent (dry run)` : `${patches} sent`;
  return `stopped after ${plural(tally.cycles, 'cycle')} (${why}): ${sent}, ${plural(tally.problems, 'problem')}`;
}

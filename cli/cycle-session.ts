// What plan, apply and run share: find and load the config, build the dependencies once, and run a cycle
// whose problems come back as one line each.

import type { Config, Environment } from '../lib/config';
import { type CycleDeps, type CycleResult, runCycle } from '../lib/cycle';
import type { KillSwitch } from '../lib/kill-switch';
import type { OptionValues } from './args';
import { cycleProblems, type FailureContext } from './failures';
import type { Output } from './output';
import { buildCycleDeps, type CliCycleDeps, loadCliConfig, locateConfig } from './setup';

export interface CycleSession {
  config: Config;
  configPath: string;
  cli: CliCycleDeps;
  /** --pool names, if any. */
  pools?: string[];
  /** Read at the start of each cycle and again before every write (the config's killSwitch.enabled too). */
  killSwitch?: KillSwitch;
}

export interface CycleRun {
  result: CycleResult;
  problems: string[];
}

export async function openCycleSession(
  values: OptionValues,
  env: Environment,
  output: Output,
  options: { now?: () => number; log?: CycleDeps['log']; killSwitch?: KillSwitch } = {},
): Promise<CycleSession> {
  const location = locateConfig(values.config, env, process.cwd());
  if (location.note) output.note(location.note);
  const config = await loadCliConfig(
    location.path,
    {
      ...(values.endpoint === undefined ? {} : { endpoint: values.endpoint }),
      ...(values.state === undefined ? {} : { state: values.state }),
    },
    env,
  );
  const { killSwitch, ...depsOptions } = options;
  const cli = buildCycleDeps(config, env, {
    ...depsOptions,
    onNotifyFailure: (message) => output.note(message),
    ...(killSwitch ? { killSwitch: async () => (await killSwitch.read()).engaged } : {}),
  });
  return {
    config,
    configPath: location.path,
    cli,
    ...(values.pool?.length ? { pools: values.pool } : {}),
    ...(killSwitch ? { killSwitch } : {}),
  };
}

export function failureContext(session: CycleSession): FailureContext {
  return {
    config: session.config,
    errors: session.cli.errors,
    endpoint: (connection) => session.cli.client(connection).endpoint,
  };
}

export async function runSessionCycle(session: CycleSession, dryRun: boolean): Promise<CycleRun> {
  session.cli.errors.clear();
  const killSwitch = session.killSwitch ? (await session.killSwitch.read()).engaged : false;
  const result = await runCycle(session.config, session.cli.deps, {
    dryRun,
    ...(session.pools ? { pools: session.pools } : {}),
    ...(killSwitch ? { killSwitch } : {}),
  });
  return { result, problems: cycleProblems(result, failureContext(session), session.pools) };
}

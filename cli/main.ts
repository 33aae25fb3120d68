// The modelarts-autoscaler command line: parse, dispatch, and turn any failure into one clear message
// (every problem for a bad config; a stack trace only with --verbose) and an exit code.

import { readFileSync } from 'node:fs';
import { type Command, type OptionValues, parseCommandLine, UsageError } from './args';
import { applyCommand } from './commands/apply';
import { configCommand } from './commands/config';
import { demoCommand } from './commands/demo';
import { doctorCommand } from './commands/doctor';
import { emulatorCommand } from './commands/emulator';
import { planCommand } from './commands/plan';
import { runCommand } from './commands/run';
import { simulateCommand } from './commands/simulate';
import { stateCommand } from './commands/state';
import { usage } from './help';
import { type CliIo, createOutput, type Output, processIo } from './output';

const NAME = 'modelarts-autoscaler';

const version = (): string =>
  (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string })
    .version;

function dispatch(command: Command, operands: string[], values: OptionValues, io: CliIo, output: Output) {
  if (command !== 'config' && command !== 'state' && operands.length > 0)
    throw new UsageError(`${command} takes no operands, got "${operands.join(' ')}"`);
  switch (command) {
    case 'plan':
      return planCommand(values, io, output);
    case 'apply':
      return applyCommand(values, io, output);
    case 'run':
      return runCommand(values, io, output);
    case 'emulator':
      return emulatorCommand(values, io, output);
    case 'config':
      return configCommand(operands, values, io, output);
    case 'demo':
      return demoCommand(values, io, output);
    case 'simulate':
      return simulateCommand(values, io, output);
    case 'state':
      return stateCommand(operands, values, io, output);
    case 'doctor':
      return doctorCommand(values, io, output);
  }
}

// A stack starts with "<Name>: <message>", which would repeat the message under another spelling
// ("ConfigError:" after "modelarts-autoscaler:"); only its frames are shown, under the class name.
function stackOf(error: Error): string {
  const frames = (error.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line));
  return `\n  (${error.name})\n${frames.join('\n')}`;
}

export function describeError(error: unknown, verbose: boolean): string {
  if (!(error instanceof Error)) return `${NAME}: ${String(error)}`;
  const hint = error instanceof UsageError ? `\nRun "${NAME} --help" for usage.` : '';
  const detail = verbose && !(error instanceof UsageError) ? stackOf(error) : '';
  return `${NAME}: ${error.message}${hint}${detail}`;
}

/** Runs one command line; resolves to the process exit code. */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  let parsed: ReturnType<typeof parseCommandLine>;
  try {
    parsed = parseCommandLine(argv);
  } catch (error) {
    io.stderr.write(`${describeError(error, false)}\n`);
    return 1;
  }
  const { command, operands, values } = parsed;
  const output = createOutput(io, values);
  if (values.version) {
    output.out(version());
    return 0;
  }
  if (values.help || command === undefined) {
    io.stdout.write(usage(command));
    return 0;
  }
  try {
    return await dispatch(command, operands, values, io, output);
  } catch (error) {
    output.error(describeError(error, values.verbose === true));
    return 1;
  }
}

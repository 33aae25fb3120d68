// Where the command line writes, and how: colour and tables only on a terminal (NO_COLOR respected),
// plain lines when piped, so that `plan | grep` and CI logs stay readable.

import { styleText } from 'node:util';
import type { Environment } from '../lib/config';

export interface TextStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface CliIo {
  stdout: TextStream;
  stderr: TextStream;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: Environment;
}

export const processIo = (): CliIo => ({
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
});

type Style = Parameters<typeof styleText>[0];

export interface Output {
  /** stdout is a terminal: tables, prompts. */
  readonly tty: boolean;
  readonly color: boolean;
  readonly quiet: boolean;
  readonly verbose: boolean;
  /** A result line: always printed, on stdout. */
  out(text: string): void;
  /** Progress and detail for people: stdout, not with --quiet. */
  info(text: string): void;
  /** A note about how the command runs (which config, a fallback): stderr, not with --quiet. */
  note(text: string): void;
  error(text: string): void;
  paint(style: Style, text: string): string;
}

const colorAllowed = (env: Environment) => !env.NO_COLOR && env.TERM !== 'dumb';

export function createOutput(io: CliIo, flags: { quiet?: boolean; verbose?: boolean }): Output {
  const tty = io.stdout.isTTY === true;
  const color = tty && colorAllowed(io.env);
  const line = (stream: TextStream, text: string) => stream.write(text.endsWith('\n') ? text : `${text}\n`);
  const quiet = flags.quiet === true;
  return {
    tty,
    color,
    quiet,
    verbose: flags.verbose === true && !quiet,
    out: (text) => line(io.stdout, text),
    info: (text) => {
      if (!quiet) line(io.stdout, text);
    },
    note: (text) => {
      if (!quiet) line(io.stderr, text);
    },
    error: (text) => line(io.stderr, text),
    paint: (style, text) => (color ? styleText(style, text, { validateStream: false }) : text),
  };
}

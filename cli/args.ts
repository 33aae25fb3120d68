// The command line's grammar: one flat option table (node:util parseArgs), each option listing the
// commands that take it, so that `plan --yes` is refused by name instead of silently ignored.

import { parseArgs } from 'node:util';
import { CliError } from './errors';

export const COMMANDS = [
  'plan',
  'apply',
  'run',
  'emulator',
  'config',
  'demo',
  'simulate',
  'state',
  'doctor',
] as const;
export type Command = (typeof COMMANDS)[number];

export type OptionSpec = {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** The commands that take it; absent: every command. */
  commands?: readonly Command[];
};

const CYCLE: readonly Command[] = ['plan', 'apply', 'run'];

export const OPTIONS = {
  config: { type: 'string', short: 'c', commands: [...CYCLE, 'config', 'simulate', 'state', 'doctor'] },
  endpoint: { type: 'string', commands: [...CYCLE, 'doctor'] },
  state: { type: 'string', commands: [...CYCLE, 'state'] },
  pool: { type: 'string', multiple: true, commands: [...CYCLE, 'simulate', 'state', 'doctor'] },
  json: { type: 'boolean', commands: [...CYCLE, 'simulate', 'doctor'] },
  connection: { type: 'string', commands: ['doctor'] },
  'probe-scale-in': { type: 'boolean', commands: ['doctor'] },
  confirm: { type: 'string', commands: ['doctor'] },
  yes: { type: 'boolean', short: 'y', commands: ['apply'] },
  interval: { type: 'string', commands: ['run', 'simulate'] },
  'max-cycles': { type: 'string', commands: ['run'] },
  'dry-run': { type: 'boolean', commands: ['run'] },
  'health-port': { type: 'string', commands: ['run'] },
  'health-host': { type: 'string', commands: ['run'] },
  'ready-intervals': { type: 'string', commands: ['run'] },
  'kill-switch-file': { type: 'string', commands: ['run'] },
  seed: { type: 'string', commands: ['emulator', 'simulate'] },
  port: { type: 'string', commands: ['emulator'] },
  host: { type: 'string', commands: ['emulator'] },
  auth: { type: 'string', commands: ['emulator'] },
  'transition-ms': { type: 'string', commands: ['emulator'] },
  cycles: { type: 'string', commands: ['demo'] },
  fast: { type: 'boolean', commands: ['demo'] },
  trace: { type: 'string', commands: ['simulate'] },
  scenario: { type: 'string', commands: ['simulate'] },
  'provisioning-delay': { type: 'string', commands: ['simulate'] },
  'deletion-delay': { type: 'string', commands: ['simulate'] },
  duration: { type: 'string', commands: ['simulate'] },
  max: { type: 'string', commands: ['simulate'] },
  out: { type: 'string', commands: ['simulate'] },
  chart: { type: 'string', commands: ['simulate'] },
  compare: { type: 'boolean', commands: ['simulate'] },
  platform: { type: 'string', commands: ['simulate'] },
  'scale-down': { type: 'string', commands: ['simulate'] },
  'stock-aware': { type: 'string', commands: ['simulate'] },
  'idle-seconds': { type: 'string', commands: ['simulate'] },
  'drain-seconds': { type: 'string', commands: ['simulate'] },
  'drain-ahead': { type: 'string', commands: ['simulate'] },
  headroom: { type: 'string', commands: ['simulate'] },
  forecast: { type: 'boolean', commands: ['simulate'] },
  'forecast-only': { type: 'boolean', commands: ['simulate'] },
  'forecast-lead': { type: 'string', commands: ['simulate'] },
  'forecast-spread': { type: 'string', commands: ['simulate'] },
  days: { type: 'string', commands: ['simulate'] },
  quiet: { type: 'boolean', short: 'q' },
  verbose: { type: 'boolean', short: 'v' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const satisfies Record<string, OptionSpec>;

type Options = typeof OPTIONS;
export type OptionValues = {
  [K in keyof Options]?: Options[K] extends { multiple: true }
    ? string[]
    : Options[K]['type'] extends 'string'
      ? string
      : boolean;
};

/** A mistake on the command line: printed with a pointer to --help, exit code 1. */
export class UsageError extends CliError {
  override readonly name = 'UsageError';
}

export interface ParsedArgs {
  /** Undefined for a bare `--help` / `--version`. */
  command?: Command;
  /** Positionals after the command (`config validate file.yaml` -> ['validate', 'file.yaml']). */
  operands: string[];
  values: OptionValues;
}

const isCommand = (word: string): word is Command => (COMMANDS as readonly string[]).includes(word);

function parse(argv: readonly string[]) {
  try {
    return parseArgs({
      args: [...argv],
      options: OPTIONS,
      allowPositionals: true,
      strict: true,
      tokens: true,
    });
  } catch (error) {
    // parseArgs explains well ("Unknown option '--x'"); its hint about `--` does not apply here.
    throw new UsageError((error as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
  }
}

export function parseCommandLine(argv: readonly string[]): ParsedArgs {
  const parsed = parse(argv);
  const [first, ...operands] = parsed.positionals;
  const values = parsed.values as OptionValues;
  if (first === undefined) {
    if (values.help || values.version) return { operands: [], values };
    throw new UsageError('a command is required');
  }
  if (!isCommand(first)) throw new UsageError(`unknown command "${first}"`);
  for (const token of parsed.tokens) {
    if (token.kind !== 'option') continue;
    const spec: OptionSpec = OPTIONS[token.name as keyof Options];
    if (spec.commands && !spec.commands.includes(first))
      throw new UsageError(`${token.rawName} is not an option of "${first}"`);
  }
  return { command: first, operands, values };
}

/** A positive number of seconds (fractions allowed: a test may want 0.05). */
export function positiveSeconds(flag: string, text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0)
    throw new UsageError(`--${flag} must be a number of seconds > 0`);
  return value;
}

export function wholeNumber(flag: string, text: string, min: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min)
    throw new UsageError(`--${flag} must be a whole number >= ${min}, got "${text}"`);
  return value;
}

export function oneOf<T extends string>(flag: string, text: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(text))
    throw new UsageError(`--${flag} must be ${allowed.join(' or ')}, got "${text}"`);
  return text as T;
}

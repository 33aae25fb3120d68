import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { COMMANDS, OPTIONS, type OptionSpec, parseCommandLine, UsageError } from '../../cli/args';
import { describeError } from '../../cli/main';

const optionNames = Object.keys(OPTIONS) as (keyof typeof OPTIONS)[];

const argsFor = (name: keyof typeof OPTIONS) =>
  OPTIONS[name].type === 'string' ? [`--${name}`, 'x'] : [`--${name}`];

describe('the command line grammar', () => {
  it('takes an option exactly for the commands that list it, and refuses it by name for the others', () => {
    fc.assert(
      fc.property(fc.constantFrom(...COMMANDS), fc.constantFrom(...optionNames), (command, name) => {
        const spec: OptionSpec = OPTIONS[name];
        const accepted = spec.commands === undefined || spec.commands.includes(command);
        const parse = () => parseCommandLine([command, ...argsFor(name)]);
        if (accepted) expect(parse().command).toBe(command);
        else expect(parse).toThrow(new UsageError(`--${name} is not an option of "${command}"`));
      }),
    );
  });

  it('keeps the operands after the command and collects a repeated --pool', () => {
    expect(parseCommandLine(['config', 'validate', 'a.yaml'])).toMatchObject({
      command: 'config',
      operands: ['validate', 'a.yaml'],
    });
    expect(parseCommandLine(['plan', '--pool', 'a', '--pool', 'b']).values.pool).toEqual(['a', 'b']);
  });

  it('names an unknown command, an unknown option and a missing command', () => {
    expect(() => parseCommandLine(['scale'])).toThrow('unknown command "scale"');
    expect(() => parseCommandLine(['plan', '--colour'])).toThrow("Unknown option '--colour'");
    expect(() => parseCommandLine([])).toThrow('a command is required');
    const help = parseCommandLine(['--help']);
    expect(help.command).toBeUndefined();
    expect(help.values.help).toBe(true);
  });
});

describe('error messages', () => {
  it('are one line, with a stack trace only when verbose', () => {
    const error = new Error('cannot reach 127.0.0.1:9');
    expect(describeError(error, false)).toBe('modelarts-autoscaler: cannot reach 127.0.0.1:9');
    expect(describeError(error, true)).toContain('\n    at ');
    expect(describeError(new UsageError('bad flag'), true)).toBe(
      'modelarts-autoscaler: bad flag\nRun "modelarts-autoscaler --help" for usage.',
    );
  });
});

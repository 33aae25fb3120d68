import { ConfigError, loadConfig, renderConfigJsonSchema } from '../../lib/config';
import { type OptionValues, UsageError } from '../args';
import type { CliIo, Output } from '../output';
import { locateConfig } from '../setup';

/** `config validate [file]`: every problem by path, exit 0/1. `config schema`: the JSON Schema. */
export async function configCommand(
  operands: readonly string[],
  values: OptionValues,
  io: CliIo,
  output: Output,
): Promise<number> {
  const [action, file, ...extra] = operands;
  if (action === 'schema' && file === undefined) {
    io.stdout.write(renderConfigJsonSchema());
    return 0;
  }
  if (action !== 'validate') throw new UsageError('config takes "validate [FILE]" or "schema"');
  if (extra.length > 0) throw new UsageError('config validate takes at most one file');
  if (file !== undefined && values.config !== undefined)
    throw new UsageError('give the file to validate either as an operand or with --config, not both');
  const location = locateConfig(file ?? values.config, io.env, process.cwd());
  if (location.note) output.note(location.note);
  try {
    const config = await loadConfig({ path: location.path, env: io.env });
    output.out(
      `${location.path}: valid (${config.connections.length} connection(s), ${config.pools.length} pool entr${config.pools.length === 1 ? 'y' : 'ies'})`,
    );
    return 0;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    output.error(`${location.path}: ${error.issues.length} problem(s)`);
    for (const issue of error.issues) output.error(`  ${issue.path}: ${issue.message}`);
    return 1;
  }
}

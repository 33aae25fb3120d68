import { type OptionValues, UsageError } from '../args';
import { openCycleSession } from '../cycle-session';
import type { CliIo, Output } from '../output';

/**
 * `state reset --pool <project>/<pool>`: removes a pool's history item from the config's state store, for an
 * item the scaler reports it cannot read. A bare pool name is taken in the only connection's project.
 */
export async function stateCommand(
  operands: readonly string[],
  values: OptionValues,
  io: CliIo,
  output: Output,
): Promise<number> {
  const [action, ...extra] = operands;
  if (action !== 'reset' || extra.length > 0)
    throw new UsageError('state takes "reset --pool <project>/<pool>"');
  const pools = values.pool ?? [];
  if (pools.length === 0) throw new UsageError('state reset needs --pool <project>/<pool> (repeatable)');
  const session = await openCycleSession(values, io.env, output);
  const projects = [...new Set(session.config.connections.map((connection) => connection.projectId))];
  for (const pool of pools) {
    const key = pool.includes('/') ? pool : projects.length === 1 ? `${projects[0]}/${pool}` : undefined;
    if (key === undefined)
      throw new UsageError(`--pool ${pool}: name the project too (<project>/<pool>): the config has several`);
    await session.cli.deps.store.reset(key);
    output.out(`${key}: history cleared`);
  }
  return 0;
}

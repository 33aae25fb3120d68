import { resolve } from 'node:path';
import { DEFAULT_TRANSITION_MS, loadSeedPools, startEmulator } from '../../emulator/server';
import { credentialsFromEnv } from '../../lib/modelarts/credentials';
import type { Pool } from '../../lib/modelarts/schemas';
import { type OptionValues, oneOf, wholeNumber } from '../args';
import type { CliIo, Output } from '../output';

const DEFAULT_PORT = 8787;

function poolLine(pool: Pool): string {
  const flavors = pool.spec.resources.map((resource) => `${resource.flavor} x${resource.count}`).join(', ');
  const mode = pool.spec.controlMode ? `, controlMode ${pool.spec.controlMode}` : '';
  return `  ${pool.metadata.name}  ${pool.status?.phase ?? '?'}${mode}  ${flavors}`;
}

/**
 * The ModelArts emulator until SIGINT/SIGTERM. In verify mode it accepts exactly the AK/SK of
 * HUAWEICLOUD_SDK_AK / _SK, the pair `plan` and `apply` sign with from the same shell.
 */
export async function emulatorCommand(values: OptionValues, io: CliIo, output: Output): Promise<number> {
  const auth = oneOf('auth', values.auth ?? 'open', ['open', 'verify']);
  const port = values.port === undefined ? DEFAULT_PORT : wholeNumber('port', values.port, 0);
  const transitionMs =
    values['transition-ms'] === undefined
      ? DEFAULT_TRANSITION_MS
      : wholeNumber('transition-ms', values['transition-ms'], 0);
  const seed = await loadSeedPools(values.seed === undefined ? undefined : resolve(values.seed));
  const credentials = auth === 'verify' ? credentialsFromEnv(io.env) : undefined;
  const emulator = await startEmulator({
    port,
    host: values.host ?? '127.0.0.1',
    transitionMs,
    pools: seed,
    auth: credentials
      ? { mode: 'verify', credentials: { [credentials.ak]: credentials.sk } }
      : { mode: 'open' },
  });
  output.out(`ModelArts emulator listening on ${emulator.url} (project ${emulator.projectId}, auth ${auth})`);
  output.info(`  point the autoscaler at it: --endpoint ${emulator.url}`);
  output.info(`  stop it with Ctrl-C or: kill ${process.pid}`);
  for (const raw of seed) {
    const name = (raw as { metadata?: { name?: string } }).metadata?.name;
    const pool = name === undefined ? undefined : emulator.pool(name);
    if (pool) output.info(poolLine(pool));
  }
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    for (const name of ['SIGINT', 'SIGTERM'] as const) process.once(name, () => resolve(name));
  });
  output.note(`${signal}: stopping the emulator`);
  await emulator.close();
  return 0;
}

// The sample config (events/autoscaler.yaml) as a deployed stage may bundle it: without the emulator
// endpoint, so each connection uses its region's (the tests point the bundles at an emulator with
// AUTOSCALER_ENDPOINT). A stage other than `local` refuses the sample itself (functions/build/config-path.cjs).

import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';

const SAMPLE = resolve(import.meta.dirname, '../../events/autoscaler.yaml');

/**
 * Writes the deployable sample config into `dir` (default a new temporary folder), with `extra` top-level
 * fields (e.g. `notifications`); returns the file's path.
 */
export async function writeDeployableSampleConfig(
  dir?: string,
  extra: Record<string, unknown> = {},
): Promise<string> {
  const sample = parse(await readFile(SAMPLE, 'utf8')) as { connections: { endpoint?: string }[] };
  for (const connection of sample.connections) delete connection.endpoint;
  const document = { ...sample, ...extra };
  const path = join(dir ?? (await mkdtemp(join(tmpdir(), 'autoscaler-config-'))), 'autoscaler.yaml');
  await writeFile(path, stringify(document));
  return path;
}

// `osls package --stage citest` (offline), once per test run for every test file that reads the generated
// CloudFormation template or the bundles. Test files run in separate workers: the first to ask packages into
// the run's folder (test/global-setup.ts) under a lock folder, the others wait for its marker file.

import { execFile } from 'node:child_process';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { inject } from 'vitest';
import { writeDeployableSampleConfig } from './deploy-config';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');

export const STAGE = 'citest';
/** How long packaging may take, waiting included (the test hooks that wait need at least this). */
export const PACKAGE_TIMEOUT_MS = 240_000;

export interface TemplateResource {
  Type: string;
  Properties: Record<string, unknown>;
}

export interface Template {
  Resources: Record<string, TemplateResource>;
}

export interface PackagedService {
  /** The folder with the template and one zip per function. */
  dir: string;
  template: Template;
}

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

// A deployed stage must name its own config, without the emulator's loopback endpoint.
async function packageInto(dir: string, runDir: string): Promise<void> {
  const osls = createRequire(import.meta.url).resolve('osls/bin/serverless.js');
  const configPath = await writeDeployableSampleConfig(runDir);
  const args = ['package', '--stage', STAGE, '--param', `configPath=${configPath}`, '--package', dir];
  await run(process.execPath, [osls, ...args], {
    cwd: ROOT,
    maxBuffer: 16 * 1024 * 1024,
  }).catch((error: Error & { stdout?: string; stderr?: string }) => {
    throw new Error(`osls package failed:\n${error.stdout ?? ''}\n${error.stderr ?? ''}`, { cause: error });
  });
}

async function packageOnce(runDir: string): Promise<string> {
  const dir = join(runDir, 'package');
  const done = join(runDir, 'package.done');
  const failed = join(runDir, 'package.failed');
  const won = await mkdir(join(runDir, 'package.lock')).then(
    () => true,
    () => false,
  );
  if (won) {
    try {
      await packageInto(dir, runDir);
      await writeFile(done, '');
    } catch (error) {
      await writeFile(failed, (error as Error).message);
      throw error;
    }
    return dir;
  }
  for (const deadline = Date.now() + PACKAGE_TIMEOUT_MS; Date.now() < deadline; await sleep(250)) {
    if (await exists(done)) return dir;
    if (await exists(failed)) throw new Error(await readFile(failed, 'utf8'));
  }
  throw new Error(`waited ${PACKAGE_TIMEOUT_MS / 1000} s for another test file to package the service`);
}

let packaged: Promise<PackagedService> | undefined;

/** The packaged service of this test run. */
export function packagedService(): Promise<PackagedService> {
  packaged ??= (async () => {
    const dir = await packageOnce(inject('runDir'));
    const template = JSON.parse(
      await readFile(join(dir, 'cloudformation-template-update-stack.json'), 'utf8'),
    ) as Template;
    return { dir, template };
  })();
  return packaged;
}

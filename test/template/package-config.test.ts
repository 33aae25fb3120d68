// Which config `osls package` bundles for a stage. The sample config drives the local emulator (127.0.0.1, no
// auth, dryRun off); packaged for a deployed stage it would send every request to the Lambda's own loopback.
// The refusals run the real `osls package`: they stop while serverless.yml's variables resolve, before
// anything is bundled.

import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configPathFor, LOCAL_CONFIG } from '../../functions/build/config-path.cjs';
import { isLoopbackHost } from '../../lib/config/deploy-stage';
import { writeDeployableSampleConfig } from './deploy-config';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');

let outDir = '';
let deployable = '';
beforeAll(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'autoscaler-refused-package-'));
  deployable = await writeDeployableSampleConfig();
});
afterAll(async () => {
  if (outDir) await rm(outDir, { recursive: true, force: true });
  if (deployable) await rm(dirname(deployable), { recursive: true, force: true });
});

/** `osls package` with these arguments: its output when it fails; throws when it packages. */
async function packagingFailure(...args: string[]): Promise<string> {
  const osls = createRequire(import.meta.url).resolve('osls/bin/serverless.js');
  const outcome = await run(process.execPath, [osls, 'package', ...args, '--package', outDir], {
    cwd: ROOT,
    maxBuffer: 16 * 1024 * 1024,
  }).then(
    () => undefined,
    (error: Error & { stdout?: string; stderr?: string }) => `${error.stdout ?? ''}\n${error.stderr ?? ''}`,
  );
  if (outcome === undefined) throw new Error(`osls package ${args.join(' ')} packaged; expected a refusal`);
  return outcome;
}

describe('osls package', () => {
  it('refuses a non-local stage without a config of its own, naming the stage and the fix', async () => {
    const output = await packagingFailure('--stage', 'prod');

    expect(output).toContain('configPath: stage "prod" needs its own config');
    expect(output).toContain('pass --param="configPath=your-config.yaml"');
    expect(output).toContain('used only with --stage local');
    // Refused while resolving variables: no stack of the bundled resolver.
    expect(output).not.toMatch(/^\s+at /m);
  }, 240_000);

  it('refuses the emulator config passed explicitly to a non-local stage, naming the connection', async () => {
    const output = await packagingFailure('--stage', 'prod', '--param', `configPath=${LOCAL_CONFIG}`);

    expect(output).toContain(`invalid configuration (${LOCAL_CONFIG}), 1 problem`);
    expect(output).toContain(
      'connections[0].endpoint: connection "emulator" points at 127.0.0.1, this machine (the local emulator), ' +
        'which a function deployed to stage "prod" cannot reach',
    );
  }, 240_000);
});

describe('the config path of a stage', () => {
  it('defaults to the emulator config for the local stage only', () => {
    expect(configPathFor('local', null)).toBe(LOCAL_CONFIG);
    expect(configPathFor('local', 'mine.yaml')).toBe('mine.yaml');
    for (const stage of ['dev', 'prod', 'citest'])
      expect(() => configPathFor(stage, null)).toThrow(`stage "${stage}" needs its own config`);
  });

  it('takes a deployed stage’s own config when no connection points at this machine', () => {
    expect(configPathFor('prod', deployable)).toBe(deployable);
  });
});

describe('isLoopbackHost', () => {
  const hostOf = (url: string) => new URL(url).hostname;

  it.each([
    'http://127.0.0.1:8787',
    'http://127.8.9.10',
    'http://2130706433', // 127.0.0.1, as URL normalises it
    'http://0x7f.1',
    'http://localhost:8787',
    'http://LOCALHOST.',
    'http://emulator.localhost',
    'http://[::1]:8787',
    'http://[0:0:0:0:0:0:0:1]',
    'http://[::ffff:127.0.0.1]',
    'http://0.0.0.0:8787',
    'http://[::]',
  ])('%s is this machine', (url) => {
    expect(isLoopbackHost(hostOf(url))).toBe(true);
  });

  it.each([
    'https://modelarts.cn-north-4.myhuaweicloud.com',
    'http://10.0.0.1',
    'http://128.0.0.1',
    'http://localhost.example.com',
    'http://[::2]',
    'http://[::ffff:10.0.0.1]',
  ])('%s is not', (url) => {
    expect(isLoopbackHost(hostOf(url))).toBe(false);
  });
});

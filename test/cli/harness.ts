// Drives the real bin (cli/bin.js, through tsx) as a child process, the way a user's shell does: piped
// stdio (so never a TTY), a fresh working directory, and an environment without the caller's credentials.

import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';
import { type Emulator, type EmulatorOptions, startEmulator } from '../../emulator/server';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = join(ROOT, 'cli/bin.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** process.env without anything that would change how the CLI behaves (credentials, overrides, colour). */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of Object.keys(env)) {
    if (/^(HUAWEICLOUD_|AUTOSCALER_|EMULATOR_)/.test(name) || name === 'NO_COLOR' || name === 'FORCE_COLOR')
      delete env[name];
  }
  return { ...env, ...extra };
}

export const scratchDir = () => mkdtempSync(join(tmpdir(), 'autoscaler-cli-'));

/** Writes a file into a fresh scratch directory and returns its path. */
export function writeScratch(name: string, text: string): string {
  const path = join(scratchDir(), name);
  writeFileSync(path, text);
  return path;
}

export interface SpawnOptions {
  env?: Record<string, string>;
  cwd?: string;
  /** The command instead of `node cli/bin.js` (npx, npm). */
  command?: string[];
  /** Called with the child and its output so far as output arrives; for long-running commands. */
  onOutput?: (child: ReturnType<typeof spawn>, output: { stdout: string; stderr: string }) => void;
}

export function runCli(args: string[], options: SpawnOptions = {}): Promise<CliRun> {
  const [command, ...prefix] = options.command ?? [process.execPath, BIN];
  const child = spawn(command as string, [...prefix, ...args], {
    cwd: options.cwd ?? scratchDir(),
    env: cleanEnv(options.env),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin.end();
  const output = { stdout: '', stderr: '' };
  child.stdout.on('data', (chunk) => {
    output.stdout += chunk;
    options.onOutput?.(child, output);
  });
  child.stderr.on('data', (chunk) => {
    output.stderr += chunk;
    options.onOutput?.(child, output);
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, ...output }));
  });
}

/**
 * Starts an emulator per call in this process (cheap), so that request and pool counts belong to one test;
 * all are closed after the file.
 */
export function emulatorPerTest(defaults: EmulatorOptions = {}) {
  const started: Emulator[] = [];
  afterAll(async () => {
    await Promise.all(started.map((emulator) => emulator.close()));
  });
  return async (options: EmulatorOptions = {}) => {
    const emulator = await startEmulator({ ...defaults, ...options });
    started.push(emulator);
    return emulator;
  };
}

/** A local port nothing listens on (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

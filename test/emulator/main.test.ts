import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Runs `emulator/main.ts` in its own Node process (tsx as a loader, so signals reach it directly). */
function runMain(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'emulator/main.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const output = () => ({ stdout, stderr });
  const printed = async (pattern: RegExp) => {
    while (!pattern.test(stdout)) {
      if (child.exitCode !== null) throw new Error(`emulator exited early: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return pattern.exec(stdout) as RegExpExecArray;
  };
  return { child, exited, output, printed };
}

describe('npm run emulator', () => {
  it('prints its URL and pools, serves them, and stops cleanly on SIGINT', async () => {
    const run = runMain(['--port', '0', '--transition-ms', '1000']);
    const [, url] = await run.printed(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
    await run.printed(/single-flavor-pool-[0-9a-f]{32}\s+Running\s+\[modelarts\.vm\.cpu\.4ud x3\]/);
    expect(run.output().stdout).toContain(
      'frozen-pool-2b8bac7b9334a944bf07f1a69c55f374  Running controlMode 8',
    );
    const response = await fetch(`${url}/v2/emulator-project/pools`);
    expect(response.status).toBe(200);
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
  });

  it('refuses a bad flag with a clear message and exit code 1', async () => {
    const run = runMain(['--auth', 'nope']);
    expect(await run.exited).toBe(1);
    expect(run.output().stderr).toContain('emulator: --auth must be open or verify, got "nope"');
  });

  it('never prints the secret keys of verify mode, and stops cleanly on SIGTERM', async () => {
    const run = runMain(['--port', '0', '--auth', 'verify'], {
      EMULATOR_CREDENTIALS: 'AKEXAMPLE:very-secret-sk',
      EMULATOR_USERS: 'u:pass-secret@d',
    });
    await run.printed(/single-flavor-pool/);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    const { stdout, stderr } = run.output();
    expect(stdout + stderr).not.toMatch(/very-secret-sk|pass-secret/);
    expect(stdout).toContain('auth verify');
  });
});

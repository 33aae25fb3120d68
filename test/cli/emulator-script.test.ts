import { type ChildProcess, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { cleanEnv, ROOT, runCli, writeScratch } from './harness';

// `npm run emulator &` then `kill <pid>`: whichever pid the user has (npm's, or the one the emulator prints),
// the server must go and take its port with it. npm is started in a process group of its own so that the test
// can clean up after a server that outlived it.

interface Started {
  child: ChildProcess;
  url: URL;
  /** The pid the emulator prints in its banner. */
  reportedPid?: number;
  exited: Promise<number | null>;
}

async function startScript(args: string[] = [], env: Record<string, string> = {}): Promise<Started> {
  const child = spawn('npm', ['run', '--silent', 'emulator', '--', '--port', '0', ...args], {
    cwd: ROOT,
    env: cleanEnv(env),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let stdout = '';
  child.stdout?.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    stdout += chunk;
  });
  for (let waited = 0; waited < 20_000; waited += 50) {
    const url = /listening on (http:\/\/\S+)/.exec(stdout)?.[1];
    // The banner ends with the line listing the seed pools; the pid comes before them.
    if (url && stdout.includes('multi-gpu-pool')) {
      const pid = /kill (\d+)/.exec(stdout)?.[1];
      return { child, url: new URL(url), ...(pid ? { reportedPid: Number(pid) } : {}), exited };
    }
    await sleep(50);
  }
  killGroup(child);
  throw new Error(`the emulator did not start:\n${stdout}`);
}

const accepts = (url: URL) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(Number(url.port), url.hostname);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

async function portFreed(url: URL, withinMs: number): Promise<boolean> {
  for (let waited = 0; waited < withinMs; waited += 100) {
    if (!(await accepts(url))) return true;
    await sleep(100);
  }
  return false;
}

function killGroup(child: ChildProcess) {
  try {
    process.kill(-(child.pid as number), 'SIGKILL');
  } catch {
    // The whole group is already gone.
  }
}

describe.concurrent('npm run emulator', () => {
  it('stops serving and frees its port when npm is killed', async () => {
    const started = await startScript();
    try {
      expect(await accepts(started.url)).toBe(true);
      started.child.kill('SIGTERM');
      await started.exited;
      expect(await portFreed(started.url, 5_000), `port ${started.url.port} still open after kill`).toBe(
        true,
      );
    } finally {
      killGroup(started.child);
    }
  });

  it('prints the pid of the server itself: killing it frees the port and ends npm', async () => {
    const started = await startScript();
    try {
      expect(started.reportedPid, 'the banner names no pid').toBeDefined();
      process.kill(started.reportedPid as number, 'SIGTERM');
      expect(await started.exited).toBe(0);
      expect(await portFreed(started.url, 5_000), `port ${started.url.port} still open after kill`).toBe(
        true,
      );
    } finally {
      killGroup(started.child);
    }
  });
});

const AK = 'AKEMULATORSCRIPT01';
const SK = 'the-script-secret-key-1234567890';
const AKSK_CONFIG = `connections:
  - { name: emu, region: cn-north-7, projectId: emulator-project, auth: { type: aksk } }
pools:
  - name: auto-pool-os-86c13962597848eeb29c5861153a391f
    flavors: [{ flavor: modelarts.vm.cpu.4ud, max: 4, backlog: { source: { type: static, value: 2 } } }]
`;

describe.concurrent('npm run emulator -- --auth verify', () => {
  it('accepts the HUAWEICLOUD_SDK_AK / HUAWEICLOUD_SDK_SK pair that plan signs with from the same shell', async () => {
    const env = { HUAWEICLOUD_SDK_AK: AK, HUAWEICLOUD_SDK_SK: SK };
    const started = await startScript(['--auth', 'verify'], env);
    try {
      const config = writeScratch('aksk.yaml', AKSK_CONFIG);
      const signed = await runCli(
        ['plan', '-c', config, '--endpoint', started.url.origin, '--state', 'memory'],
        {
          env,
        },
      );
      expect(signed.stderr).toBe('');
      expect(signed.code).toBe(0);
      const wrong = await runCli(
        ['plan', '-c', config, '--endpoint', started.url.origin, '--state', 'memory'],
        {
          env: { HUAWEICLOUD_SDK_AK: AK, HUAWEICLOUD_SDK_SK: 'another-secret-key-0987654321' },
        },
      );
      expect(wrong.stderr).toContain('refused the credentials');
    } finally {
      killGroup(started.child);
    }
  });

  it('refuses to start with no credentials to accept, naming the variables', async () => {
    const run = await runCli(['--import', 'tsx', 'emulator/main.ts', '--port', '0', '--auth', 'verify'], {
      command: [process.execPath],
      cwd: ROOT,
      // Should it start anyway, stop it rather than wait for the test to time out.
      onOutput: (child, output) => {
        if (output.stdout.includes('listening on')) child.kill('SIGTERM');
      },
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      '--auth verify needs credentials to accept: set HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK',
    );
  });
});

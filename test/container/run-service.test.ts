// `run` as the container runs it: the bundled entry point (scripts/build-container.ts, what the Dockerfile's
// ENTRYPOINT starts), with the image's environment, against the emulator over real HTTP. Its health
// endpoints, the single holder of a file state, the kill switch file and temporary credentials.

import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../emulator/server';
import { buildContainer } from '../../scripts/build-container';
import { closedPort, emulatorPerTest, runCli, scratchDir, writeScratch } from '../cli/harness';

const AUTO = 'auto-pool-os-86c13962597848eeb29c5861153a391f';
const AK = 'AKCONTAINERTEST01';
const SK = 'the-container-secret-key-1234567890';
const TOKEN = 'temporary-security-token-0123456789';

const emulator = emulatorPerTest({ transitionMs: 60_000 });

const config = (auth = 'none', dryRun = false) =>
  writeScratch(
    'config.yaml',
    `dryRun: ${dryRun}
connections:
  - { name: emu, region: cn-north-7, projectId: emulator-project, auth: { type: ${auth} } }
pools:
  - name: ${AUTO}
    flavors:
      - { flavor: modelarts.vm.cpu.4ud, max: 10, backlog: { source: { type: static, value: 6 }, targetPerNode: 2 } }
`,
  );

let entry = '';
beforeAll(async () => {
  entry = await buildContainer(mkdtempSync(join(tmpdir(), 'autoscaler-container-')));
}, 60_000);

/** The image's environment (Dockerfile ENV), with the state in a fresh folder. */
function imageEnv(stateDir: string, port: number, extra: Record<string, string> = {}) {
  return {
    AUTOSCALER_STATE_FILE: join(stateDir, 'state.json'),
    AUTOSCALER_KILL_SWITCH_FILE: join(stateDir, 'kill-switch'),
    AUTOSCALER_HEALTH_PORT: String(port),
    AUTOSCALER_HEALTH_HOST: '127.0.0.1',
    AUTOSCALER_JSON_LINES: 'true',
    ...extra,
  };
}

/** The bundled entry point, to the end. */
const runBundled = (args: string[], env: Record<string, string>) =>
  runCli(args, { command: [process.execPath, entry], env });

/** One cycle of the bundled `run` with a config against an emulator. */
const runOnce = (configPath: string, em: Emulator, env: Record<string, string>) =>
  runBundled(['run', '-c', configPath, '--endpoint', em.url, '--max-cycles', '1'], env);

interface Service {
  child: ChildProcess;
  output: { stdout: string; stderr: string };
  done: ReturnType<typeof runCli>;
}

/** Starts the bundled `run` and resolves once its loop has started. */
async function startRun(args: string[], env: Record<string, string>): Promise<Service> {
  let child: ChildProcess | undefined;
  const output = { stdout: '', stderr: '' };
  const done = runCli(['run', ...args], {
    command: [process.execPath, entry],
    env,
    onOutput: (spawned, seen) => {
      child = spawned;
      Object.assign(output, seen);
    },
  });
  for (let waited = 0; !output.stderr.includes('running a cycle every'); waited += 20) {
    if (waited > 10_000) throw new Error(`run did not start:\n${output.stderr}`);
    const exited = await Promise.race([done.then(() => true), sleep(20).then(() => false)]);
    if (exited) throw new Error(`run exited:\n${(await done).stderr}`);
  }
  return { child: child as ChildProcess, output, done };
}

async function get(port: number, path: string) {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value) || Date.now() > deadline) return value;
    await sleep(25);
  }
}

const patches = (em: Emulator) => em.requests.filter((request) => request.route === 'patchPool');

describe('the container entry point running `run`', () => {
  it('answers /healthz 200, /readyz 503 before the first cycle and 200 after it', async () => {
    const em = await emulator();
    // The first LIST takes a while, so the first cycle is still running when the probes start.
    em.setFaults({ listPools: { latencyMs: 600 } });
    const port = await closedPort();
    const service = await startRun(
      ['-c', config(), '--endpoint', em.url, '--interval', '5'],
      imageEnv(scratchDir(), port),
    );
    expect(service.output.stderr).toContain(`health: http://127.0.0.1:${port}/healthz`);
    expect(await get(port, '/healthz')).toEqual({ status: 200, body: { status: 'up' } });
    expect(await get(port, '/readyz')).toEqual({
      status: 503,
      body: { ready: false, reason: 'no cycle has finished yet' },
    });
    const ready = await until(
      () => get(port, '/readyz'),
      (answer) => answer.status === 200,
    );
    expect(ready).toEqual({ status: 200, body: { ready: true, lastSuccessAt: expect.any(String) } });
    service.child.kill('SIGTERM');
    const run = await service.done;
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('stopped after 1 cycle (SIGTERM)');
    // Decision records as JSON lines, one per pool and flavor.
    const records = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(records).toEqual([
      expect.objectContaining({
        pool: AUTO,
        flavor: 'modelarts.vm.cpu.4ud',
        action: 'scale-up',
        outcome: 'patched',
      }),
    ]);
  });

  it('turns /readyz 503, with the failure as the reason, once cycles have failed for the ready intervals', async () => {
    const em = await emulator();
    const port = await closedPort();
    const service = await startRun(
      ['-c', config(), '--endpoint', em.url, '--interval', '0.2', '--ready-intervals', '2'],
      imageEnv(scratchDir(), port),
    );
    await until(
      () => get(port, '/readyz'),
      (answer) => answer.status === 200,
    );
    em.setFaults({ '*': { errorRate: 1 } });
    const failing = await until(
      () => get(port, '/readyz'),
      (answer) => answer.status === 503 && /failed/.test(String(answer.body.reason)),
      20_000,
    );
    expect(failing.status).toBe(503);
    expect(failing.body.reason).toMatch(
      /^no successful cycle for [\d.]+ s \(more than 2 intervals of 0\.2 s\); the last one failed: /,
    );
    expect(failing.body.reason).toContain('"emu"');
    // Still up: the process serves, it is the cycles that fail.
    expect((await get(port, '/healthz')).status).toBe(200);
    service.child.kill('SIGTERM');
    expect((await service.done).code).toBe(0);
  });

  it('refuses to start a second run on the same state file while the first one is live', async () => {
    const em = await emulator();
    const stateDir = scratchDir();
    const first = await startRun(
      ['-c', config('none', true), '--endpoint', em.url, '--interval', '5'],
      imageEnv(stateDir, 0),
    );
    const second = await runBundled(
      ['run', '-c', config('none', true), '--endpoint', em.url],
      imageEnv(stateDir, 0),
    );
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(
      new RegExp(`another run holds this state: pid ${first.child.pid} on host \\S+, heartbeat \\d+ s ago`),
    );
    expect(second.stderr).not.toContain('running a cycle');
    first.child.kill('SIGTERM');
    expect((await first.done).code).toBe(0);
    // Released on the way out: the next run starts.
    expect(existsSync(join(stateDir, 'state.json.holder'))).toBe(false);
  });

  it('takes over a holder whose heartbeat went stale, saying so', async () => {
    const em = await emulator();
    const stateDir = scratchDir();
    const stale = {
      id: 'old',
      pid: 4242,
      host: 'a-dead-container',
      startedAt: 0,
      heartbeatAt: Date.now() - 120_000,
    };
    writeFileSync(join(stateDir, 'state.json.holder'), JSON.stringify(stale));
    const run = await runOnce(config('none', true), em, imageEnv(stateDir, 0));
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('took over the state from a stale run (pid 4242 on host a-dead-container)');
  });

  it('sends no PATCH while the kill switch file exists, and scales once it is removed', async () => {
    const em = await emulator();
    const stateDir = scratchDir();
    writeFileSync(join(stateDir, 'kill-switch'), '');
    const paused = await runOnce(config(), em, imageEnv(stateDir, 0));
    expect(paused.code).toBe(0);
    expect(patches(em)).toHaveLength(0);
    const [record] = paused.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(record).toMatchObject({
      pool: AUTO,
      outcome: 'skipped',
      reasons: [expect.stringMatching(/kill.switch/i)],
    });

    writeFileSync(join(stateDir, 'kill-switch'), 'off\n');
    const resumed = await runOnce(config(), em, imageEnv(stateDir, 0));
    expect(resumed.code).toBe(0);
    expect(patches(em)).toHaveLength(1);
  });

  it('signs with temporary credentials: the security token is sent and signed, and never printed', async () => {
    const em = await emulator({ auth: { mode: 'verify', credentials: { [AK]: SK } } });
    const run = await runOnce(
      config('aksk', true),
      em,
      imageEnv(scratchDir(), 0, {
        HUAWEICLOUD_SDK_AK: AK,
        HUAWEICLOUD_SDK_SK: SK,
        HUAWEICLOUD_SDK_SECURITY_TOKEN: TOKEN,
      }),
    );
    expect(run.code).toBe(0);
    expect(em.requests.length).toBeGreaterThan(0);
    for (const request of em.requests) {
      expect(request.status).toBe(200);
      expect(request.headers['x-security-token']).toBeDefined();
      expect(request.headers.authorization).toMatch(/SignedHeaders=[a-z0-9;-]*x-security-token/);
    }
    expect(run.stdout + run.stderr).not.toContain(TOKEN);
  });

  it('reads the state file the image names (AUTOSCALER_STATE_FILE)', async () => {
    const em = await emulator();
    const stateDir = scratchDir();
    const run = await runOnce(config(), em, imageEnv(stateDir, 0));
    expect(run.code).toBe(0);
    const state = JSON.parse(readFileSync(join(stateDir, 'state.json'), 'utf8'));
    expect(Object.keys(state.pools)).toEqual([`emulator-project/${AUTO}`]);
  });
});

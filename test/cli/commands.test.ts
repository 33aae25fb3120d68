import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Emulator } from '../../emulator/server';
import { renderConfigJsonSchema } from '../../lib/config';
import { closedPort, emulatorPerTest, ROOT, runCli, scratchDir, writeScratch } from './harness';

// Each test gets its own emulator (cheap, in this process) so that request counts and pool counts belong to
// it alone; the child processes run concurrently, since each spends most of its second starting tsx.

const AUTO = 'auto-pool-os-86c13962597848eeb29c5861153a391f';
const MULTI = 'multi-gpu-pool-fb414673d35cd05c56b692b7599755e9';
const FROZEN = 'frozen-pool-2b8bac7b9334a944bf07f1a69c55f374';
const AK = 'AKCLITEST0001';
const SK = 'the-right-secret-key-1234567890';

const emulator = emulatorPerTest({ transitionMs: 60_000 });

const patches = (em: Emulator) => em.requests.filter((request) => request.route === 'patchPool');

// No endpoint in the file: every test points it at its emulator with --endpoint.
const connection = (auth: string) =>
  `connections:\n  - { name: emu, region: cn-north-7, projectId: emulator-project, auth: { type: ${auth} } }\n`;

const SCALING = `${connection('none')}
defaults: { max: 10 }
pools:
  - name: ${AUTO}
    flavors:
      - { flavor: modelarts.vm.cpu.4ud, backlog: { source: { type: static, value: 6 }, targetPerNode: 2 } }
  - name: ${MULTI}
    flavors:
      - { flavor: modelarts.vm.gpu.t4u8, backlog: { source: { type: modelarts-workloads }, unit: nodes } }
  - name: ${FROZEN}
    flavors:
      - { flavor: "*", backlog: { source: { type: static, value: 5 } } }
`;

const STEADY = `${connection('none')}
pools:
  - name: ${AUTO}
    flavors:
      - { flavor: modelarts.vm.cpu.4ud, max: 4, backlog: { source: { type: static, value: 2 } } }
`;

const scalingConfig = writeScratch('scaling.yaml', SCALING);
const steadyConfig = writeScratch('steady.yaml', STEADY);
const akskConfig = writeScratch('aksk.yaml', STEADY.replace('type: none', 'type: aksk'));

const ANSI = '\u001b[';

describe.concurrent('modelarts-autoscaler against the emulator', () => {
  it('plan prints one plain line per pool and flavor when piped, exits 2 for changes, and patches nothing', async () => {
    const em = await emulator();
    const run = await runCli(['plan', '--config', scalingConfig, '--endpoint', em.url, '--state', 'memory']);
    expect(run.code).toBe(2);
    expect(run.stdout).not.toContain(ANSI);
    expect(run.stdout).toMatch(
      new RegExp(
        `${MULTI}\\s+modelarts\\.vm\\.gpu\\.t4u8\\s+5 -> 8\\s+scale-up\\s+cn-north-7a 2->3, cn-north-7b 2->3, cn-north-7c 1->2\\s+desired: backlog 8`,
      ),
    );
    expect(run.stdout).toMatch(new RegExp(`${AUTO}\\s+modelarts\\.vm\\.cpu\\.4ud\\s+2 -> 3\\s+scale-up`));
    expect(run.stdout).toMatch(
      new RegExp(`${FROZEN}\\s+modelarts\\.vm\\.cpu\\.8u\\s+2\\s+skip\\s+-\\s+control-mode:`),
    );
    expect(run.stdout).toContain(
      '3 pool(s): 2 to change, 0 unchanged, 1 skipped (dry run: nothing was patched)',
    );
    expect(patches(em)).toHaveLength(0);
    expect(em.pool(MULTI)?.spec.resources[0]?.count).toBe(5);
  });

  it('plan --json prints the plan as JSON and exits 0 when nothing would change', async () => {
    const em = await emulator();
    const run = await runCli([
      'plan',
      '--json',
      '-c',
      steadyConfig,
      '--endpoint',
      em.url,
      '--state',
      'memory',
    ]);
    expect(run.code).toBe(0);
    const json = JSON.parse(run.stdout);
    expect(json).toMatchObject({ version: 1, dryRun: true, changes: false, problems: [] });
    expect(json.plan.pools).toHaveLength(1);
    expect(json.plan.pools[0]).toMatchObject({ pool: AUTO, action: 'hold' });
    expect(json.plan.pools[0]).not.toHaveProperty('history');
    expect(json.plan.pools[0].flavors[0]).toMatchObject({
      flavor: 'modelarts.vm.cpu.4ud',
      current: 2,
      target: 2,
    });
    expect(json.outcomes).toEqual([expect.objectContaining({ pool: AUTO, status: 'unchanged' })]);
  });

  it('apply --yes patches the pools of the plan, per AZ, and keeps state in a file in the working directory', async () => {
    const em = await emulator();
    const cwd = scratchDir();
    const run = await runCli(['apply', '--yes', '-c', scalingConfig, '--endpoint', em.url], { cwd });
    expect(run.code).toBe(0);
    const state = JSON.parse(readFileSync(join(cwd, '.autoscaler/state.json'), 'utf8'));
    expect(Object.keys(state.pools)).toContain(`emulator-project/${MULTI}`);
    expect(run.stdout).toMatch(
      new RegExp(`${MULTI}\\s+modelarts\\.vm\\.gpu\\.t4u8\\s+5 -> 8\\s+scale-up.*patched`),
    );
    expect(run.stdout).toMatch(new RegExp(`${FROZEN}.*skip.*skipped`));
    expect(
      patches(em)
        .map((request) => request.path.split('/').pop())
        .sort(),
    ).toEqual([AUTO, MULTI]);
    expect(em.pool(MULTI)?.spec.resources[0]?.azs).toEqual([
      { az: 'cn-north-7a', count: 3 },
      { az: 'cn-north-7b', count: 3 },
      { az: 'cn-north-7c', count: 2 },
    ]);
    expect(em.pool(AUTO)?.spec.resources[0]?.count).toBe(3);
    expect(em.pool(FROZEN)?.spec.resources[0]?.count).toBe(2);
  });

  it('apply without --yes on a non-terminal refuses before sending anything', async () => {
    const em = await emulator();
    const run = await runCli(['apply', '-c', scalingConfig, '--endpoint', em.url]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('pass --yes when stdin is not a terminal (nothing was changed)');
    expect(em.requests).toHaveLength(0);
  });

  it('run cycles at the given interval until --max-cycles, a line per decision each cycle', async () => {
    const em = await emulator();
    const run = await runCli([
      'run',
      ...['-c', scalingConfig, '--endpoint', em.url, '--state', 'memory', '--interval', '0.05'],
      ...['--max-cycles', '3'],
    ]);
    expect(run.code).toBe(0);
    expect(em.requests.filter((request) => request.route === 'listPools')).toHaveLength(3);
    const lines = run.stdout.trim().split('\n');
    // 4 decisions a cycle: auto (1 flavor), multi (2 flavors), frozen (1 flavor).
    expect(lines).toHaveLength(12);
    for (const line of lines) expect(line).toMatch(/^\d\d:\d\d:\d\d {2}\S+ {2,}\S+/);
    expect(lines.filter((line) => /t4u8.*scale-up.*patched/.test(line))).toHaveLength(1);
    // Later cycles see the nodes the first one asked for, in flight.
    expect(lines.filter((line) => /t4u8\s+8 \(5 available, 3 creating\)\s+hold/.test(line))).toHaveLength(2);
    // And once stopped, what the run did.
    expect(run.stderr).toContain('stopped after 3 cycles (--max-cycles 3): 2 PATCHes sent, 0 problems');
  });

  it('a missing AK names its variable, in one line without a stack trace', async () => {
    const em = await emulator();
    const run = await runCli(['plan', '-c', akskConfig, '--endpoint', em.url], {
      env: { HUAWEICLOUD_SDK_SK: SK },
    });
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe(
      'modelarts-autoscaler: connection "emu" needs AK/SK credentials: set HUAWEICLOUD_SDK_AK',
    );
    expect(em.requests).toHaveLength(0);
  });

  it('credentials the endpoint refuses (401) are named as such, and the secret key is never printed', async () => {
    const em = await emulator({ auth: { mode: 'verify', credentials: { [AK]: SK } } });
    const wrongSk = 'a-wrong-secret-key-0987654321';
    const run = await runCli(['plan', '-c', akskConfig, '--endpoint', em.url], {
      env: { HUAWEICLOUD_SDK_AK: AK, HUAWEICLOUD_SDK_SK: wrongSk },
    });
    expect(run.code).toBe(1);
    const host = new URL(em.url).host;
    expect(run.stderr).toContain(
      `error: ${host} refused the credentials of connection "emu" (401 APIGW.0301): check HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK`,
    );
    expect(run.stdout + run.stderr).not.toContain(wrongSk);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('an unreachable endpoint names the host', async () => {
    const port = await closedPort();
    const run = await runCli(['plan', '-c', steadyConfig, '--endpoint', `http://127.0.0.1:${port}`]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`error: cannot reach 127.0.0.1:${port} for connection "emu": ECONNREFUSED`);
  });

  it('a pool the API does not know (404) is named', async () => {
    const em = await emulator();
    const config = writeScratch('missing.yaml', STEADY.replace(AUTO, 'no-such-pool'));
    const run = await runCli(['plan', '-c', config, '--endpoint', em.url, '--pool', 'no-such-pool']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      'error: pool "no-such-pool" not found on connection "emu" (404 ModelArts.50015001)',
    );
  });

  it('config validate accepts the example config', async () => {
    const run = await runCli(['config', 'validate', `${ROOT}config.example.yaml`]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('config.example.yaml: valid (1 connection(s), 3 pool entries)');
  });

  it('config validate lists every problem of a bad file by its path', async () => {
    const bad = writeScratch(
      'bad.yaml',
      `${connection('none')}intervalSeconds: 0\npools:\n  - name: p\n    flavors: [{ flavor: f, max: 0 }]\n    colour: blue\n`,
    );
    const run = await runCli(['config', 'validate', bad]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('3 problem(s)');
    expect(run.stderr).toContain('  intervalSeconds: must be >= 1 (got 0)');
    expect(run.stderr).toContain('  pools[0].flavors[0].max: must be >= 1 (got 0)');
    expect(run.stderr).toContain('  pools[0].colour: unknown field');
  });

  it('config schema prints the JSON Schema of the config file', async () => {
    const run = await runCli(['config', 'schema']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(renderConfigJsonSchema());
  });

  it('emulator serves the seed pools until SIGINT', async () => {
    let url: string | undefined;
    let answered: Promise<number> | undefined;
    const run = await runCli(['emulator', '--port', '0', '--transition-ms', '1000'], {
      onOutput: (child, output) => {
        const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output.stdout);
        if (!match || url) return;
        url = match[1] as string;
        answered = fetch(`${url}/v2/emulator-project/pools/${FROZEN}`)
          .then((response) => response.status)
          .finally(() => child.kill('SIGINT'));
      },
    });
    expect(run.code).toBe(0);
    expect(await answered).toBe(200);
    expect(run.stdout).toContain(`${FROZEN}  Running, controlMode 8  modelarts.vm.cpu.8u x2`);
  });

  it('npx modelarts-autoscaler --help works from the repository', async () => {
    const run = await runCli(['--no', '--', 'modelarts-autoscaler', '--help'], {
      command: ['npx'],
      cwd: ROOT,
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Usage: modelarts-autoscaler <command> [options]');
    expect(run.stdout).toMatch(/plan\s+show what one cycle would change; exit 0 nothing, 2 changes, 1 error/);
  });
});

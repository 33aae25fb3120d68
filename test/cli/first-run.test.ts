import { describe, expect, it } from 'vitest';
import { main } from '../../cli/main';
import type { Emulator } from '../../emulator/server';
import { closedPort, emulatorPerTest, ROOT, runCli, type SpawnOptions, writeScratch } from './harness';

// What a newcomer sees on a first run: the labels, counts, headers and summaries of plan, apply and run, and
// the messages of the usual first mistakes.

const AUTO = 'auto-pool-os-86c13962597848eeb29c5861153a391f';
const MULTI = 'multi-gpu-pool-fb414673d35cd05c56b692b7599755e9';

const emulator = emulatorPerTest({ transitionMs: 60_000 });

const CONNECTION = `connections:
  - { name: emu, region: cn-north-7, projectId: emulator-project, auth: { type: none } }
`;

// multi-gpu: t4u8 grows (backlog 8 nodes for 5), tnt004 has no policy and is held, listed in the same PATCH.
const GROWING = `${CONNECTION}defaults: { max: 10 }
pools:
  - name: ${MULTI}
    flavors:
      - { flavor: modelarts.vm.gpu.t4u8, backlog: { source: { type: modelarts-workloads }, unit: nodes } }
`;

// auto-pool has 2 nodes; a backlog of 1 at 1 per node wants 1.
const ONE_NODE = `${CONNECTION}pools:
  - name: ${AUTO}
    flavors:
      - { flavor: modelarts.vm.cpu.4ud, max: 4, backlog: { source: { type: static, value: 1 } } }
`;

const growingConfig = writeScratch('growing.yaml', GROWING);
const oneNodeConfig = writeScratch('one-node.yaml', ONE_NODE);

/** Runs the CLI in this process with stdout a terminal (NO_COLOR, so that the text is plain). */
async function onTerminal(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: { write: (text: string) => (stdout += text), isTTY: true },
    stderr: { write: (text: string) => (stderr += text) },
    stdin: process.stdin,
    env: { NO_COLOR: '1' },
  });
  return { code, stdout, stderr };
}

/** A cycle command against the emulator, with state in memory. */
const cycle = (em: Emulator, command: string[], config: string, options: SpawnOptions = {}) =>
  runCli([...command, '-c', config, '--endpoint', em.url, '--state', 'memory'], options);

const patches = (em: Emulator) => em.requests.filter((request) => request.route === 'patchPool');

describe('a first run of the CLI', () => {
  it('plan on a terminal labels a pool it would patch WOULD PATCH: a dry run sends nothing', async () => {
    const em = await emulator();
    const run = await onTerminal(['plan', '-c', growingConfig, '--endpoint', em.url, '--state', 'memory']);
    expect(run.code).toBe(2);
    expect(run.stdout).toContain(`emulator-project/${MULTI}  WOULD PATCH\n`);
    expect(run.stdout).not.toMatch(/ {2}PATCH\n/);
  });

  it('plan says "1 node", not "1 nodes"', async () => {
    const run = await cycle(await emulator(), ['plan'], oneNodeConfig);
    expect(run.stdout).toContain('backlog 1 at 1 per node wants 1 node');
    expect(run.stdout).not.toMatch(/\b1 nodes\b/);
  });

  it('plan, piped, starts with a header row naming the columns', async () => {
    const run = await cycle(await emulator(), ['plan'], growingConfig);
    const [header, ...rows] = run.stdout.split('\n');
    expect(header).toMatch(/^POOL\s+FLAVOR\s+COUNT\s+ACTION\s+AZS\s+REASONS$/);
    // The columns line up under their names.
    const row = rows.find((line) => line.includes('t4u8')) as string;
    expect(row.indexOf('5 -> 8')).toBe(header?.indexOf('COUNT'));
    expect(row.indexOf('scale-up')).toBe(header?.indexOf('ACTION'));
  });

  it('apply shows a flavor that the PATCH leaves as it was as unchanged, not patched', async () => {
    const em = await emulator();
    const run = await cycle(em, ['apply', '--yes'], growingConfig);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^POOL\s+FLAVOR\s+COUNT\s+ACTION\s+AZS\s+OUTCOME\s+REASONS$/m);
    const line = (flavor: string) => run.stdout.split('\n').find((row) => row.includes(flavor)) ?? '';
    expect(line('t4u8')).toMatch(/5 -> 8\s+scale-up.*\spatched\s/);
    expect(line('tnt004')).toMatch(/3\s+hold.*\sunchanged\s/);
    expect(patches(em)).toHaveLength(1);
  });

  it('apply on a dry-run config says that nothing is patched until dryRun: false', async () => {
    const em = await emulator();
    const dryRun = writeScratch('dry-run.yaml', `dryRun: true\n${GROWING}`);
    const run = await cycle(em, ['apply', '--yes'], dryRun);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(`nothing will be patched: set dryRun: false in ${dryRun} to apply for real`);
    expect(patches(em)).toHaveLength(0);
  });

  it('run prints a summary when Ctrl-C stops it', async () => {
    let interrupted = false;
    const run = await cycle(await emulator(), ['run', '--dry-run', '--interval', '60'], growingConfig, {
      onOutput: (child, output) => {
        if (interrupted || !output.stdout.includes('t4u8')) return;
        interrupted = true;
        child.kill('SIGINT');
      },
    });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(
      'stopped after 1 cycle (SIGINT): 1 PATCH planned, none sent (dry run), 0 problems',
    );
  });

  it('an emulator endpoint that refuses connections suggests starting the emulator', async () => {
    const port = await closedPort();
    const run = await runCli(['plan', '-c', oneNodeConfig, '--endpoint', `http://127.0.0.1:${port}`]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `error: cannot reach 127.0.0.1:${port} for connection "emu": ECONNREFUSED (is the emulator running? start it with: npm run emulator)`,
    );
  });

  it('--verbose shows an error message once, in one spelling: no "Error:" line above the stack', async () => {
    const bad = writeScratch('bad.yaml', `${CONNECTION}intervalSeconds: 0\npools: []\n`);
    for (const argv of [
      ['plan', '-v', '-c', bad],
      ['simulate', '-v', '--trace', 'no-such-trace.csv'],
    ]) {
      const run = await runCli(argv);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^modelarts-autoscaler: /);
      expect(run.stderr).toMatch(/\n {4}at /);
      expect(run.stderr).not.toMatch(/Error:/);
    }
  });

  it('npm run emulator with an unknown option says so in one line, not with a crash', async () => {
    const run = await runCli(['--import', 'tsx', 'emulator/main.ts', '--no-such-option'], {
      command: [process.execPath],
      cwd: ROOT,
    });
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe("emulator: Unknown option '--no-such-option' (--help lists the options)");
  });
});

describe('plan warnings', () => {
  it('warns about a selector that matches no pool, and still plans the rest', async () => {
    const config = writeScratch(
      'idle-selector.yaml',
      `${ONE_NODE}  - selector: { labels: { team: nobody-has-this-label } }
    flavors: [{ flavor: "*", max: 4, backlog: { source: { type: static, value: 1 } } }]
`,
    );
    const run = await cycle(await emulator(), ['plan'], config);

    expect(run.stderr).toMatch(/warning: pools\[1\] \(selector .*\) matches no pool of connection emu/);
    expect(run.stdout).toContain(AUTO);
  });
});

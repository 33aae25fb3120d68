import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../cli/main';
import type { Emulator } from '../../emulator/server';
import { createFileStateStore } from '../../lib/state/file';
import { emulatorPerTest, writeScratch } from './harness';

// `doctor` in this process (so that stdin can be a terminal) against the emulator over HTTP. auto-pool has two
// pay-per-use CPU nodes, one of them running a seed job: exactly one idle node.

const AUTO = 'auto-pool-os-86c13962597848eeb29c5861153a391f';
const CPU = 'modelarts.vm.cpu.4ud';

const emulator = emulatorPerTest({ transitionMs: 60_000 });

const config = writeScratch(
  'doctor.yaml',
  // A state of its own per run: the probes of tests running side by side each take their pool's lease.
  `state: { type: memory }
connections:
  - { name: emu, region: cn-north-7, projectId: emulator-project, auth: { type: none } }
pools:
  - name: ${AUTO}
    flavors:
      - { flavor: ${CPU}, max: 4, backlog: { source: { type: static, value: 1 } } }
`,
);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function doctor(
  em: Emulator,
  args: string[],
  options: { tty?: boolean; typed?: string; pool?: string; config?: string } = {},
): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const stdin = new PassThrough() as PassThrough & { isTTY?: boolean };
  if (options.tty) stdin.isTTY = true;
  stdin.end(options.typed === undefined ? '' : `${options.typed}\n`);
  const code = await main(
    ['doctor', '--pool', options.pool ?? AUTO, '-c', options.config ?? config, '--endpoint', em.url, ...args],
    {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
      stdin,
      env: { NO_COLOR: '1' },
    },
  );
  return { code, stdout, stderr };
}

/** The report's line for a check, e.g. line(run, 'permission', 'batch-drain'). */
function line(run: Run, area: string, name: string): string {
  // On a terminal the typed answer ends the prompt's line; here nothing echoes it.
  const found = run.stdout
    .replace('to go on: ', 'to go on:\n')
    .split('\n')
    .find((text) => new RegExp(`^\\S+\\s+${area}\\s+${name.replace('-', '\\-')}\\s{2}`).test(text));
  if (!found) throw new Error(`no ${area} ${name} line in:\n${run.stdout}`);
  return found;
}

const statusOf = (run: Run, area: string, name: string) => line(run, area, name).split(/\s+/)[0];

const routes = (em: Emulator, route: string) => em.requests.filter((request) => request.route === route);

/** Names sent to the node writes, by route. */
const namesSent = (em: Emulator, route: 'drainNodes' | 'deleteNodes') =>
  routes(em, route).flatMap((request) => {
    const body = JSON.parse(request.body ?? '{}') as { nodeNames?: string[]; deleteNodeNames?: string[] };
    return body.nodeNames ?? body.deleteNodeNames ?? [];
  });

const nodeNames = (em: Emulator) => em.nodes(AUTO).nodes.map((node) => node.name);

/** The auto-pool nodes not on their way out. */
const standing = (em: Emulator) =>
  em
    .nodes(AUTO)
    .nodes.filter((node) => node.phase !== 'Deleting')
    .map((node) => node.name);

/** The auto-pool node that carries no job. */
function idleNode(em: Emulator): string {
  const { nodes, jobs } = em.nodes(AUTO);
  const busy = new Set(jobs.filter((job) => job.status === 'Running').flatMap((job) => job.hostIps));
  const idle = nodes.find((node) => !busy.has(node.privateIp));
  if (!idle) throw new Error('auto-pool has no idle node');
  return idle.name;
}

describe.concurrent('modelarts-autoscaler doctor', () => {
  it('reports every permission and answer ok on a healthy pool, exits 0, and changes nothing', async () => {
    const em = await emulator();
    const before = nodeNames(em);
    const run = await doctor(em, []);
    expect(run.code).toBe(0);
    for (const name of [
      'pools list',
      'pool get',
      'node list',
      'workloads read',
      'flavor stock',
      'batch-drain',
      'batch-delete',
    ])
      expect(statusOf(run, 'permission', name)).toBe('ok');
    for (const name of ['pool list', 'pool', 'node list', 'workloads answer', 'flavor list'])
      expect(statusOf(run, 'parse', name)).toBe('ok');
    expect(line(run, 'parse', 'node list')).toContain('2 nodes, 2 Available');
    expect(line(run, 'parse', 'workloads answer')).toContain('hostip read for 2 node IPs: 1 busy, 1 idle');
    expect(line(run, 'permission', 'batch-drain')).toContain(
      'exists and allowed: 400 (Bad request. node cannot be drained',
    );
    expect(line(run, 'permission', 'batch-delete')).toMatch(
      /exists and allowed: 404 \("autoscaler-doctor-absent-[0-9a-f]{8}" not found\)/,
    );
    expect(statusOf(run, 'clock', 'skew')).toBe('ok');
    expect(run.stdout).toContain('everything the autoscaler needs works');
    // The writes named a node that does not exist; no node went, nothing was drained, nothing patched.
    const probed = [...namesSent(em, 'drainNodes'), ...namesSent(em, 'deleteNodes')];
    expect(probed).toHaveLength(2);
    for (const name of probed) expect(before).not.toContain(name);
    expect(nodeNames(em)).toEqual(before);
    expect(em.nodes(AUTO).nodes.some((node) => node.drained)).toBe(false);
    expect(routes(em, 'patchPool')).toHaveLength(0);
  });

  it('a 403 on batch-delete reads as refused and exits 1', async () => {
    const em = await emulator();
    em.failNext('deleteNodes', 1, { status: 403, errorCode: 'ModelArts.0203' });
    const run = await doctor(em, []);
    expect(run.code).toBe(1);
    expect(line(run, 'permission', 'batch-delete')).toMatch(/^refused\s.*403 ModelArts\.0203/);
    expect(run.stdout).toContain('1 needed check(s) did not pass: batch-delete');
  });

  it('a 403 on the node list reads as refused, with nothing to parse', async () => {
    const em = await emulator();
    em.failNext('listNodes', 1, { status: 403 });
    const run = await doctor(em, []);
    expect(run.code).toBe(1);
    expect(statusOf(run, 'permission', 'node list')).toBe('refused');
    expect(line(run, 'parse', 'node list')).toMatch(/^skipped\s.*no answer to parse/);
  });

  it.each([
    ['missing', /404/],
    ['unknown-api', /APIGW\.0101/],
  ] as const)(
    'a batch-drain the platform lacks (%s) reads as missing but does not fail the exit code',
    async (drain, answer) => {
      const em = await emulator({ nodeRules: { drain } });
      const run = await doctor(em, []);
      expect(run.code).toBe(0);
      expect(line(run, 'permission', 'batch-drain')).toMatch(/^missing\s/);
      expect(line(run, 'permission', 'batch-drain')).toMatch(answer);
      expect(line(run, 'permission', 'batch-drain')).toContain('drain-unavailable');
    },
  );

  it('an answer that does not parse proves the permission and says what is wrong', async () => {
    const em = await emulator();
    em.failNext('listNodes', 1, { malformed: true });
    const run = await doctor(em, []);
    expect(run.code).toBe(1);
    expect(statusOf(run, 'permission', 'node list')).toBe('ok');
    expect(line(run, 'parse', 'node list')).toMatch(
      /^failed\s.*node list page 1 has a bad response: response body is not JSON/,
    );
  });

  it('shows each of the pool flavors stock per AZ, sold-out AZs included', async () => {
    const em = await emulator();
    const az = em.nodes(AUTO).nodes[0]?.az as string;
    em.setFlavorStock({ [CPU]: { [az]: 'soldout' } });
    const run = await doctor(em, []);
    expect(line(run, 'parse', 'flavor list')).toMatch(new RegExp(`${CPU}: [^;]*${az} soldout`));
  });

  it.each([
    [0, 'ok', 0],
    [60_000, 'warn', 0],
    [-10 * 60_000, 'failed', 1],
  ] as const)('a gateway clock %i ms off reads as %s (exit %i)', async (offset, status, code) => {
    const em = await emulator({ dateOffsetMs: offset });
    const run = await doctor(em, []);
    expect(line(run, 'clock', 'skew')).toMatch(new RegExp(`^${status}\\s`));
    if (offset !== 0) expect(line(run, 'clock', 'skew')).toContain(offset > 0 ? 'ahead of' : 'behind');
    expect(run.code).toBe(code);
  });

  it('--probe-scale-in without a terminal and without --confirm refuses before sending anything', async () => {
    const em = await emulator();
    const run = await doctor(em, ['--probe-scale-in']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('pass --confirm <pool name> (nothing was changed)');
    expect(em.requests).toHaveLength(0);
  });

  it('--probe-scale-in with --json and no --confirm is refused, even on a terminal, before sending anything', async () => {
    const em = await emulator();
    const run = await doctor(em, ['--probe-scale-in', '--json'], { tty: true, typed: AUTO });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('--probe-scale-in with --json needs --confirm <pool name>');
    expect(em.requests).toHaveLength(0);
  });

  it('--confirm naming another pool is refused before sending anything', async () => {
    const em = await emulator();
    const run = await doctor(em, ['--probe-scale-in', '--confirm', 'some-other-pool']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`--confirm must repeat the pool name "${AUTO}"`);
    expect(em.requests).toHaveLength(0);
  });

  it('on a terminal, a wrongly typed pool name cancels the probe and changes nothing', async () => {
    const em = await emulator();
    const before = nodeNames(em);
    const run = await doctor(em, ['--probe-scale-in'], { tty: true, typed: 'auto-pool' });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('Type the pool name to go on:');
    expect(run.stderr).toContain('Probe cancelled: nothing was changed.');
    expect(nodeNames(em)).toEqual(before);
    expect(namesSent(em, 'deleteNodes').filter((name) => before.includes(name))).toEqual([]);
  });

  it('the probe drains and deletes the idle node by name, and reports the count that dropped by itself', async () => {
    const em = await emulator();
    const idle = idleNode(em);
    const busy = nodeNames(em).find((name) => name !== idle);
    const run = await doctor(em, ['--probe-scale-in'], { tty: true, typed: AUTO });
    expect(run.code).toBe(0);
    expect(line(run, 'probe', 'pick')).toMatch(
      new RegExp(`^ok\\s.*${idle} \\(${CPU}.*is idle; kept: 1 a job on its IP`),
    );
    expect(statusOf(run, 'probe', 'drain')).toBe('ok');
    expect(statusOf(run, 'probe', 're-check')).toBe('ok');
    expect(statusOf(run, 'probe', 'delete')).toBe('ok');
    expect(line(run, 'probe', 'count')).toMatch(new RegExp(`^ok\\s.*${CPU} count 2 -> 1: dropped by itself`));
    expect(standing(em)).toEqual([busy]);
    expect(namesSent(em, 'drainNodes')).toContain(idle);
    expect(namesSent(em, 'deleteNodes')).toContain(idle);
    expect(namesSent(em, 'deleteNodes')).not.toContain(busy);
    expect(routes(em, 'patchPool')).toHaveLength(0);
  });

  it("probes only under the pool's lease: not while an autoscaler holds it, and gives it back after", async () => {
    const em = await emulator();
    const statePath = join(dirname(config), `doctor-state-${randomUUID()}.json`);
    const withState = writeScratch(
      `doctor-state-${randomUUID()}.yaml`,
      readFileSync(config, 'utf8').replace(
        'state: { type: memory }',
        `state: { type: file, path: "${statePath}" }`,
      ),
    );
    const store = createFileStateStore({ path: statePath });
    const key = `emulator-project/${AUTO}`;
    expect(await store.acquireLease(key, 'a-cycle', 60_000, Date.now())).toBeDefined();
    const before = nodeNames(em);

    const held = await doctor(em, ['--probe-scale-in', '--confirm', AUTO], { config: withState });
    expect(held.code).toBe(1);
    expect(line(held, 'probe', 'lease')).toMatch(/^failed\s.*another holder .* nothing was changed/);
    // Only the made-up names of the permission probes were sent: no real node was drained or deleted.
    for (const name of [...namesSent(em, 'drainNodes'), ...namesSent(em, 'deleteNodes')])
      expect(before).not.toContain(name);
    expect(nodeNames(em)).toEqual(before);

    await store.releaseLease(key, 'a-cycle');
    const probed = await doctor(em, ['--probe-scale-in', '--confirm', AUTO], { config: withState });
    expect(statusOf(probed, 'probe', 'delete')).toBe('ok');
    // Released when done: a cycle can take the pool at once.
    expect(await store.acquireLease(key, 'a-cycle', 60_000, Date.now())).toBeDefined();
  });

  it('a count that does not drop after the delete is reported count-not-lowered, exit 1, and never patched', async () => {
    const em = await emulator({ nodeRules: { deleteLowersCount: false } });
    const run = await doctor(em, ['--probe-scale-in', '--confirm', AUTO]);
    expect(run.code).toBe(1);
    expect(line(run, 'probe', 'count')).toMatch(
      /^failed\s.*count 2 -> 2: count-not-lowered.*doctor sent no PATCH/,
    );
    expect(em.pool(AUTO)?.spec.resources[0]?.count).toBe(2);
    expect(standing(em)).toHaveLength(1);
    expect(routes(em, 'patchPool')).toHaveLength(0);
  });

  it('without batch-drain the probe goes on undrained, rechecks and deletes', async () => {
    const em = await emulator({ nodeRules: { drain: 'missing' } });
    const idle = idleNode(em);
    const run = await doctor(em, ['--probe-scale-in', '--confirm', AUTO]);
    expect(run.code).toBe(0);
    expect(statusOf(run, 'probe', 'drain')).toBe('missing');
    expect(statusOf(run, 'probe', 'count')).toBe('ok');
    expect(standing(em)).not.toContain(idle);
  });

  it('with no idle node the probe says so and drains and deletes nothing', async () => {
    const em = await emulator();
    em.setNode(AUTO, idleNode(em), { deleteLocked: true });
    const before = nodeNames(em);
    const run = await doctor(em, ['--probe-scale-in', '--confirm', AUTO]);
    expect(run.code).toBe(0);
    expect(line(run, 'probe', 'pick')).toMatch(
      /^skipped\s.*no idle node: nothing was changed; kept: 1 delete-locked, 1 a job on its IP/,
    );
    expect(nodeNames(em)).toEqual(before);
    for (const name of [...namesSent(em, 'drainNodes'), ...namesSent(em, 'deleteNodes')])
      expect(before).not.toContain(name);
  });

  it('the probe is not run when a check it rests on failed', async () => {
    const em = await emulator();
    em.failNext('deleteNodes', 1, { status: 403 });
    const before = nodeNames(em);
    const run = await doctor(em, ['--probe-scale-in', '--confirm', AUTO]);
    expect(run.code).toBe(1);
    expect(line(run, 'probe', 'scale-in')).toMatch(
      /^skipped\s.*not run: batch-delete did not pass; nothing was changed/,
    );
    expect(nodeNames(em)).toEqual(before);
  });

  it('--json prints the checks, and ok false when a needed one failed', async () => {
    const em = await emulator();
    em.failNext('getPool', 1, { status: 403 });
    const run = await doctor(em, ['--json']);
    const report = JSON.parse(run.stdout) as {
      ok: boolean;
      connection: string;
      checks: { name: string; status: string }[];
    };
    expect(run.code).toBe(1);
    expect(report.ok).toBe(false);
    expect(report.connection).toBe('emu');
    expect(report.checks.find((one) => one.name === 'pool get')?.status).toBe('refused');
  });

  it('refuses a command line without exactly one pool, or --confirm without the probe, before sending anything', async () => {
    const em = await emulator();
    const io = {
      stdout: { write: () => true },
      stderr: { write: () => true },
      stdin: process.stdin,
      env: {},
    };
    const base = ['doctor', '-c', config, '--endpoint', em.url];
    expect(await main(base, io)).toBe(1);
    expect(await main([...base, '--pool', 'a', '--pool', 'b'], io)).toBe(1);
    const run = await doctor(em, ['--confirm', AUTO]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('--confirm goes with --probe-scale-in');
    expect(em.requests).toHaveLength(0);
  });

  it('a pool the config does not name goes through its only connection; a drain refused for another reason is inconclusive', async () => {
    const em = await emulator();
    const abnormal = 'abnormal-pool-5bbcd800593830f2488dce526712da6a';
    const run = await doctor(em, [], { pool: abnormal });
    expect(statusOf(run, 'permission', 'pool get')).toBe('ok');
    expect(line(run, 'permission', 'batch-drain')).toMatch(/^failed\s.*inconclusive: .*400 ModelArts\.2887/);
    expect(run.code).toBe(1);
  });
});

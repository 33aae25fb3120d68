import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../cli/args';
import { type SimulateValues, simulateCommand } from '../../cli/commands/simulate';
import { type CliIo, createOutput } from '../../cli/output';

// The command module on its own (cli/main registers it), with the output captured as a pipe would.

const dir = mkdtempSync(join(tmpdir(), 'autoscaler-simulate-'));

function scratch(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function run(values: SimulateValues) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdout: { write: (text: string) => out.push(text) },
    stderr: { write: (text: string) => err.push(text) },
    stdin: new PassThrough(),
    env: {},
  };
  const code = await simulateCommand(values, io, createOutput(io, {}));
  return { code, stdout: out.join(''), stderr: err.join('') };
}

const TRACE = 'arrival,flavor,nodes,runTime\n0,gpu,1,600\n30,gpu,2,300\n100,gpu,1,200\n';

describe('modelarts-autoscaler simulate', () => {
  it('--compare prints the policy with each scale-down method and every baseline side by side, and writes the chart', async () => {
    const chart = join(dir, 'spike.svg');
    const { code, stdout } = await run({ scenario: 'spike', compare: true, chart });
    expect(code).toBe(0);
    const header = stdout.split('\n').find((line) => line.includes('static at max'));
    expect(header).toMatch(
      /policy, idle-nodes\s+policy, count\s+static at max\s+static at mean\s+HPA defaults\s+CA-equivalent\s+KEDA-eq\. \+ guard\s+KEDA-eq\., free cancel \(n\/a\)/,
    );
    expect(stdout).toMatch(/jobs killed\s+0\s+0\s+0\s+0\s+0\s+0\s+0\s+0/); // graceful: nothing kills a job
    expect(stdout).toMatch(/node-hours \/ clairvoyant bound\s+\d+\.\d{3}/);
    expect(stdout).toMatch(
      /clairvoyant bound: \d+\.\d\d node-hours .*A cap for a policy that waits, not a floor\./,
    );
    expect(stdout).toContain('not achievable on ModelArts');
    for (const row of ['node-hours', 'busy node-hours', 'node-hours per busy node-hour', 'job wait p95 (s)'])
      expect(stdout).toContain(row);
    expect(stdout).toContain('jobs never started');
    expect(stdout).toContain('scale actions (updates)');
    expect(stdout).toContain(`chart: ${chart}`);
    expect(readFileSync(chart, 'utf8')).toContain('CA-equivalent:');
  });

  it('--platform platform-picks prints the jobs killed and the node-hours lost, per column', async () => {
    const { code, stdout } = await run({
      scenario: 'spike',
      'scale-down': 'count',
      platform: 'platform-picks',
      json: true,
      chart: join(dir, 'picks.svg'),
    });
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.setup).toMatchObject({ platform: 'platform-picks', scaleDown: { method: 'count' } });
    expect(report.results[0]).toMatchObject({ method: 'count', platform: 'platform-picks' });
    expect(report.results[0].figures.jobsKilled).toBeGreaterThan(0);
    expect(report.results[0].figures.lostNodeHours).toBeGreaterThan(0);

    const table = await run({
      scenario: 'spike',
      'scale-down': 'count',
      platform: 'platform-picks',
      chart: join(dir, 'picks.svg'),
    });
    expect(table.stdout).toMatch(/jobs killed\s+[1-9]\d*/);
    expect(table.stdout).toMatch(/node-hours lost to killed work\s+\d+\.\d\d/);
    expect(table.stdout).toContain('whatever runs on them (platform-picks)');
  });

  it('simulates a trace file and prints the figures as JSON', async () => {
    const { code, stdout } = await run({
      trace: scratch('jobs.csv', TRACE),
      max: '4',
      'provisioning-delay': '120',
      'deletion-delay': '60',
      interval: '60',
      duration: '1200',
      'scale-down': 'count',
      json: true,
      chart: join(dir, 'trace.svg'),
    });
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.setup).toMatchObject({ jobs: 3, policy: 'built-in', durationSeconds: 1200 });
    expect(report.results).toHaveLength(1);
    // The hand-checked figures of test/simulate/arithmetic.test.ts.
    expect(report.results[0].figures).toMatchObject({
      nodeHoursPerBusyNodeHour: 2760 / 1400,
      waitSeconds: { p50: 140, p95: 150, max: 150 },
      scaleActions: 3,
    });
    expect(report.results[0].series).toBeUndefined();
  });

  it('--compare --json carries the clairvoyant bound', async () => {
    const { code, stdout } = await run({
      trace: scratch('bound.csv', TRACE),
      max: '4',
      'provisioning-delay': '120',
      'deletion-delay': '60',
      interval: '60',
      duration: '1200',
      compare: true,
      json: true,
      chart: join(dir, 'bound.svg'),
    });
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    // No slot ends before another starts, so each of the 4 node slots has a node of its own, ready on arrival:
    // A 0..660 (nothing before 0), B twice 0..390, C 0..360 -> 1800 s.
    expect(report.bound).toEqual({ nodeHours: 0.5, slots: 4, nodes: 4, largestGroup: 1 });
    expect(report.results.map((result: { policy: string }) => result.policy)).toContain('cluster-autoscaler');
  });

  it('uses the named pool entry of a config', async () => {
    const name = 'training-pool-0000000000000000000000000000000000';
    const config = scratch(
      'config.yaml',
      `connections: [{ name: c, region: r, projectId: p, auth: { type: none } }]
pools:
  - name: other-pool-00000000000000000000000000000000000
    flavors: [{ flavor: "*", max: 9, backlog: { source: { type: static, value: 1 } } }]
  - name: ${name}
    flavors: [{ flavor: gpu, min: 2, max: 6, backlog: { source: { type: static, value: 1 }, unit: nodes } }]
`,
    );
    const { stdout } = await run({
      trace: scratch('jobs.json', JSON.stringify([{ arrival: 0, flavor: 'gpu', nodes: 1, runTime: 60 }])),
      config,
      pool: [name],
      json: true,
      chart: join(dir, 'config.svg'),
    });
    const flavor = JSON.parse(stdout).setup.flavors[0];
    expect(flavor.policy).toMatchObject({ min: 2, max: 6 });
    expect(flavor.unit).toBe('nodes');
  });

  it('reports a bad trace by line and field', async () => {
    const trace = scratch('bad.csv', 'arrival,flavor,nodes,runTime\n0,gpu,zero,60\n');
    await expect(run({ trace, chart: join(dir, 'bad.svg') })).rejects.toThrow(
      `invalid trace ${trace}:\n  line 2, nodes: must be a whole number >= 1 (got "zero")`,
    );
  });

  it('refuses a command line it cannot run', async () => {
    await expect(run({})).rejects.toThrow(UsageError);
    await expect(run({ scenario: 'steady', trace: 'x.csv' })).rejects.toThrow('exactly one of');
    await expect(run({ scenario: 'weekly' })).rejects.toThrow('--scenario must be steady or diurnal');
    await expect(run({ trace: join(dir, 'missing.csv') })).rejects.toThrow(
      `cannot read the trace ${join(dir, 'missing.csv')}: not found`,
    );
    await expect(run({ scenario: 'steady', interval: '0' })).rejects.toThrow('--interval must be');
    await expect(run({ scenario: 'steady', platform: 'kind' })).rejects.toThrow(
      '--platform must be graceful or platform-picks, got "kind"',
    );
    await expect(run({ scenario: 'steady', 'scale-down': 'nodes' })).rejects.toThrow(
      '--scale-down must be count or idle-nodes',
    );
    await expect(run({ scenario: 'steady', 'idle-seconds': '-1' })).rejects.toThrow('--idle-seconds must be');
    await expect(run({ scenario: 'steady', 'drain-ahead': 'yes' })).rejects.toThrow(
      '--drain-ahead must be on or off, got "yes"',
    );
  });

  it('--drain-ahead off drains only once the window has let the nodes go, and bills more for it', async () => {
    const nodeHours = async (drainAhead: string) => {
      const { stdout } = await run({
        scenario: 'spike',
        json: true,
        'drain-ahead': drainAhead,
        chart: join(dir, `ahead-${drainAhead}.svg`),
      });
      return JSON.parse(stdout).results[0].figures.nodeHours as number;
    };
    expect(await nodeHours('off')).toBeGreaterThan(await nodeHours('on'));
  });

  it('--scenario soldout shows the sold-out AZ, the waits of jobs that can run apart, and the refusals; --stock-aware off records no backoff', async () => {
    const { code, stdout } = await run({ scenario: 'soldout', chart: join(dir, 'soldout.svg') });
    expect(code).toBe(0);
    expect(stdout).toContain('sold out: modelarts.vm.gpu.t4u8 in cn-north-7a from 1:00 to 4:00');
    for (const row of [
      'jobs that can run somewhere',
      'jobs tied to a sold-out AZ',
      'updates refused (sold out)',
    ])
      expect(stdout).toContain(row);
    // Stock-aware, the planner reads cn-north-7a sold out and grows cn-north-7b: nothing is refused.
    const refused = (text: string) => Number(/updates refused \(sold out\)\s+(\d+)/.exec(text)?.[1]);
    const backoffs = (text: string) => Number(/backoffs recorded\s+(\d+)/.exec(text)?.[1]);
    expect(refused(stdout)).toBe(0);
    const off = await run({ scenario: 'soldout', 'stock-aware': 'off', chart: join(dir, 'off.svg') });
    expect(refused(off.stdout)).toBeGreaterThan(90);
    expect(backoffs(off.stdout)).toBe(0);
    await expect(run({ scenario: 'soldout', 'stock-aware': 'maybe' })).rejects.toThrow(
      '--stock-aware must be on or off, got "maybe"',
    );
  });

  it('a JSON trace with soldOut windows is refused growth there', async () => {
    const jobs = [0, 30, 60, 90].map((arrival) => ({
      arrival,
      flavor: 'gpu',
      nodes: 2,
      runTime: 600,
      az: 'b',
    }));
    const trace = scratch('sold.json', JSON.stringify({ jobs, soldOut: [{ az: 'b', from: 0, to: 400 }] }));
    const figures = async (stockAware: 'on' | 'off') => {
      const { stdout } = await run({
        trace,
        json: true,
        'stock-aware': stockAware,
        chart: join(dir, 'sold.svg'),
      });
      const parsed = JSON.parse(stdout);
      expect(parsed.setup.soldOut).toEqual([{ az: 'b', from: 0, to: 400 }]);
      return parsed.results[0].figures.capacity;
    };
    // Today's scaler is refused; the stock-aware one reads b sold out, has no other AZ, and waits.
    expect((await figures('off')).refusedUpdates).toBeGreaterThan(0);
    const aware = await figures('on');
    expect(aware.refusedUpdates).toBe(0);
    expect(aware.tiedToSoldOut.jobs).toBe(4);
  });
});

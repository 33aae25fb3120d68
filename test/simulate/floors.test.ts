import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { scenarioSetup } from '../../bench/quality';
import { UsageError } from '../../cli/args';
import { type SimulateValues, simulateCommand } from '../../cli/commands/simulate';
import { type CliIo, createOutput } from '../../cli/output';
import {
  FloorSettingError,
  forecastPolicy,
  parseHeadroom,
  renderChart,
  ScenarioError,
  type SimulationResult,
  scenario,
  simulate,
  simulationSetup,
} from '../../lib/simulate';

// simulate --headroom / --forecast / --forecast-only / --days, the forecast's line in the chart, and the
// last-day window the forecast is judged on.

const dir = mkdtempSync(join(tmpdir(), 'autoscaler-floors-'));
const DAY = 86_400;

async function run(values: SimulateValues) {
  const out: string[] = [];
  const io: CliIo = {
    stdout: { write: (text: string) => out.push(text) },
    stderr: { write: () => true },
    stdin: new PassThrough(),
    env: {},
  };
  const code = await simulateCommand(values, io, createOutput(io, {}));
  return { code, stdout: out.join('') };
}

/** Two-node jobs an hour apart: with min 1 and no headroom, each waits for a node to be provisioned. */
const SPACED = 'arrival,flavor,nodes,runTime\n0,gpu,2,600\n3600,gpu,2,600\n7200,gpu,2,600\n';

async function traceRun(extra: SimulateValues) {
  const trace = join(dir, 'spaced.csv');
  writeFileSync(trace, SPACED);
  const { stdout } = await run({
    trace,
    max: '8',
    duration: '10800',
    json: true,
    chart: join(dir, 'spaced.svg'),
    ...extra,
  });
  return JSON.parse(stdout);
}

describe('simulate --headroom', () => {
  it('keeps ready nodes above the busy ones: the jobs start on arrival, for more node-hours', async () => {
    const without = await traceRun({});
    const nodes = await traceRun({ headroom: '2' });
    const percent = await traceRun({ headroom: '100%' });
    expect(without.results[0].figures.waitSeconds.p50).toBeGreaterThanOrEqual(300);
    expect(nodes.setup.flavors[0].policy.headroom).toEqual({ nodes: 2 });
    // 2 ready nodes once the first cycle has asked for them: the later two-node jobs find them.
    expect(nodes.results[0].figures.waitSeconds.p50).toBe(0);
    expect(nodes.results[0].figures.nodeHours).toBeGreaterThan(without.results[0].figures.nodeHours);
    // 100% of the busy nodes: nothing busy between the jobs, so nothing kept for them: they still wait.
    expect(percent.setup.flavors[0].policy.headroom).toEqual({ percent: 100 });
    expect(percent.results[0].figures.waitSeconds.p50).toBeGreaterThanOrEqual(300);
  });

  it('--compare: the headroom goes to the policy columns only, not to the baselines', async () => {
    const plain = await traceRun({ compare: true });
    const warm = await traceRun({ compare: true, headroom: '2' });
    const figures = (report: { results: { label: string; figures: unknown }[] }, label: string) =>
      report.results.find((result) => result.label === label)?.figures;
    for (const baseline of [
      'HPA defaults',
      'KEDA-eq. + guard',
      'KEDA-eq., free cancel (n/a)',
      'CA-equivalent',
    ])
      expect(figures(warm, baseline)).toEqual(figures(plain, baseline));
    expect(figures(warm, 'policy, idle-nodes')).not.toEqual(figures(plain, 'policy, idle-nodes'));
  });

  it('--headroom 0 removes the headroom a config sets', async () => {
    const config = join(dir, 'headroom.yaml');
    writeFileSync(
      config,
      `connections: [{ name: c, region: r, projectId: p, auth: { type: none } }]
pools:
  - name: training-pool-0000000000000000000000000000000000
    flavors: [{ flavor: "*", max: 8, headroom: { nodes: 3 }, backlog: { source: { type: static, value: 0 }, unit: nodes } }]
`,
    );
    expect((await traceRun({ config, max: undefined })).setup.flavors[0].policy.headroom).toEqual({
      nodes: 3,
    });
    expect(
      (await traceRun({ config, max: undefined, headroom: '0' })).setup.flavors[0].policy.headroom,
    ).toBeUndefined();
  });

  it.each([
    ['abc', /--headroom must be a number of nodes \(2\) or a percent \(10%\), got "abc"/],
    ['-1', /--headroom: headroom/],
    ['1.5', /--headroom: headroom/],
    ['2000%', /--headroom: headroom/],
  ])('refuses --headroom %s, naming the flag', async (text, message) => {
    const error = await traceRun({ headroom: text }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(message);
  });
});

describe('simulate --forecast', () => {
  const diurnal = (extra: SimulateValues) =>
    run({ scenario: 'diurnal', days: '2', json: true, chart: join(dir, 'diurnal.svg'), ...extra }).then(
      ({ stdout }) => JSON.parse(stdout),
    );

  it('learns from the run itself: from the second day it raises the count ahead of the backlog; --forecast-only only draws it', async () => {
    const plain = await diurnal({});
    const chart = join(dir, 'forecast.svg');
    const scaled = await diurnal({ forecast: true, 'forecast-lead': '300', chart });
    const only = await diurnal({ 'forecast-only': true, chart: join(dir, 'only.svg') });
    expect(plain.setup.durationSeconds).toBe(2 * DAY + 3600);
    expect(scaled.setup.flavors[0].policy.forecast).toEqual({
      mode: 'forecastAndScale',
      leadSeconds: 300,
      periodSeconds: DAY,
      periods: 7,
    });
    expect(only.setup.flavors[0].policy.forecast).toMatchObject({ mode: 'forecastOnly', leadSeconds: 600 });
    const spread = await diurnal({ forecast: true, 'forecast-spread': '1.5' });
    expect(spread.setup.flavors[0].policy.forecast).toMatchObject({ mode: 'forecastAndScale', spread: 1.5 });
    // The spread keeps ready nodes on top of the busy ones: it bills more than the plain run, and fewer jobs wait.
    expect(spread.results[0].figures.nodeHours).toBeGreaterThan(plain.results[0].figures.nodeHours);
    expect(spread.results[0].figures.waitSeconds.p95).toBeLessThan(plain.results[0].figures.waitSeconds.p95);
    // forecastOnly changes nothing; forecastAndScale keeps more nodes ready, so fewer jobs wait.
    expect(only.results[0].figures).toEqual(plain.results[0].figures);
    expect(scaled.results[0].figures.nodeHours).toBeGreaterThan(plain.results[0].figures.nodeHours);
    expect(scaled.results[0].figures.waitSeconds.p50).toBeLessThan(plain.results[0].figures.waitSeconds.p50);
    const svg = readFileSync(chart, 'utf8');
    expect(svg).toContain('forecast backlog (within the lead)');
    expect(svg).toContain('data-series="forecast"');
    expect(readFileSync(join(dir, 'only.svg'), 'utf8')).toContain('data-series="forecast"');
  });

  it.each([
    [{ forecast: true, 'forecast-only': true }, /give one/],
    [{ 'forecast-lead': '600' }, /--forecast-lead applies to --forecast or --forecast-only/],
    [{ forecast: true, 'forecast-lead': '30' }, /^--forecast-lead: must be >= 60 \(got 30\)$/],
    [{ forecast: true, 'forecast-lead': 'soon' }, /--forecast-lead must be a whole number/],
    [{ 'forecast-spread': '1' }, /--forecast-spread applies to --forecast or --forecast-only/],
    [{ forecast: true, 'forecast-spread': 'wide' }, /^--forecast-spread must be a number, got "wide"$/],
    [{ forecast: true, 'forecast-spread': '0' }, /^--forecast-spread: /],
  ] as [SimulateValues, RegExp][])('refuses %o, naming the flag', async (values, message) => {
    const error = await diurnal(values).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(message);
  });

  it('--days repeats the diurnal scenario only, from 1 to 14 days', async () => {
    await expect(run({ scenario: 'steady', days: '2' })).rejects.toThrow(
      '--days repeats the diurnal scenario only',
    );
    await expect(run({ scenario: 'diurnal', days: '15' })).rejects.toThrow('--days must be at most 14');
    await expect(run({ trace: join(dir, 'spaced.csv'), days: '2' })).rejects.toThrow(
      '--days applies to --scenario diurnal only',
    );
  });
});

describe('the floors set on the simulated policy', () => {
  it('go through the config schema: its defaults, its limits, named by field', () => {
    expect(forecastPolicy()).toEqual({
      mode: 'forecastAndScale',
      leadSeconds: 600,
      periodSeconds: DAY,
      periods: 7,
    });
    expect(forecastPolicy({ days: 3, leadSeconds: 900 })).toMatchObject({ periods: 3, leadSeconds: 900 });
    expect(() => forecastPolicy({ days: 9 })).toThrow(FloorSettingError);
    expect(() => forecastPolicy({ days: 9 })).toThrow(/forecast: forecast\.days/);
    expect(parseHeadroom('3')).toEqual({ nodes: 3 });
    expect(parseHeadroom(' 12.5% ')).toEqual({ percent: 12.5 });
    expect(parseHeadroom('0')).toBeNull();
    expect(parseHeadroom('0%')).toBeNull();
  });
});

describe('the diurnal scenario over several days', () => {
  it('repeats the same day: day 1 is the one-day scenario, every day has its share of jobs', () => {
    const one = scenario('diurnal', 4);
    const eight = scenario('diurnal', 4, { days: 8 });
    expect(scenario('diurnal', 4, { days: 1 })).toEqual(one);
    expect(eight.durationSeconds).toBe(8 * DAY + 3600);
    expect(eight.description).toMatch(/^8 simulated days, each:/);
    // The same random arrivals until the first day ends (job sizes are drawn after every arrival).
    const firstDay = eight.jobs.filter((job) => job.arrival < DAY).map((job) => job.arrival);
    expect(firstDay).toEqual(one.jobs.map((job) => job.arrival));
    for (let day = 0; day < 8; day++) {
      const jobs = eight.jobs.filter((job) => job.arrival >= day * DAY && job.arrival < (day + 1) * DAY);
      expect(jobs.length).toBeGreaterThan(0.8 * one.jobs.length);
      expect(jobs.length).toBeLessThan(1.2 * one.jobs.length);
    }
    expect(eight.jobs.every((job) => job.arrival < 8 * DAY)).toBe(true);
    expect(() => scenario('steady', 1, { days: 2 })).toThrow(ScenarioError);
    expect(() => scenario('diurnal', 1, { days: 15 })).toThrow(/from 1 to 14/);
  });
});

describe('a window of the run judged apart', () => {
  const setup = () => {
    const trace = join(dir, 'spaced.csv');
    writeFileSync(trace, SPACED);
    return simulationSetup({
      name: 'spaced',
      jobs: [
        { id: 'a', arrival: 0, flavor: 'gpu', nodes: 2, runTime: 600 },
        { id: 'b', arrival: 3600, flavor: 'gpu', nodes: 2, runTime: 600 },
        { id: 'c', arrival: 7200, flavor: 'gpu', nodes: 2, runTime: 600 },
      ],
      max: 8,
      provisioningDelaySeconds: 300,
      deletionDelaySeconds: 60,
      intervalSeconds: 60,
      durationSeconds: 10_800,
    }).setup;
  };

  it('bills the nodes between its ends and counts the jobs arriving in it; windows add up to the run', () => {
    const whole = simulate(setup(), 'policy', { window: { from: 0, to: 10_800 } });
    const first = simulate(setup(), 'policy', { window: { from: 0, to: 3600 } });
    const rest = simulate(setup(), 'policy', { window: { from: 3600, to: 10_800 } });
    expect(whole.window?.nodeHours).toBeCloseTo(whole.figures.nodeHours, 12);
    expect(whole.window?.waitSeconds).toEqual(whole.figures.waitSeconds);
    expect((first.window?.nodeHours ?? 0) + (rest.window?.nodeHours ?? 0)).toBeCloseTo(
      whole.figures.nodeHours,
      12,
    );
    expect(first.window).toMatchObject({ jobs: 1, neverStarted: 0 });
    expect(rest.window?.jobs).toBe(2);
    // The first hour: the 1 node of min all along, plus a second node from its request (after the first cycle
    // reads the backlog) until it is deleted: at least the 1 node-hour of min, at most 2.
    expect(first.window?.nodeHours).toBeGreaterThan(1);
    expect(first.window?.nodeHours).toBeLessThan(2);
    expect(first.figures).toEqual(whole.figures);
  });

  it('starts and ends on a cycle', () => {
    expect(() => simulate(setup(), 'policy', { window: { from: 30, to: 3600 } })).toThrow(
      /from must be a cycle time/,
    );
    expect(() => simulate(setup(), 'policy', { window: { from: 3600, to: 3600 } })).toThrow(
      /to must be a cycle time after from/,
    );
  });
});

describe('the forecast in the chart', () => {
  const result = (forecasts: (number | undefined)[]): SimulationResult => ({
    policy: 'policy',
    platform: 'graceful',
    label: 'policy',
    initialCounts: {},
    figures: simulate(
      simulationSetup({
        name: 'x',
        jobs: [{ id: 'a', arrival: 0, flavor: 'gpu', nodes: 1, runTime: 60 }],
        provisioningDelaySeconds: 0,
        deletionDelaySeconds: 0,
        intervalSeconds: 60,
        durationSeconds: 240,
      }).setup,
    ).figures,
    series: forecasts.map((forecast, i) => ({
      t: i * 60,
      backlog: 1,
      target: 1,
      available: 1,
      busy: 1,
      ...(forecast === undefined ? {} : { forecast }),
    })),
  });

  it('draws a line for the forecast where the policy forecasts, broken where it does not yet', () => {
    const svg = renderChart([result([undefined, 3, 5, undefined])], 'forecast', 240);
    expect(svg).toContain('forecast backlog (within the lead)');
    const lines = svg.split('\n').filter((line) => line.includes('data-series="forecast"'));
    expect(lines).toHaveLength(1);
    // From t = 60 to t = 180 only: two steps, each held for a cycle.
    expect(lines[0]?.match(/points="([^"]+)"/)?.[1]?.split(' ')).toHaveLength(4);
    const none = renderChart([result([undefined, undefined])], 'none', 120);
    expect(none).not.toContain('forecast');
  });

  it('the forecast a planner run reports is what it expects from its own history, from the second day', () => {
    // The bench's setup: its delays and cycle, the scenario's max.
    const setup = scenarioSetup('diurnal', 2, {
      days: 2,
      floors: { forecast: forecastPolicy({ mode: 'forecastOnly' }) },
    });
    const { series } = simulate(setup);
    const first = series.find((sample) => sample.forecast !== undefined);
    // Once a whole day of 5-minute buckets is on record: from the last bucket of the first day.
    expect(first?.t).toBeGreaterThanOrEqual(DAY - 300);
    // Around midday of day 2 it expects about the backlog of midday of day 1.
    const at = (t: number) => series.find((sample) => sample.t === t);
    const noon = (at(DAY + 12 * 3600)?.forecast ?? 0) / Math.max(1, at(12 * 3600)?.backlog ?? 0);
    expect(noon).toBeGreaterThan(0.5);
    expect(noon).toBeLessThan(3);
    expect(
      simulate(setup, 'policy', { drawForecast: false }).series.some((s) => s.forecast !== undefined),
    ).toBe(false);
  });
});

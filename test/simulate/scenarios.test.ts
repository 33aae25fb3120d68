import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Config, parseConfig } from '../../lib/config';
import {
  compare,
  POLICY_NAMES,
  parseTrace,
  renderChart,
  SCENARIO_NAMES,
  type ScenarioName,
  scenario,
  simulate,
  simulationSetup,
} from '../../lib/simulate';

function scenarioSetup(name: ScenarioName, seed: number) {
  const built = scenario(name, seed);
  return simulationSetup({
    name,
    jobs: built.jobs,
    max: built.max,
    azs: built.azs,
    provisioningDelaySeconds: 300,
    deletionDelaySeconds: 60,
    intervalSeconds: 60,
    durationSeconds: built.durationSeconds,
    soldOut: built.soldOut,
  }).setup;
}

describe('built-in scenarios', () => {
  it.each(SCENARIO_NAMES)(
    '%s runs the policy with each method and every baseline to consistent figures',
    (name) => {
      const setup = scenarioSetup(name, 1);
      const results = compare(setup);
      // The config's method first: idle-nodes by default.
      expect(results.map((result) => result.label)).toEqual([
        'policy, idle-nodes',
        'policy, count',
        'static at max',
        'static at mean',
        'HPA defaults',
        'CA-equivalent',
        'KEDA-eq. + guard',
        'KEDA-eq., free cancel (n/a)',
      ]);
      for (const { figures, series } of results) {
        expect(figures.jobs).toBe(setup.jobs.length);
        expect(figures.started + figures.neverStarted).toBe(figures.jobs);
        expect(figures.busyNodeHours).toBeGreaterThan(0);
        expect(figures.nodeHours).toBeGreaterThanOrEqual(figures.busyNodeHours);
        expect(series.length).toBe(Math.ceil(setup.durationSeconds / setup.intervalSeconds));
      }
      // Static at max never waits on a node (every job fits in max), and the scaling policies scale.
      const [idleNodes, policy, staticMax] = results;
      const keda = results.find((result) => result.policy === 'keda');
      expect(idleNodes?.figures.scaleDowns).toBeGreaterThan(0);
      expect(staticMax?.figures.waitSeconds.max).toBe(0);
      expect(policy?.figures.scaleUps).toBeGreaterThan(0);
      expect(keda?.figures.scaleDowns).toBeGreaterThan(0);
    },
  );

  it('soldout sells cn-north-7a out from 1:00 to 4:00 and keeps cn-north-7b in stock, with steady arrivals any AZ can serve', () => {
    const runs = [1, 2, 3, 4, 5].map((seed) => scenario('soldout', seed));
    for (const built of runs) {
      expect(built.soldOut).toEqual([{ flavor: built.flavor, az: 'cn-north-7a', from: 3600, to: 14_400 }]);
      expect(built.azs).toEqual(['cn-north-7a', 'cn-north-7b']);
      expect(built.description).toContain('cn-north-7a sold out from 1:00 to 4:00, cn-north-7b in stock');
      expect(built.jobs.some((job) => job.az !== undefined)).toBe(false);
      expect(Math.max(...built.jobs.map((job) => job.arrival))).toBeLessThan(5 * 3600);
      // One job every 3 minutes for 5 hours: about 100.
      expect(built.jobs.length).toBeGreaterThan(70);
      expect(built.jobs.length).toBeLessThan(130);
    }
    // Seeded: the same seed gives the same jobs and windows; the other scenarios sell nothing out.
    expect(scenario('soldout', 3)).toEqual(runs[2]);
    expect(JSON.stringify(scenario('soldout', 4).jobs)).not.toBe(JSON.stringify(runs[2]?.jobs));
    for (const name of SCENARIO_NAMES.filter((other) => other !== 'soldout'))
      expect(scenario(name, 1).soldOut).toEqual([]);
  });

  it('spreads the nodes over the scenario AZs', () => {
    const setup = scenarioSetup('steady', 1);
    expect(setup.pool.spec.resources[0]?.azs?.map((az) => az.az)).toEqual(['cn-north-7a', 'cn-north-7b']);
  });
});

describe('determinism', () => {
  it('the same seed gives the same jobs, figures, series and chart, byte for byte', () => {
    for (const name of ['steady', 'spike', 'soldout'] as const) {
      const first = compare(scenarioSetup(name, 7));
      const second = compare(scenarioSetup(name, 7));
      expect(JSON.stringify(second)).toBe(JSON.stringify(first));
      expect(renderChart(second, name, 4 * 3600)).toBe(renderChart(first, name, 4 * 3600));
    }
  });

  it('another seed gives other jobs', () => {
    const a = scenario('bursty', 1).jobs;
    const b = scenario('bursty', 2).jobs;
    expect(JSON.stringify(a)).not.toBe(JSON.stringify(b));
  });

  it('simulating twice from one setup does not change the setup', () => {
    const setup = scenarioSetup('diurnal', 3);
    const before = JSON.stringify(setup);
    const first = simulate(setup);
    expect(JSON.stringify(setup)).toBe(before);
    expect(simulate(setup)).toEqual(first);
  });
});

describe('renderChart', () => {
  it('draws one panel per policy with backlog, target, available and busy lines, and escapes text', () => {
    const setup = scenarioSetup('spike', 1);
    const svg = renderChart(compare(setup), 'spike <&> "test"', setup.durationSeconds);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg.match(/<polyline /g)?.length).toBe(4 * (POLICY_NAMES.length + 1));
    expect(svg).toContain('spike &lt;&amp;&gt; &quot;test&quot;');
    for (const label of ['backlog', 'target (requested nodes)', 'available nodes', 'busy nodes'])
      expect(svg).toContain(`>${label}</text>`);
    for (const label of [
      'policy, count:',
      'policy, idle-nodes:',
      'static at max:',
      'static at mean:',
      'HPA defaults:',
      'CA-equivalent:',
      'KEDA-eq. + guard:',
      'KEDA-eq., free cancel (n/a):',
    ])
      expect(svg).toContain(`>${label}`);
  });
});

describe('the AZ-tied example (bench/az-tied)', () => {
  const dir = join(import.meta.dirname, '../../bench/az-tied');
  const jobs = parseTrace(readFileSync(join(dir, 'steady-80-20.csv'), 'utf8'));
  const run = (config?: Config) =>
    simulate(
      simulationSetup({
        name: 'az-tied',
        // The figures lib/scaling's README quotes, from before idle-nodes.
        scaleDown: { method: 'count' },
        jobs,
        ...(config === undefined ? { max: 64 } : { config }),
        provisioningDelaySeconds: 300,
        deletionDelaySeconds: 60,
        durationSeconds: 14_400,
      }).setup,
    ).figures;

  it("is the steady scenario with its jobs tied to two AZs, and 'backlog' serves it where balanced cannot", () => {
    expect(jobs.map(({ az: _, id: __, ...job }) => job)).toEqual(
      scenario('steady', 1).jobs.map(({ id: _, ...job }) => job),
    );
    const text = readFileSync(join(dir, 'backlog.yaml'), 'utf8');
    const balanced = run();
    const backlog = run(parseConfig({ text, env: {}, source: 'backlog.yaml' }));
    // The figures the README of lib/scaling quotes.
    expect(balanced.waitSeconds.p95).toBe(2173);
    expect(backlog.waitSeconds.p95).toBe(351);
    expect(balanced.nodeHoursPerBusyNodeHour?.toFixed(3)).toBe('1.691');
    expect(backlog.nodeHoursPerBusyNodeHour?.toFixed(3)).toBe('1.249');
  });
});

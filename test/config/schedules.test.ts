import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../lib/config/load';
import { minimalConfig, problems, toYaml } from './fixtures';

const withSchedules = (defaults: unknown, flavorSchedules?: unknown) => {
  const config = minimalConfig();
  const pool = config.pools[0] as Record<string, unknown> & { flavors: Record<string, unknown>[] };
  if (defaults !== undefined) pool.defaults = { schedules: defaults };
  pool.flavors.push({
    flavor: 'modelarts.vm.gpu.v100',
    max: 8,
    backlog: { source: { type: 'static', value: 1 } },
  });
  if (flavorSchedules !== undefined) (pool.flavors[1] as Record<string, unknown>).schedules = flavorSchedules;
  return parseConfig({ text: toYaml(config), env: {} });
};

describe('schedules in the config', () => {
  it('apply pool defaults to every flavor, one shared list, named after the cron expression by default', () => {
    const config = withSchedules([
      { cron: '0 8 * * 1-5', timezone: 'Asia/Shanghai', durationSeconds: 36000, min: 2 },
    ]);
    const [first, second] = config.pools[0]?.flavors ?? [];
    expect(first?.policy.schedules).toEqual([
      { name: '0 8 * * 1-5', cron: '0 8 * * 1-5', timezone: 'Asia/Shanghai', durationSeconds: 36000, min: 2 },
    ]);
    expect(second?.policy.schedules).toBe(first?.policy.schedules);
  });

  it("let a flavor's own list replace the inherited one", () => {
    const config = withSchedules(
      [{ cron: '0 8 * * *', durationSeconds: 3600, min: 2 }],
      [{ name: 'night', cron: '0 22 * * *', durationSeconds: 3600, max: 1 }],
    );
    expect(config.pools[0]?.flavors[1]?.policy.schedules?.map((s) => s.name)).toEqual(['night']);
  });

  it('stop at start-up on a min above the flavor max or a max below its min, naming the schedule field', () => {
    expect(problems(() => withSchedules([{ cron: '0 8 * * *', durationSeconds: 3600, min: 6 }]))).toEqual([
      "pools[0].flavors[0].schedules[0].min: must be <= the flavor's max 4 (got 6)",
    ]);
  });

  it('stop at start-up on an expression or zone the library cannot read', () => {
    const found = problems(() =>
      withSchedules([
        { cron: '0 25 * * *', durationSeconds: 3600, min: 1 },
        { cron: '0 8 * * *', timezone: 'Asia/Atlantis', durationSeconds: 3600, min: 1 },
      ]),
    );
    expect(found.join('\n')).toMatch(/schedules\[0\]\.cron: "0 25 \* \* \*" is not a cron expression/);
    expect(found.join('\n')).toMatch(/schedules\[1\]\.timezone: "Asia\/Atlantis" is not an IANA time zone/);
  });
});

describe('headroom and forecast in the config', () => {
  const withFields = (fields: Record<string, unknown>) => {
    const config = minimalConfig();
    Object.assign(config.pools[0]?.flavors[0] as Record<string, unknown>, fields);
    return parseConfig({ text: toYaml(config), env: {} });
  };

  it('resolve headroom and a daily or weekly forecast with its defaults', () => {
    const daily = withFields({ headroom: { percent: 10 }, forecast: {} }).pools[0]?.flavors[0]?.policy;
    expect(daily?.headroom).toEqual({ percent: 10 });
    expect(daily?.forecast).toEqual({
      mode: 'forecastAndScale',
      leadSeconds: 600,
      periodSeconds: 86_400,
      periods: 7,
    });
    const weekly = withFields({ forecast: { mode: 'forecastOnly', seasonality: 'weekly' } }).pools[0]
      ?.flavors[0]?.policy;
    expect(weekly?.forecast).toEqual({
      mode: 'forecastOnly',
      leadSeconds: 600,
      periodSeconds: 604_800,
      periods: 1,
    });
    const spread = withFields({ forecast: { spread: 1.5 } }).pools[0]?.flavors[0]?.policy;
    expect(spread?.forecast).toMatchObject({ leadSeconds: 600, spread: 1.5 });
  });

  it('name the field of a bad headroom or forecast', () => {
    expect(problems(() => withFields({ headroom: { nodes: 0 } })).join('\n')).toMatch(
      /flavors\[0\]\.headroom/,
    );
    expect(problems(() => withFields({ forecast: { days: 9 } })).join('\n')).toMatch(
      /flavors\[0\]\.forecast\.days/,
    );
    expect(problems(() => withFields({ forecast: { spread: 0 } })).join('\n')).toMatch(
      /flavors\[0\]\.forecast\.spread/,
    );
  });
});

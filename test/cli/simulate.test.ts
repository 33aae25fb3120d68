import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, scratchDir } from './harness';

describe('modelarts-autoscaler simulate', () => {
  it('replays a built-in scenario against every baseline and writes the chart', async () => {
    const cwd = scratchDir();
    const chart = join(cwd, 'bursty.svg');
    const run = await runCli(['simulate', '--scenario', 'bursty', '--compare', '--chart', chart], { cwd });

    expect(run.code).toBe(0);
    for (const column of ['policy', 'static at max', 'static at mean', 'KEDA-equivalent'])
      expect(run.stdout).toContain(column);
    expect(run.stdout).toMatch(/node-hours per busy node-hour/);
    expect(existsSync(chart)).toBe(true);
    expect(readFileSync(chart, 'utf8')).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
  });

  it('names the problem when the scenario is unknown', async () => {
    const run = await runCli(['simulate', '--scenario', 'tsunami']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/scenario/);
    expect(run.stderr).toContain('tsunami');
  });
});

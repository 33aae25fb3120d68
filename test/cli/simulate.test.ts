import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli, scratchDir } from './harness';

describe('modelarts-autoscaler simulate', () => {
  it('replays a built-in scenario against every baseline and writes the chart', async () => {
    const cwd = scratchDir();
    const chart = join(cwd, 'bursty.svg');
    const run = await runCli(['simulate', '--scenario', 'bursty', '--compare', '--chart', chart], { cwd });

    expect(run.code).toBe(0);
    for (const column of ['policy', 'static at max', 'static at mean', 'HPA defaults', 'CA-equivalent'])
      expect(run.stdout).toContain(column);
    expect(run.stdout).toMatch(/node-hours per busy node-hour/);
    expect(existsSync(chart)).toBe(true);
    expect(readFileSync(chart, 'utf8')).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
  });

  it('writes the chart under the git-ignored .autoscaler/ by default, never into the working tree, and prints where', async () => {
    const cwd = scratchDir();
    const run = await runCli(['simulate', '--scenario', 'bursty', '--duration', '600'], { cwd });

    expect(run.code).toBe(0);
    expect(existsSync(join(cwd, 'simulation.svg'))).toBe(false);
    expect(readFileSync(join(cwd, '.autoscaler/simulation.svg'), 'utf8')).toMatch(/^<svg/);
    expect(run.stdout).toContain('chart: .autoscaler/simulation.svg');
    // In the repository that folder is ignored, so a simulation leaves `git status` clean.
    const ignored = spawnSync('git', ['check-ignore', '-q', '.autoscaler/simulation.svg'], { cwd: ROOT });
    expect(ignored.status).toBe(0);
  });

  it('writes the chart where --out says, creating its folder, and prints that path', async () => {
    const cwd = scratchDir();
    const run = await runCli(
      ['simulate', '--scenario', 'bursty', '--duration', '600', '--out', 'charts/b.svg'],
      {
        cwd,
      },
    );

    expect(run.code).toBe(0);
    expect(readFileSync(join(cwd, 'charts/b.svg'), 'utf8')).toMatch(/^<svg/);
    expect(run.stdout).toContain(`chart: ${join('charts', 'b.svg')}`);
    expect(existsSync(join(cwd, '.autoscaler'))).toBe(false);
  });

  it('names the problem when the scenario is unknown', async () => {
    const run = await runCli(['simulate', '--scenario', 'tsunami']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/scenario/);
    expect(run.stderr).toContain('tsunami');
  });
});

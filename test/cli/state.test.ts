import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, writeScratch } from './harness';

// `state reset --pool` clears a history item the autoscaler reports it cannot read, and only that one.

const config = (statePath: string) => `
state: { type: file, path: ${statePath} }
connections:
  - { name: emu, region: cn-north-7, projectId: proj-a, endpoint: "http://127.0.0.1:9", auth: { type: none } }
pools:
  - name: pool-1
    flavors: [{ flavor: "*", max: 4, backlog: { source: { type: static, value: 1 } } }]
`;

describe('modelarts-autoscaler state reset', () => {
  it('removes the named pool history items and keeps the others', async () => {
    const configPath = writeScratch('autoscaler.yaml', '');
    const statePath = join(dirname(configPath), 'state.json');
    await writeFile(configPath, config(statePath));
    const good = { history: { flavors: {} }, revision: 2, format: 1 };
    await writeFile(
      statePath,
      JSON.stringify({
        version: 1,
        pools: { 'proj-a/pool-1': { history: { flavors: 'bad' } }, 'proj-a/pool-2': good },
      }),
    );
    const run = await runCli(['state', 'reset', '--pool', 'pool-1', '--config', configPath]);

    expect(run.stderr).toBe('');
    expect(run.stdout).toContain('proj-a/pool-1: history cleared');
    expect(run.code).toBe(0);
    const stored = JSON.parse(await readFile(statePath, 'utf8'));
    expect(stored.pools).toEqual({ 'proj-a/pool-1': {}, 'proj-a/pool-2': good });
  });

  it('needs a pool', async () => {
    const run = await runCli(['state', 'reset']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('state reset needs --pool');
  });
});

// Pools live in workspaces and ListPools answers for one workspace at a time (the default "0" unless
// `workspaceId` is sent): a selector naming another workspace must have that workspace listed, and must
// match only the pools of its own workspace.

import { afterEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../emulator/server';
import { parseConfig } from '../../lib/config/load';
import { listPoolsQuery, matchPools, workspaceLabel, workspacesToList } from '../../lib/config/pools';
import { createModelArtsClient } from '../../lib/modelarts/index';
import type { Pool } from '../../lib/modelarts/schemas';
import { seedPoolNamed, toYaml } from './fixtures';

const named = (prefix: string): Pool => structuredClone(seedPoolNamed(prefix));

/** A seed pool moved to `workspace`, or out of every workspace label when undefined. */
const inWorkspace = (prefix: string, workspace: string | undefined): Pool => {
  const pool = named(prefix);
  const { [workspaceLabel]: _, ...labels } = pool.metadata.labels ?? {};
  pool.metadata.labels = workspace === undefined ? labels : { ...labels, [workspaceLabel]: workspace };
  return pool;
};

const configWith = (pools: unknown[]) =>
  parseConfig({
    text: toYaml({
      connections: [
        { name: 'main', region: 'cn-north-7', projectId: 'emulator-project', auth: { type: 'none' } },
        { name: 'other', region: 'cn-north-4', projectId: 'p2' },
      ],
      defaults: { max: 8, backlog: { source: { type: 'static', value: 2 } } },
      pools,
    }),
    env: {},
  });

const everyFlavor = [{ flavor: '*' }];

describe('workspacesToList', () => {
  it('lists each workspace a connection’s entries need once, the default one first', () => {
    const config = configWith([
      {
        connection: 'main',
        selector: { labels: { team: 'nlp' }, workspaceId: 'ws-b' },
        flavors: everyFlavor,
      },
      { connection: 'main', selector: { labels: { team: 'cv' }, workspaceId: '7' }, flavors: everyFlavor },
      { connection: 'main', selector: { labels: { team: 'ml' }, workspaceId: '7' }, flavors: everyFlavor },
      { connection: 'main', name: 'named-pool', flavors: everyFlavor },
      { connection: 'other', selector: { labels: {}, workspaceId: '9' }, flavors: everyFlavor },
    ]);

    expect(workspacesToList(config, 'main')).toEqual(['0', '7', 'ws-b']);
    expect(workspacesToList(config, 'other')).toEqual(['9']);
    expect(workspacesToList(config, 'unused')).toEqual([]);
  });

  it('looks for named pools and selectors without a workspace in the default workspace', () => {
    const config = configWith([
      { connection: 'main', name: 'named-pool', flavors: everyFlavor },
      { connection: 'main', selector: { labels: { team: 'nlp' } }, flavors: everyFlavor },
    ]);

    expect(workspacesToList(config, 'main')).toEqual(['0']);
  });

  it('sends workspaceId for any workspace but the one ListPools defaults to', () => {
    expect(listPoolsQuery('0')).toEqual({});
    expect(listPoolsQuery('7')).toEqual({ workspaceId: '7' });
  });
});

describe('a selector and workspaces', () => {
  it('matches only the pools of its own workspace, a pool without the label being in workspace "0"', () => {
    const unlabelled = inWorkspace('multi-gpu-pool', undefined);
    const elsewhere = inWorkspace('single-flavor-pool', '7');
    const config = configWith([
      { connection: 'main', selector: { labels: {}, workspaceId: '0' }, flavors: everyFlavor },
      { connection: 'other', selector: { labels: {} }, flavors: everyFlavor },
    ]);

    for (const connection of ['main', 'other'])
      expect(matchPools(config, connection, [unlabelled, elsewhere]).map((m) => m.pool)).toEqual([
        unlabelled,
      ]);
  });
});

describe('listing the workspaces a connection needs, against the emulator', () => {
  let emulator: Emulator | undefined;
  afterEach(async () => {
    await emulator?.close();
    emulator = undefined;
  });

  it('finds a selector’s pools in workspace "7" and a named pool in the default one, one LIST each', async () => {
    const defaultPool = named('multi-gpu-pool');
    const teamPool = inWorkspace('single-flavor-pool', '7');
    const otherWorkspacePool = inWorkspace('auto-pool-os', 'ws-b');
    emulator = await startEmulator({ pools: [defaultPool, teamPool, otherWorkspacePool] });
    const client = createModelArtsClient({
      projectId: emulator.projectId,
      endpoint: emulator.url,
      auth: { type: 'none' },
    });
    const config = configWith([
      { connection: 'main', name: defaultPool.metadata.name, flavors: everyFlavor },
      { connection: 'main', selector: { labels: {}, workspaceId: '7' }, flavors: everyFlavor },
    ]);

    const listed: Pool[] = [];
    for (const workspace of workspacesToList(config, 'main')) {
      const { pools, errors } = await client.listPools(listPoolsQuery(workspace));
      expect(errors).toEqual([]);
      listed.push(...pools);
    }
    const matches = matchPools(config, 'main', listed);

    expect(matches.map((m) => [m.pool.metadata.name, m.ok && m.poolConfig.index])).toEqual([
      [defaultPool.metadata.name, 0],
      [teamPool.metadata.name, 1],
    ]);
    expect(emulator.requests.map((request) => request.query)).toEqual([{}, { workspaceId: '7' }]);
  });
});

// A history item the scaler cannot use fails its pool alone, naming the item, and is never overwritten: a
// hand-edited or foreign item, or one written by a newer version running beside this one during a deploy.

import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../emulator/server';
import { runCycle } from '../../lib/cycle';
import { createFileStateStore } from '../../lib/state/file';
import { fleet, fleetConfig, GPU, staticPoolEntry } from './fleet';
import { sentinelClients } from './invocations';
import { sentinelEmulatorAuth } from './sentinels';

const T0 = Date.UTC(2026, 0, 7, 9, 0, 0);
const { pools, members } = fleet(9);
const name = (index: number) => (members[index] as (typeof members)[number]).name;
// Pools 2, 4 and 8: one GPU flavor with 3 nodes each; a backlog of 12 asks for 6.
const [FOREIGN, NEWER, GOOD] = [name(2), name(4), name(8)];

let emulator: Emulator;
let path: string;

beforeEach(async () => {
  emulator = await startEmulator({
    pools,
    auth: sentinelEmulatorAuth(),
    now: () => T0,
    transitionMs: 300_000,
  });
  path = join(await mkdtemp(join(tmpdir(), 'history-items-')), 'state.json');
});
afterEach(() => emulator.close());

const key = (pool: string) => `${emulator.projectId}/${pool}`;
const NEWER_ITEM = { format: 4, revision: 7, history: { flavors: {}, placement: { zones: ['a'] } } };

describe('a history item that cannot be used', () => {
  it('fails its pool alone, names the item, and is left as it was', async () => {
    await writeFile(
      path,
      JSON.stringify({
        version: 1,
        pools: { [key(FOREIGN)]: { history: { flavors: 'garbage' } }, [key(NEWER)]: NEWER_ITEM },
      }),
    );
    const config = fleetConfig({
      endpoint: emulator.url,
      projectId: emulator.projectId,
      pools: [FOREIGN, NEWER, GOOD].map((pool) => staticPoolEntry(pool, { [GPU]: 12 })).join('\n'),
    });
    const result = await runCycle(config, {
      clients: sentinelClients(config, () => T0),
      store: createFileStateStore({ path }),
      now: () => T0,
      owner: 'cron',
    });
    const outcome = (pool: string) => result.outcomes.find((o) => o.pool === pool);

    expect(outcome(FOREIGN)).toMatchObject({ status: 'failed' });
    expect(outcome(FOREIGN)?.error).toContain(
      `history item for pool ${key(FOREIGN)} has an unexpected shape`,
    );
    expect(outcome(FOREIGN)?.error).toContain(`state reset --pool ${key(FOREIGN)}`);
    expect(outcome(NEWER)?.error).toContain('written by a newer version (format 4');
    expect(outcome(GOOD)?.status).toBe('patched');
    const patched = emulator.requests.filter((r) => r.route === 'patchPool').map((r) => r.path);
    expect(patched).toEqual([expect.stringContaining(GOOD)]);
    const stored = JSON.parse(await readFile(path, 'utf8'));
    expect(stored.pools[key(NEWER)]).toEqual(NEWER_ITEM);
    expect(stored.pools[key(FOREIGN)]).toEqual({ history: { flavors: 'garbage' } });
  });
});

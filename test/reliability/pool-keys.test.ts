// Pools are keyed by project and name: two projects may each have a pool of the same name, and each gets its
// own backlog, history and lease.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../emulator/server';
import { parseConfig } from '../../lib/config';
import { runCycle } from '../../lib/cycle';
import { createMemoryStateStore } from '../../lib/state/memory';
import { countsOf, FAST_RULES, fleet, GPU } from './fleet';
import { sentinelClients } from './invocations';
import { sentinelEmulatorAuth } from './sentinels';

const T0 = Date.UTC(2026, 0, 7, 9, 0, 0);
const { pools, members } = fleet(3);
// One GPU flavor with 3 nodes, in both projects.
const POOL = (members[2] as (typeof members)[number]).name;

let east: Emulator;
let west: Emulator;
beforeEach(async () => {
  const options = { pools, auth: sentinelEmulatorAuth(), now: () => T0, transitionMs: 300_000 };
  east = await startEmulator({ ...options, projectId: 'project-east' });
  west = await startEmulator({ ...options, projectId: 'project-west' });
});
afterEach(async () => {
  await east.close();
  await west.close();
});

const connection = (name: string, emulator: Emulator) => `
  - name: ${name}
    region: cn-north-7
    projectId: ${emulator.projectId}
    endpoint: ${emulator.url}
    auth: { type: aksk }`;

const entry = (connectionName: string, backlog: number) => `
  - name: ${POOL}
    connection: ${connectionName}
    flavors: [{ flavor: ${GPU}, backlog: { source: { type: static, value: ${backlog} } } }]`;

describe('two projects with a pool of the same name', () => {
  it('scale each pool on its own backlog', async () => {
    const config = parseConfig({
      text: `${FAST_RULES}\nconnections:${connection('east', east)}${connection('west', west)}\npools:${entry('east', 12)}${entry('west', 8)}`,
      env: {},
    });
    const store = createMemoryStateStore();
    const result = await runCycle(config, {
      clients: sentinelClients(config, () => T0),
      store,
      now: () => T0,
      owner: 'cron',
    });

    expect(result.outcomes.map((o) => [o.key, o.status]).sort()).toEqual([
      [`project-east/${POOL}`, 'patched'],
      [`project-west/${POOL}`, 'patched'],
    ]);
    expect(countsOf(east.pool(POOL)?.spec.resources ?? [])).toEqual({ [GPU]: 6 });
    expect(countsOf(west.pool(POOL)?.spec.resources ?? [])).toEqual({ [GPU]: 4 });
  });
});

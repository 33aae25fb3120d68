// Every write is planned on a GET made under the pool's lease, the lease is fenced before the write, the kill
// switch is read again before it, and histories saved by two invocations keep both sets of events. Each test
// replays an interleaving that a LIST-snapshot plan gets wrong.

import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../emulator/server';
import type { Config } from '../../lib/config';
import { type CycleDeps, type CycleResult, runCycle } from '../../lib/cycle';
import { createFileStateStore } from '../../lib/state/file';
import { createMemoryStateStore } from '../../lib/state/memory';
import type { StateStore } from '../../lib/state/store';
import { CPU, countsOf, fleet, fleetConfig, GPU, staticPoolEntry } from './fleet';
import { sentinelClients } from './invocations';
import { sentinelEmulatorAuth } from './sentinels';

const T0 = Date.UTC(2026, 0, 7, 9, 0, 0);
// Pool 2: one GPU flavor with 3 nodes; a backlog of 12 asks for 6. Pool 0: 1 CPU and 2 GPU nodes.
const { pools, members } = fleet(3);
const POOL = (members[2] as (typeof members)[number]).name;
const TWO_FLAVORS = (members[0] as (typeof members)[number]).name;

let clock: number;
let emulator: Emulator;
let shared: ReturnType<typeof createMemoryStateStore>;

beforeEach(async () => {
  clock = T0;
  emulator = await startEmulator({
    pools,
    auth: sentinelEmulatorAuth(),
    now: () => clock,
    transitionMs: 300_000,
  });
  shared = createMemoryStateStore();
});
afterEach(() => emulator.close());

const configFor = (entries: string) =>
  fleetConfig({ endpoint: emulator.url, projectId: emulator.projectId, pools: entries });

const deps = (config: Config, owner: string, store: StateStore = shared): CycleDeps => ({
  clients: sentinelClients(config, () => clock),
  store,
  now: () => clock,
  owner,
});

/** The shared store, running `hook` once, the first time the cycle loads histories (all at once, after its LIST). */
function afterList(hook: () => Promise<void> | void): StateStore {
  let pending = true;
  return {
    ...shared,
    loadMany: async (keys) => {
      if (pending) {
        pending = false;
        await hook();
      }
      return shared.loadMany(keys);
    },
  };
}

const patchesTo = (pool: string) =>
  emulator.requests.filter((request) => request.route === 'patchPool' && request.path.endsWith(pool));
const routes = () => emulator.requests.map((request) => request.route);
const outcome = (result: CycleResult, pool: string) => result.outcomes.find((o) => o.pool === pool);
const reasons = (result: CycleResult, pool: string) =>
  result.plan.pools.find((p) => p.pool === pool)?.reasons.map((r) => r.code) ?? [];

describe('a write is planned on a fresh read under the lease', () => {
  it('does not patch a pool frozen after the list', async () => {
    const config = configFor(staticPoolEntry(POOL, { [GPU]: 12 }));
    const store = afterList(() => emulator.setControlMode(POOL, 8));
    const result = await runCycle(config, deps(config, 'cron', store));

    expect(patchesTo(POOL)).toEqual([]);
    expect(outcome(result, POOL)?.status).toBe('skipped');
    expect(reasons(result, POOL)).toContain('control-mode');
  });

  it('does not shrink back a pool an operator grew after the list', async () => {
    const config = configFor(staticPoolEntry(POOL, { [GPU]: 12 })); // 3 -> 6 on the list's answer
    const operator = sentinelClients(config, () => clock)('emu');
    const store = afterList(async () => {
      await operator.patchPool(POOL, { spec: { resources: [{ flavor: GPU, count: 10 }] } });
    });
    emulator.clearRequests();
    await runCycle(config, deps(config, 'cron', store));

    expect(patchesTo(POOL)).toHaveLength(1); // the operator's
    expect(countsOf(emulator.pool(POOL)?.spec.resources ?? [])).toEqual({ [GPU]: 10 });
  });

  it('makes the same GET in a dry run, so the dry run shows what apply would do', async () => {
    const config = configFor(staticPoolEntry(POOL, { [GPU]: 12 }));
    const store = afterList(() => emulator.setControlMode(POOL, 8));
    const result = await runCycle(config, deps(config, 'plan', store), { dryRun: true });

    // The listed pool grows, so its flavor stock is read (issue #15) before the GET finds it frozen.
    expect(routes().sort()).toEqual(['getPool', 'listFlavors', 'listPools']);
    expect(outcome(result, POOL)?.status).toBe('skipped');
    expect(result.plan.pools.find((p) => p.pool === POOL)?.patch).toBeUndefined();
  });

  it('costs one list for unchanged pools and a stock read, one GET and one PATCH for a scale-up', async () => {
    const config = configFor(
      `${staticPoolEntry(POOL, { [GPU]: 12 })}\n${staticPoolEntry(TWO_FLAVORS, { [CPU]: 2, [GPU]: 4 })}`,
    );
    const result = await runCycle(config, deps(config, 'cron'));

    expect(outcome(result, TWO_FLAVORS)?.status).toBe('unchanged');
    expect(outcome(result, POOL)?.status).toBe('patched');
    expect(routes().sort()).toEqual(['getPool', 'listFlavors', 'listPools', 'patchPool']);
  });
});

describe('the lease is fenced before a write', () => {
  it('sends no PATCH once the lease expired and another invocation took it', async () => {
    const config = configFor(staticPoolEntry(POOL, { [GPU]: 12 }));
    const key = `${emulator.projectId}/${POOL}`;
    let stalled = false;
    let gets = 0;
    // The second GET (the one under the lease) stalls past the lease's expiry; another invocation takes the lease meanwhile.
    const clients = sentinelClients(config, () => clock);
    const slow: CycleDeps['clients'] = (name) => {
      const client = clients(name);
      return {
        ...client,
        getPool: async (pool, options) => {
          const answer = await client.getPool(pool, options);
          gets += 1;
          if (gets === 2) {
            stalled = true;
            clock += 61_000;
            await shared.acquireLease(key, 'other', 60_000, clock);
          }
          return answer;
        },
      };
    };
    const result = await runCycle(config, { ...deps(config, 'slow'), clients: slow }, { pools: [POOL] });

    expect(patchesTo(POOL)).toEqual([]);
    expect(stalled).toBe(true);
    expect(outcome(result, POOL)?.status).toBe('lease-lost');
  });
});

describe('histories saved by two invocations', () => {
  it('keep the scale events of both', async () => {
    const key = `${emulator.projectId}/${POOL}`;
    const path = join(await mkdtemp(join(tmpdir(), 'fresh-read-')), 'state.json');
    const file = createFileStateStore({ path });
    const idleConfig = configFor(staticPoolEntry(POOL, { [GPU]: 6 })); // 3 nodes: unchanged
    const growConfig = configFor(staticPoolEntry(POOL, { [GPU]: 12 })); // 3 -> 6
    // The idle cycle loads the history, then waits while the other invocation scales the pool and saves.
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let reached!: () => void;
    const atSave = new Promise<void>((resolve) => {
      reached = resolve;
    });
    const held: StateStore = {
      ...file,
      save: async (k, history, revision) => {
        reached();
        await released;
        return file.save(k, history, revision);
      },
    };
    const idle = runCycle(idleConfig, deps(idleConfig, 'webhook', held), { pools: [POOL] });
    await atSave;
    const grown = await runCycle(growConfig, deps(growConfig, 'cron', file), { pools: [POOL] });
    expect(outcome(grown, POOL)?.status).toBe('patched');
    release();
    await idle;

    const { history } = JSON.parse(await readFile(path, 'utf8')).pools[key];
    expect(history.flavors[GPU]?.events).toEqual([{ at: T0, from: 3, to: 6 }]);
  });
});

describe('the kill switch', () => {
  it('is read again before each write, and stops the PATCHes after it is turned on', async () => {
    const config = fleetConfig({
      endpoint: emulator.url,
      projectId: emulator.projectId,
      concurrency: 1,
      pools: `${staticPoolEntry(TWO_FLAVORS, { [CPU]: 6 })}\n${staticPoolEntry(POOL, { [GPU]: 12 })}`,
    });
    let engaged = false;
    let reads = 0;
    const killSwitch = async () => {
      reads += 1;
      return engaged;
    };
    // Turned on once the first pool is patched.
    const store: StateStore = {
      ...shared,
      save: async (k, history, revision) => {
        if (history.lastPatchAt !== undefined) engaged = true;
        return shared.save(k, history, revision);
      },
    };
    const result = await runCycle(
      config,
      { ...deps(config, 'cron', store), killSwitch },
      { killSwitch: false },
    );

    expect(reads).toBe(2);
    expect(emulator.requests.filter((request) => request.route === 'patchPool')).toHaveLength(1);
    expect(result.outcomes.map((o) => o.status).sort()).toEqual(['patched', 'skipped']);
    expect(result.plan.pools.flatMap((p) => p.reasons.map((r) => r.code))).toContain('kill-switch');
  });
});

describe('an invocation that ends before its lease', () => {
  it('starts no call that could outlive it, and says so', async () => {
    const config = configFor(staticPoolEntry(POOL, { [GPU]: 12 }));
    // 3 s left: less than one attempt (5 s in these clients) and the room kept to save the history.
    const result = await runCycle(
      config,
      { ...deps(config, 'webhook'), invocationEndsAt: clock + 3_000 },
      {
        pools: [POOL],
      },
    );

    expect(patchesTo(POOL)).toEqual([]);
    expect(outcome(result, POOL)).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/deadline/),
    });
    // The pool was read to plan (no lease yet), and its stock (it grows), never under the lease.
    expect(routes()).toEqual(['getPool', 'listFlavors']);
  });
});

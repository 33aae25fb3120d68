// The interleavings behind the duplicate PATCHes the race rounds catch, replayed step by step. A cycle
// that read a pool before another invocation PATCHed it must re-read it before sending anything; it can
// only tell from the pool's `lastPatchAt` in the state store. A cycle that changes nothing must therefore
// never erase that record: not by saving a history without it, and not by saving a history it loaded
// before the PATCH was recorded.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../emulator/server';
import type { Config } from '../../lib/config';
import { type CycleResult, runCycle } from '../../lib/cycle';
import { createMemoryStateStore } from '../../lib/state/memory';
import type { StateStore } from '../../lib/state/store';
import { CPU, fleet, fleetConfig, GPU, staticPoolEntry } from './fleet';
import { sentinelClients } from './invocations';
import { sentinelEmulatorAuth } from './sentinels';

const T0 = Date.UTC(2026, 0, 7, 9, 0, 0);
// Pool 2 of the fleet: one GPU flavor with 3 nodes; a backlog of 12 asks for 6. Pool 0: 1 CPU and 2 GPU nodes.
const { pools, members } = fleet(3);
const POOL = (members[2] as (typeof members)[number]).name;
const TWO_FLAVORS = (members[0] as (typeof members)[number]).name;

let clock: number;
let emulator: Emulator;
let config: Config;
let shared: StateStore;

beforeEach(async () => {
  clock = T0;
  emulator = await startEmulator({
    pools,
    auth: sentinelEmulatorAuth(),
    now: () => clock,
    transitionMs: 300_000,
  });
  config = configFor(staticPoolEntry(POOL, { [GPU]: 12 }));
  shared = createMemoryStateStore();
});
afterEach(() => emulator.close());

const configFor = (pools: string) =>
  fleetConfig({ endpoint: emulator.url, projectId: emulator.projectId, pools });

/** A gate a store operation waits at: `reached` resolves when it gets there, `open()` lets it through. */
function gate() {
  let open!: () => void;
  let arrived!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  const reached = new Promise<void>((resolve) => {
    arrived = resolve;
  });
  const wait = () => {
    arrived();
    return opened;
  };
  return { reached, open, wait };
}

/** The shared store, with one operation held at a gate the first time it is called. */
function gatedStore(operation: 'acquireLease' | 'save', held: ReturnType<typeof gate>): StateStore {
  let first = true;
  const hold = async <T>(work: () => Promise<T>) => {
    if (first) {
      first = false;
      await held.wait();
    }
    return work();
  };
  return {
    ...shared,
    save: (key, history, revision) =>
      operation === 'save'
        ? hold(() => shared.save(key, history, revision))
        : shared.save(key, history, revision),
    acquireLease: (key, owner, ttl, now) =>
      operation === 'acquireLease'
        ? hold(() => shared.acquireLease(key, owner, ttl, now))
        : shared.acquireLease(key, owner, ttl, now),
  };
}

const cycle = (
  owner: string,
  store: StateStore = shared,
  with_: Config = config,
  pool = POOL,
): Promise<CycleResult> =>
  runCycle(
    with_,
    { clients: sentinelClients(with_, () => clock), store, now: () => clock, owner },
    { pools: [pool] },
  );

const patchBodies = () =>
  emulator.requests.filter((request) => request.route === 'patchPool').map((request) => request.body);

describe('a plan made before another invocation PATCHed the pool', () => {
  it('is re-read, not re-sent, after a cycle that changed nothing', async () => {
    const lease = gate();
    const stale = cycle('stale', gatedStore('acquireLease', lease)); // reads 3 nodes, plans 6, waits
    await lease.reached;
    clock += 1_000;
    expect((await cycle('first')).outcomes[0]?.status).toBe('patched'); // 3 -> 6
    clock += 1_000;
    expect((await cycle('idle')).outcomes[0]?.status).toBe('unchanged'); // sees 6 (3 creating)

    // The PATCH is still on record after the idle cycle saved its history...
    expect((await shared.load(`${emulator.projectId}/${POOL}`)).history.lastPatchAt).toBe(T0 + 1_000);
    clock += 1_000;
    lease.open();
    await stale;
    // ... so the stale plan is re-read and dropped: one PATCH for the one target.
    expect(patchBodies()).toHaveLength(1);
  });

  it('is re-read, not re-sent, when a cycle that changed nothing loaded its history before the PATCH was recorded', async () => {
    const lease = gate();
    const stale = cycle('stale', gatedStore('acquireLease', lease));
    await lease.reached;
    clock += 1_000;
    const recorded = gate();
    const first = cycle('first', gatedStore('save', recorded)); // PATCHes 3 -> 6, then waits to record it
    await recorded.reached;
    clock += 1_000;
    const idleSave = gate();
    const idle = cycle('idle', gatedStore('save', idleSave)); // reads 6, loads the history without the PATCH
    // Its save waits at the gate, unless it rightly saves nothing while the PATCH is not yet recorded.
    await Promise.race([idleSave.reached, idle]);
    recorded.open();
    await first;
    idleSave.open();
    await idle;
    clock += 1_000;
    lease.open();
    await stale;

    expect(patchBodies()).toHaveLength(1);
  });

  it('that is re-planned and then fails is reported with the body that was sent', async () => {
    // One invocation manages the CPU flavor, the other the GPU flavor: the body lists both, so a re-read
    // that finds the CPU count changed yields another body than the stale plan's.
    const cpuConfig = configFor(staticPoolEntry(TWO_FLAVORS, { [CPU]: 6 })); // 1 -> 3
    const gpuConfig = configFor(staticPoolEntry(TWO_FLAVORS, { [GPU]: 8 })); // 2 -> 4
    const lease = gate();
    const stale = cycle('stale', gatedStore('acquireLease', lease), gpuConfig, TWO_FLAVORS);
    await lease.reached;
    clock += 1_000;
    expect((await cycle('cpu', shared, cpuConfig, TWO_FLAVORS)).outcomes[0]?.status).toBe('patched');
    clock += 1_000;
    emulator.failNext('patchPool', 1, { status: 400, errorCode: 'ModelArts.50004000' });
    lease.open();
    const result = await stale;

    expect(result.outcomes[0]?.status).toBe('failed');
    const sent = patchBodies().at(-1);
    expect(JSON.parse(sent ?? '{}')).toEqual({
      spec: {
        resources: [
          { flavor: CPU, count: 3 },
          { flavor: GPU, count: 4 },
        ],
      },
    });
    expect(JSON.stringify(result.plan.pools[0]?.patch)).toBe(sent);
  });
});

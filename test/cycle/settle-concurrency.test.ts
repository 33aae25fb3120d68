import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { benchPools, poolKind } from '../../bench/cycle-cost';
import { type Emulator, startEmulator } from '../../emulator/server';
import { parseConfig } from '../../lib/config';
import { type DecisionRecord, runCycle, STATE_WRITE_CONCURRENCY } from '../../lib/cycle';
import type { CycleDeps } from '../../lib/cycle/types';
import { createModelArtsClient, type ModelArtsClient } from '../../lib/modelarts';
import { createMemoryStateStore } from '../../lib/state/memory';
import type { StateStore } from '../../lib/state/store';

// How a cycle spreads its work: every history read at once, the saves of unchanged pools at the state
// store's concurrency, and the ModelArts requests of the pools that may change at config.concurrency.

const POOLS = 60;
/** Every tenth pool changes (6 of 60): 3 scale up, 3 drain idle nodes; the others stay as they are. */
const CHANGE_EVERY = 10;
const KINDS = Array.from({ length: POOLS }, (_, index) => poolKind(index, CHANGE_EVERY));
const SCALE_UPS = KINDS.filter((kind) => kind === 'scale-up').length;
const CONCURRENCY = 2;

/** Counts calls in flight at once, by kind. */
function inFlight() {
  const now: Record<string, number> = {};
  const most: Record<string, number> = {};
  const around =
    <A extends unknown[], R>(kind: string, call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      now[kind] = (now[kind] ?? 0) + 1;
      most[kind] = Math.max(most[kind] ?? 0, now[kind]);
      try {
        // Long enough for the others to start, as a DynamoDB request would be.
        await new Promise((resolve) => setTimeout(resolve, 5));
        return await call(...args);
      } finally {
        now[kind] = (now[kind] ?? 1) - 1;
      }
    };
  return { most, around };
}

describe('a cycle over many pools', () => {
  let emulator: Emulator;
  beforeEach(async () => {
    emulator = await startEmulator({
      pools: benchPools(POOLS, CHANGE_EVERY),
      faults: { '*': { latencyMs: 10 } },
      transitionMs: 60_000,
    });
  });
  afterEach(() => emulator.close());

  const config = (backlog = 4) =>
    parseConfig({
      env: {},
      text: `
concurrency: ${CONCURRENCY}
connections:
  - { name: emu, region: cn-north-7, projectId: ${emulator.projectId}, endpoint: "${emulator.url}", auth: { type: none } }
pools:
  - selector: { labels: { bench: cycle-cost } }
    flavors:
      - flavor: "*"
        min: 1
        max: 8
        backlog: { source: { type: static, value: ${backlog} }, unit: nodes, targetPerNode: 1 }
        scaleDown: { method: idle-nodes, idleSeconds: 0, stabilizationWindowSeconds: 0 }
`,
    });

  function watched() {
    const store = createMemoryStateStore();
    const counting = inFlight();
    const calls: Record<string, number> = {};
    const counted =
      <A extends unknown[], R>(kind: string, call: (...args: A) => Promise<R>) =>
      (...args: A): Promise<R> => {
        calls[kind] = (calls[kind] ?? 0) + 1;
        return counting.around(kind, call)(...args);
      };
    const watchedStore: StateStore = {
      ...store,
      load: counted('load', store.load),
      loadMany: counted('loadMany', store.loadMany),
      save: counted('save', store.save),
    };
    const client = createModelArtsClient({
      projectId: emulator.projectId,
      endpoint: emulator.url,
      auth: { type: 'none' },
    });
    const records: DecisionRecord[] = [];
    /** How many decisions were reported when each PATCH was sent. */
    const reportedAtPatch: number[] = [];
    const clients = (): ModelArtsClient => ({
      ...client,
      getPool: counted('modelarts', client.getPool),
      // The node and workload reads and writes of a scale-in go through the client's transport.
      request: counted('modelarts', client.request),
      patchPool: counted('modelarts', (...args: Parameters<ModelArtsClient['patchPool']>) => {
        reportedAtPatch.push(records.length);
        return client.patchPool(...args);
      }),
    });
    const deps: CycleDeps = {
      clients,
      store: watchedStore,
      now: Date.now,
      owner: 'test',
      log: (record) => records.push(record),
    };
    return { deps, calls, most: counting.most, records, reportedAtPatch };
  }

  it('reads every history with one loadMany, and one pool alone only under its lease', async () => {
    const { deps, calls } = watched();
    const result = await runCycle(config(), deps);

    expect(result.outcomes.filter((o) => o.status === 'patched')).toHaveLength(SCALE_UPS);
    expect(calls.loadMany).toBe(1);
    expect(calls.load).toBe(POOLS / CHANGE_EVERY);
  });

  it('saves unchanged pools at the state concurrency, beside ModelArts requests kept to config.concurrency', async () => {
    const { deps, most } = watched();
    const result = await runCycle(config(), deps);

    expect(result.outcomes.filter((o) => o.status === 'unchanged')).toHaveLength(
      POOLS - POOLS / CHANGE_EVERY,
    );
    expect(most.modelarts).toBeLessThanOrEqual(CONCURRENCY);
    // 54 unchanged pools' saves: far more than 2 at once, up to the state concurrency.
    expect(most.save).toBeGreaterThan(CONCURRENCY + 2);
    expect(most.save).toBeLessThanOrEqual(STATE_WRITE_CONCURRENCY + CONCURRENCY);
  });

  it('reports the decisions in the order the pools were read, while the last PATCHes are still to come', async () => {
    const { deps, records, reportedAtPatch } = watched();
    const result = await runCycle(config(), deps);

    const read = result.plan.pools.map((p) => p.pool);
    expect(records.map((r) => r.pool)).toEqual(read);
    expect(records.filter((r) => r.outcome === 'patched')).toHaveLength(SCALE_UPS);
    // The last PATCH (pool 40, the last scale-up) goes out after the pools well before it were reported, each
    // pool once it and those before it settled; reporting only at the end would show 0 here.
    const lastScaleUp = KINDS.lastIndexOf('scale-up');
    expect(reportedAtPatch.at(-1)).toBeGreaterThan(lastScaleUp / 2);
  });

  it('keeps a scale-in, which reads and drains nodes, to config.concurrency as well', async () => {
    const { deps, most, calls } = watched();
    // A backlog of 2: the pools at 4 and 6 nodes want fewer, by name (the ones at 2 nodes stay).
    const result = await runCycle(config(2), deps);

    const drained = result.plan.pools.filter((p) => p.scaleIn !== undefined);
    expect(drained.length).toBe(POOLS - SCALE_UPS);
    expect(calls.modelarts).toBeGreaterThan(drained.length * 3);
    expect(most.modelarts).toBeLessThanOrEqual(CONCURRENCY);
  });
});

// ARCHITECTURE.md invariant 12, as a property: whatever an operator or another invocation does between the
// list and the write (freeze the pool, stop it, resize it, let the lease expire and take it), every PATCH is
// planned on a GET made under the pool's lease, after which the pool was writable, and starts only after a
// fence that proved the lease still held.

import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../emulator/server';
import { type CycleDeps, LEASE_TTL_MS, runCycle } from '../../lib/cycle';
import type { Pool } from '../../lib/modelarts/schemas';
import { createMemoryStateStore } from '../../lib/state/memory';
import type { StateStore } from '../../lib/state/store';
import { fleet, fleetConfig, GPU, staticPoolEntry } from './fleet';
import { sentinelClients } from './invocations';
import { sentinelEmulatorAuth } from './sentinels';

const T0 = Date.UTC(2026, 0, 7, 9, 0, 0);
const { pools, members } = fleet(3);
const POOL = (members[2] as (typeof members)[number]).name;
const BLOCKING = 2 | 4 | 8 | 16;

type Disturbance =
  | { kind: 'control-mode'; mode: number }
  | { kind: 'phase'; phase: string }
  | { kind: 'resize'; count: number }
  | { kind: 'lease-taken' }
  | { kind: 'none' };

const disturbance: fc.Arbitrary<Disturbance> = fc.oneof(
  fc.record({ kind: fc.constant('control-mode' as const), mode: fc.constantFrom(0, 1, 2, 4, 8, 16, 9) }),
  fc.record({
    kind: fc.constant('phase' as const),
    phase: fc.constantFrom('Running', 'Creating', 'Abnormal'),
  }),
  fc.record({ kind: fc.constant('resize' as const), count: fc.integer({ min: 1, max: 12 }) }),
  fc.constant({ kind: 'lease-taken' as const }),
  fc.constant({ kind: 'none' as const }),
);

/** Where the disturbance strikes: after the list, after the lease is taken, or after the GET under it. */
const moment = fc.constantFrom('after-list', 'after-lease', 'after-get');

type Event =
  | { kind: 'get'; pool: Pool; leased: boolean }
  | { kind: 'fence'; ok: boolean }
  | { kind: 'acquire'; ok: boolean }
  | { kind: 'release' }
  | { kind: 'patch' };

let emulator: Emulator | undefined;
let clock: number;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

describe('every write is planned on a GET under the lease, and fenced', () => {
  it('holds under any disturbance between the list and the write', async () => {
    let patches = 0;
    await fc.assert(
      fc.asyncProperty(disturbance, moment, fc.integer({ min: 0, max: 40 }), async (what, when, backlog) => {
        clock = T0;
        await emulator?.close();
        emulator = await startEmulator({
          pools,
          auth: sentinelEmulatorAuth(),
          now: () => clock,
          transitionMs: 300_000,
        });
        const config = fleetConfig({
          endpoint: emulator.url,
          projectId: emulator.projectId,
          pools: staticPoolEntry(POOL, { [GPU]: backlog }),
        });
        const key = `${emulator.projectId}/${POOL}`;
        const store = createMemoryStateStore();
        const clients = sentinelClients(config, () => clock);
        const events: Event[] = [];
        let leased = false;
        let struck = false;
        const emu = emulator;
        const strike = async (at: string) => {
          if (struck || at !== when) return;
          struck = true;
          if (what.kind === 'control-mode') emu.setControlMode(POOL, what.mode);
          if (what.kind === 'phase') emu.setPhase(POOL, what.phase);
          if (what.kind === 'resize')
            await clients('emu').patchPool(POOL, {
              spec: { resources: [{ flavor: GPU, count: what.count }] },
            });
          if (what.kind === 'lease-taken') {
            clock += LEASE_TTL_MS + 1;
            await store.acquireLease(key, 'another-invocation', LEASE_TTL_MS, clock);
          }
        };
        const watched: StateStore = {
          ...store,
          // The cycle's first history read, right after its LIST: every history at once.
          loadMany: async (keys) => {
            await strike('after-list');
            return store.loadMany(keys);
          },
          acquireLease: async (...args) => {
            const lease = await store.acquireLease(...args);
            events.push({ kind: 'acquire', ok: lease !== undefined });
            leased = lease !== undefined;
            if (leased) await strike('after-lease');
            return lease;
          },
          fenceLease: async (...args) => {
            const lease = await store.fenceLease(...args);
            events.push({ kind: 'fence', ok: lease !== undefined });
            return lease;
          },
          releaseLease: async (...args) => {
            events.push({ kind: 'release' });
            leased = false;
            return store.releaseLease(...args);
          },
        };
        const deps: CycleDeps = {
          clients: (name) => {
            const client = clients(name);
            return {
              ...client,
              getPool: async (pool, options) => {
                const answer = await client.getPool(pool, options);
                events.push({ kind: 'get', pool: answer, leased });
                if (leased) await strike('after-get');
                return answer;
              },
              patchPool: async (pool, body, options) => {
                events.push({ kind: 'patch' });
                return client.patchPool(pool, body, options);
              },
            };
          },
          store: watched,
          now: () => clock,
          owner: 'cron',
        };
        await runCycle(config, deps);

        events.forEach((event, index) => {
          if (event.kind !== 'patch') return;
          patches += 1;
          const before = events.slice(0, index);
          const lastGet = before.findLast((e) => e.kind === 'get');
          const lastAcquire = before.findLastIndex((e) => e.kind === 'acquire' && e.ok);
          expect(lastGet).toMatchObject({ kind: 'get', leased: true });
          const answer = (lastGet as { pool: Pool }).pool;
          expect((answer.spec.controlMode ?? 0) & BLOCKING).toBe(0);
          expect(answer.status?.phase).toBe('Running');
          expect(lastAcquire).toBeGreaterThanOrEqual(0);
          expect(before.slice(lastAcquire).some((e) => e.kind === 'release')).toBe(false);
          expect(before.at(-1)).toEqual({ kind: 'fence', ok: true });
        });
        if (what.kind === 'lease-taken' && when !== 'after-list')
          expect(events.filter((event) => event.kind === 'patch')).toEqual([]);
      }),
      { numRuns: 80, seed: 0x1e45e },
    );
    // Not vacuous: many runs did write.
    expect(patches).toBeGreaterThan(20);
  });
});

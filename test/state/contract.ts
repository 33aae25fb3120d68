import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HistoryConflictError } from '../../lib/state/errors';
import { emptyHistory, type LeaseToken, type PoolHistory, type StateStore } from '../../lib/state/store';

// The behaviour every StateStore must have. `open` returns another handle on the same storage: the same object
// for memory, a new store on the same file or table otherwise (as a second process or Lambda would have).

export interface StateStoreHarness {
  open(): StateStore;
  /** fast-check runs for the property tests; fewer for slower backends. */
  runs: number;
}

const T0 = 1_700_000_000_000;

/** Whether an acquire returned a lease. */
const took = async (lease: Promise<LeaseToken | undefined>) => (await lease) !== undefined;

const historyArbitrary: fc.Arbitrary<PoolHistory> = fc.record(
  {
    flavors: fc.dictionary(
      // A JSON object's "__proto__" key does not survive every parser; no flavor is called that.
      fc.string({ minLength: 1, maxLength: 40 }).filter((flavor) => flavor !== '__proto__'),
      fc.record({
        recommendations: fc.array(
          fc.record({ at: fc.integer({ min: 0, max: 2 ** 45 }), count: fc.nat(1000) }),
          {
            maxLength: 12,
          },
        ),
        events: fc.array(
          fc.record({ at: fc.integer({ min: 0, max: 2 ** 45 }), from: fc.nat(1000), to: fc.nat(1000) }),
          { maxLength: 6 },
        ),
      }),
      { maxKeys: 5 },
    ),
    lastPatchAt: fc.option(fc.integer({ min: 0, max: 2 ** 45 }), { nil: undefined }),
  },
  { requiredKeys: ['flavors'] },
);

const sampleHistory = (): PoolHistory => ({
  flavors: {
    'modelarts.vm.gpu.8ant': {
      recommendations: [
        { at: T0, count: 2 },
        { at: T0 + 60_000, count: 3 },
      ],
      events: [{ at: T0 + 60_000, from: 2, to: 3 }],
    },
    'modelarts.vm.cpu.8u': { recommendations: [], events: [] },
  },
  lastPatchAt: T0 + 60_000,
});

type LeaseOp =
  | { kind: 'acquire'; pool: number; owner: number; ttlMs: number; advanceMs: number }
  | { kind: 'release'; pool: number; owner: number; advanceMs: number };

const leaseOpArbitrary: fc.Arbitrary<LeaseOp> = fc.oneof(
  fc.record({
    kind: fc.constant('acquire' as const),
    pool: fc.nat(1),
    owner: fc.nat(2),
    ttlMs: fc.integer({ min: 1, max: 5_000 }),
    advanceMs: fc.nat(4_000),
  }),
  fc.record({
    kind: fc.constant('release' as const),
    pool: fc.nat(1),
    owner: fc.nat(2),
    advanceMs: fc.nat(4_000),
  }),
);

export function describeStateStoreContract(name: string, harness: () => StateStoreHarness): void {
  describe(`${name} (StateStore contract)`, () => {
    let poolSeq = 0;
    // Every test gets pool keys of its own, so the storage can be shared across tests.
    const freshPool = () => `pool-${name}-${++poolSeq}-${Math.random().toString(36).slice(2, 8)}`;

    describe('history', () => {
      it('returns an empty history for a pool never saved', async () => {
        expect((await harness().open().load(freshPool())).history).toEqual(emptyHistory());
      });

      it('loads several histories at once as load reads each, empty for a pool never saved', async () => {
        const [saved, patched, never] = [freshPool(), freshPool(), freshPool()];
        const { open } = harness();
        await open().save(saved, { flavors: sampleHistory().flavors });
        await open().save(patched, sampleHistory());
        await open().save(patched, sampleHistory(), 1);

        const loaded = await open().loadMany([saved, patched, never, saved]);
        expect([...loaded.keys()].sort()).toEqual([never, patched, saved].sort());
        for (const pool of [saved, patched, never]) expect(loaded.get(pool)).toEqual(await open().load(pool));
        expect(loaded.get(patched)).toEqual({ history: sampleHistory(), revision: 2 });
        expect(loaded.get(never)).toEqual({ history: emptyHistory(), revision: 0 });
        expect((await open().loadMany([])).size).toBe(0);
      });

      it('returns what was saved, through another handle too', async () => {
        const pool = freshPool();
        const { open } = harness();
        await open().save(pool, sampleHistory());
        expect((await open().load(pool)).history).toEqual(sampleHistory());
      });

      it('replaces the flavors on each save and keeps pools apart', async () => {
        const [a, b] = [freshPool(), freshPool()];
        const store = harness().open();
        await store.save(a, sampleHistory());
        await store.save(b, sampleHistory());
        await store.save(a, emptyHistory());
        expect((await store.load(a)).history).toEqual({
          flavors: {},
          lastPatchAt: sampleHistory().lastPatchAt,
        });
        expect((await store.load(b)).history).toEqual(sampleHistory());
      });

      it('moves lastPatchAt forward only: a stale or patch-less save cannot erase a newer PATCH record', async () => {
        const pool = freshPool();
        const store = harness().open();
        await store.save(pool, { flavors: {}, lastPatchAt: T0 + 120_000 });
        await store.save(pool, { ...sampleHistory(), lastPatchAt: T0 + 60_000 });
        expect((await store.load(pool)).history).toEqual({ ...sampleHistory(), lastPatchAt: T0 + 120_000 });
        await store.save(pool, { flavors: {} });
        expect((await store.load(pool)).history.lastPatchAt).toBe(T0 + 120_000);
        await store.save(pool, { flavors: {}, lastPatchAt: T0 + 180_000 });
        expect((await store.load(pool)).history.lastPatchAt).toBe(T0 + 180_000);
      });

      it('is not changed by mutating a loaded or saved object', async () => {
        const pool = freshPool();
        const store = harness().open();
        const saved = sampleHistory();
        await store.save(pool, saved);
        saved.flavors['modelarts.vm.cpu.8u']?.recommendations.push({ at: T0, count: 99 });
        const loaded = (await store.load(pool)).history;
        delete loaded.flavors['modelarts.vm.gpu.8ant'];
        expect((await store.load(pool)).history).toEqual(sampleHistory());
      });

      it("round-trips the scale-in memory, and a save keeps the saver's node memory", async () => {
        const pool = freshPool();
        const { open } = harness();
        const withMemory: PoolHistory = {
          ...sampleHistory(),
          scaleIn: {
            nodes: {
              'node-a': { flavor: 'modelarts.vm.cpu.8u', idleSince: T0, drainedAt: T0 + 60_000 },
              'node-b': { flavor: 'modelarts.vm.cpu.8u', idleSince: T0, pickedAt: T0 + 1 },
            },
            stopped: {
              at: T0,
              flavor: 'modelarts.vm.cpu.8u',
              nodes: ['node-c'],
              countBefore: 3,
              countAfter: 3,
            },
            drainUnavailableSince: T0,
          },
        };
        await open().save(pool, withMemory);
        expect((await open().load(pool)).history).toEqual(withMemory);
        const saver = { ...withMemory, scaleIn: { nodes: { 'node-b': { flavor: 'modelarts.vm.cpu.8u' } } } };
        await open().save(pool, saver);
        expect((await open().load(pool)).history.scaleIn).toEqual(saver.scaleIn);
      });

      it('round-trips any history', async () => {
        const { open, runs } = harness();
        const store = open();
        await fc.assert(
          fc.asyncProperty(historyArbitrary, async (history) => {
            const pool = freshPool();
            await store.save(pool, history);
            expect((await store.load(pool)).history).toEqual(history);
          }),
          { numRuns: runs },
        );
      });
    });

    describe('lease', () => {
      it('is granted when free and refused to another owner while held', async () => {
        const pool = freshPool();
        const store = harness().open();
        expect(await took(store.acquireLease(pool, 'a', 10_000, T0))).toBe(true);
        expect(await took(store.acquireLease(pool, 'b', 10_000, T0 + 5_000))).toBe(false);
      });

      it('is re-entrant for its owner, which extends it', async () => {
        const pool = freshPool();
        const store = harness().open();
        expect(await took(store.acquireLease(pool, 'a', 10_000, T0))).toBe(true);
        expect(await took(store.acquireLease(pool, 'a', 10_000, T0 + 8_000))).toBe(true);
        // Past the first expiry, but within the extension.
        expect(await took(store.acquireLease(pool, 'b', 10_000, T0 + 15_000))).toBe(false);
      });

      it('is held up to its expiry and free to anyone after it', async () => {
        const pool = freshPool();
        const store = harness().open();
        expect(await took(store.acquireLease(pool, 'a', 10_000, T0))).toBe(true);
        expect(await took(store.acquireLease(pool, 'b', 10_000, T0 + 10_000))).toBe(false);
        expect(await took(store.acquireLease(pool, 'b', 10_000, T0 + 10_001))).toBe(true);
        expect(await took(store.acquireLease(pool, 'a', 10_000, T0 + 10_002))).toBe(false);
      });

      it('is released only by its owner', async () => {
        const pool = freshPool();
        const store = harness().open();
        expect(await took(store.acquireLease(pool, 'a', 60_000, T0))).toBe(true);
        await store.releaseLease(pool, 'b');
        expect(await took(store.acquireLease(pool, 'b', 60_000, T0 + 1))).toBe(false);
        await store.releaseLease(pool, 'a');
        expect(await took(store.acquireLease(pool, 'b', 60_000, T0 + 2))).toBe(true);
      });

      it('treats releasing a lease nobody holds as a no-op', async () => {
        const pool = freshPool();
        const store = harness().open();
        await expect(store.releaseLease(pool, 'a')).resolves.toBeUndefined();
        expect(await took(store.acquireLease(pool, 'a', 1_000, T0))).toBe(true);
      });

      it('is per pool and independent of the history', async () => {
        const [a, b] = [freshPool(), freshPool()];
        const store = harness().open();
        expect(await took(store.acquireLease(a, 'x', 60_000, T0))).toBe(true);
        expect(await took(store.acquireLease(b, 'y', 60_000, T0))).toBe(true);
        await store.save(a, sampleHistory());
        expect(await took(store.acquireLease(a, 'y', 60_000, T0 + 1))).toBe(false);
        await store.releaseLease(a, 'x');
        expect((await store.load(a)).history).toEqual(sampleHistory());
      });

      it('refuses an empty owner or a non-positive ttl', async () => {
        const store = harness().open();
        await expect(store.acquireLease(freshPool(), '', 1_000, T0)).rejects.toThrow(/owner/);
        await expect(store.acquireLease(freshPool(), 'a', 0, T0)).rejects.toThrow(/ttlMs/);
      });

      it.each([2, 20])('goes to exactly one of %i owners racing for it', async (racers) => {
        const pool = freshPool();
        const { open } = harness();
        const results = await Promise.all(
          Array.from({ length: racers }, (_, i) => open().acquireLease(pool, `owner-${i}`, 30_000, T0)),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
        const winner = results.findIndex((lease) => lease !== undefined);
        // The winner really holds it: everyone else is still refused, the winner re-enters.
        expect(await took(open().acquireLease(pool, `owner-${(winner + 1) % racers}`, 30_000, T0 + 1))).toBe(
          false,
        );
        expect(await took(open().acquireLease(pool, `owner-${winner}`, 30_000, T0 + 1))).toBe(true);
      });

      it('behaves like the reference model over any sequence of acquires and releases', async () => {
        const { open, runs } = harness();
        await fc.assert(
          fc.asyncProperty(fc.array(leaseOpArbitrary, { minLength: 1, maxLength: 25 }), async (ops) => {
            const store = open();
            const pools = [freshPool(), freshPool()];
            const model = new Map<string, { owner: string; expiresAt: number }>();
            let now = T0;
            for (const op of ops) {
              now += op.advanceMs;
              const pool = pools[op.pool] as string;
              const owner = `owner-${op.owner}`;
              const held = model.get(pool);
              if (op.kind === 'release') {
                if (held?.owner === owner) model.delete(pool);
                await store.releaseLease(pool, owner);
                continue;
              }
              const expected = !held || held.expiresAt < now || held.owner === owner;
              if (expected) model.set(pool, { owner, expiresAt: now + op.ttlMs });
              expect(await took(store.acquireLease(pool, owner, op.ttlMs, now))).toBe(expected);
            }
          }),
          { numRuns: runs },
        );
      });
    });

    describe('revisions, formats and reset', () => {
      it('counts saves and refuses a save on a revision another writer moved past', async () => {
        const pool = freshPool();
        const { open } = harness();
        expect((await open().load(pool)).revision).toBe(0);
        expect(await open().save(pool, sampleHistory(), 0)).toBe(1);
        const loaded = await open().load(pool);
        expect(loaded.revision).toBe(1);
        expect(await open().save(pool, emptyHistory(), 1)).toBe(2);
        await expect(open().save(pool, sampleHistory(), 1)).rejects.toBeInstanceOf(HistoryConflictError);
        await expect(open().save(pool, sampleHistory(), 0)).rejects.toBeInstanceOf(HistoryConflictError);
        expect((await open().load(pool)).history).toEqual({ flavors: {}, lastPatchAt: T0 + 60_000 });
      });

      it('lets exactly one of two savers on the same revision win', async () => {
        const pool = freshPool();
        const { open } = harness();
        const results = await Promise.allSettled([
          open().save(pool, sampleHistory(), 0),
          open().save(pool, emptyHistory(), 0),
        ]);
        expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
      });

      it('reset removes the history, and the next save starts again from revision 0', async () => {
        const pool = freshPool();
        const store = harness().open();
        await store.save(pool, sampleHistory(), 0);
        await store.reset(pool);
        expect(await store.load(pool)).toEqual({ history: emptyHistory(), revision: 0 });
        expect(await store.save(pool, sampleHistory(), 0)).toBe(1);
        await expect(store.reset(freshPool())).resolves.toBeUndefined();
      });
    });

    describe('fencing', () => {
      it('passes while the lease is held and extends it', async () => {
        const pool = freshPool();
        const store = harness().open();
        const lease = (await store.acquireLease(pool, 'a', 10_000, T0)) as LeaseToken;
        const fenced = await store.fenceLease(pool, lease, 10_000, T0 + 9_000);
        expect(fenced).toMatchObject({ owner: 'a', version: lease.version, expiresAt: T0 + 19_000 });
        expect(await took(store.acquireLease(pool, 'b', 10_000, T0 + 15_000))).toBe(false);
      });

      it('fails once the lease expired, even if nobody took it', async () => {
        const pool = freshPool();
        const store = harness().open();
        const lease = (await store.acquireLease(pool, 'a', 10_000, T0)) as LeaseToken;
        expect(await store.fenceLease(pool, lease, 10_000, T0 + 10_001)).toBeUndefined();
      });

      it('fails for a holder whose lease was taken over, and for an older version of the same owner', async () => {
        const pool = freshPool();
        const { open } = harness();
        const first = (await open().acquireLease(pool, 'a', 10_000, T0)) as LeaseToken;
        const second = (await open().acquireLease(pool, 'b', 10_000, T0 + 10_001)) as LeaseToken;
        expect(second.version).toBeGreaterThan(first.version);
        expect(await open().fenceLease(pool, first, 10_000, T0 + 10_002)).toBeUndefined();
        await open().releaseLease(pool, 'b');
        const again = (await open().acquireLease(pool, 'a', 10_000, T0 + 10_003)) as LeaseToken;
        expect(again.version).toBeGreaterThan(second.version);
        expect(await open().fenceLease(pool, first, 10_000, T0 + 10_004)).toBeUndefined();
        expect(await open().fenceLease(pool, again, 10_000, T0 + 10_004)).toBeDefined();
      });

      it('fails after a release', async () => {
        const pool = freshPool();
        const store = harness().open();
        const lease = (await store.acquireLease(pool, 'a', 10_000, T0)) as LeaseToken;
        await store.releaseLease(pool, 'a');
        expect(await store.fenceLease(pool, lease, 10_000, T0 + 1)).toBeUndefined();
      });
    });

    describe('shared items', () => {
      const stock = { 'modelarts.vm.gpu.8ant': { 'az-1': 'normal', 'az-2': 'soldout' } };

      it('returns nothing for a key never saved, and what was saved with its time, through another handle', async () => {
        const key = `stock#${freshPool()}`;
        const { open } = harness();
        expect(await open().loadShared(key)).toBeUndefined();
        await open().saveShared(key, stock, T0);
        expect(await open().loadShared(key)).toEqual({ value: stock, at: T0 });
      });

      it('keeps the last save, apart from the histories and leases of pools', async () => {
        const key = freshPool();
        const store = harness().open();
        await store.saveShared(key, { old: true }, T0);
        await store.saveShared(key, stock, T0 + 1_000);
        await store.save(key, sampleHistory());
        expect(await store.loadShared(key)).toEqual({ value: stock, at: T0 + 1_000 });
        expect((await store.load(key)).history).toEqual(sampleHistory());
        expect(await store.loadShared(`${key}-other`)).toBeUndefined();
      });
    });
  });
}

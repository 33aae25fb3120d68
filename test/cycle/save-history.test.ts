import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mergeConcurrentHistories, saveHistory } from '../../lib/cycle/save-history';
import { createMemoryStateStore } from '../../lib/state/memory';
import type { PoolHistory } from '../../lib/state/store';

const entry = fc.record({ at: fc.integer({ min: 0, max: 1_000 }), count: fc.nat(20) });
const event = fc.record({ at: fc.integer({ min: 0, max: 1_000 }), from: fc.nat(20), to: fc.nat(20) });
const history: fc.Arbitrary<PoolHistory> = fc.record(
  {
    flavors: fc.dictionary(
      fc.constantFrom('a', 'b', 'c'),
      fc.record({
        recommendations: fc.array(entry, { maxLength: 5 }),
        events: fc.array(event, { maxLength: 3 }),
      }),
    ),
    lastPatchAt: fc.option(fc.nat(1_000), { nil: undefined }),
  },
  { requiredKeys: ['flavors'] },
);

describe('histories saved by two invocations at once', () => {
  it('merge to every entry of both, once each, oldest first, with the later lastPatchAt', () => {
    fc.assert(
      fc.property(history, history, (stored, mine) => {
        const merged = mergeConcurrentHistories(stored, mine);
        for (const source of [stored, mine])
          for (const [flavor, own] of Object.entries(source.flavors)) {
            expect(merged.flavors[flavor]?.recommendations).toEqual(
              expect.arrayContaining(own.recommendations),
            );
            expect(merged.flavors[flavor]?.events).toEqual(expect.arrayContaining(own.events));
          }
        for (const flavor of Object.values(merged.flavors)) {
          const ats = flavor.recommendations.map((r) => r.at);
          expect(ats).toEqual([...ats].sort((a, b) => a - b));
          expect(new Set(flavor.events.map((e) => JSON.stringify(e))).size).toBe(flavor.events.length);
        }
        const latest = Math.max(stored.lastPatchAt ?? -1, mine.lastPatchAt ?? -1);
        expect(merged.lastPatchAt).toBe(latest < 0 ? undefined : latest);
      }),
    );
  });

  it('are saved with both sets of events when one saved in between', async () => {
    const store = createMemoryStateStore();
    const theirs = { flavors: { a: { recommendations: [], events: [{ at: 1, from: 2, to: 4 }] } } };
    const mine = { flavors: { a: { recommendations: [{ at: 2, count: 4 }], events: [] } } };
    await store.save('p', theirs, 0);
    await saveHistory(store, 'p', mine, 0);

    expect((await store.load('p')).history).toEqual({
      flavors: { a: { recommendations: [{ at: 2, count: 4 }], events: [{ at: 1, from: 2, to: 4 }] } },
    });
  });
});

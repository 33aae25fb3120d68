import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Delays } from '../../lib/simulate';
import {
  chainSeconds,
  clairvoyantBound,
  leastCover,
  maxWeightMatching,
  type Slot,
} from '../../lib/simulate/bound';

/** The least cost over every cover of the slots by chains, by enumerating every successor choice. */
function bruteForce(slots: readonly Slot[], delays: Delays, end: number): number {
  const successor: number[] = slots.map(() => -1);
  const taken = new Set<number>();
  let best = Number.POSITIVE_INFINITY;
  const total = () => {
    const hasPredecessor = new Set(successor.filter((j) => j >= 0));
    let seconds = 0;
    slots.forEach((_, head) => {
      if (hasPredecessor.has(head)) return;
      const chain: Slot[] = [];
      for (let at = head; at >= 0; at = successor[at] as number) chain.push(slots[at] as Slot);
      seconds += chainSeconds(chain, delays, end);
    });
    return seconds;
  };
  const choose = (i: number): void => {
    if (i === slots.length) {
      best = Math.min(best, total());
      return;
    }
    choose(i + 1);
    const from = slots[i] as Slot;
    slots.forEach((to, j) => {
      if (j === i || taken.has(j) || to.group !== from.group || from.end > to.start) return;
      successor[i] = j;
      taken.add(j);
      choose(i + 1);
      taken.delete(j);
      successor[i] = -1;
    });
  };
  choose(0);
  return best;
}

const slotArbitrary = fc
  .record({
    start: fc.integer({ min: 0, max: 2000 }),
    run: fc.integer({ min: 1, max: 600 }),
    az: fc.constantFrom('a', 'b'),
  })
  .map(({ start, run, az }): Slot => ({ start, end: start + run, group: az }));

describe('the clairvoyant bound', () => {
  it('is the least cost over every chain cover, on small random traces (brute force)', () => {
    fc.assert(
      fc.property(
        fc.array(slotArbitrary, { minLength: 1, maxLength: 7 }),
        fc.integer({ min: 0, max: 400 }),
        fc.integer({ min: 0, max: 200 }),
        fc.integer({ min: 1500, max: 3000 }),
        (slots, provisioningSeconds, deletionSeconds, end) => {
          const delays = { provisioningSeconds, deletionSeconds };
          expect(leastCover(slots, delays, end).seconds).toBe(bruteForce(slots, delays, end));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keeps a node through a gap only when that is cheaper than deleting and creating another', () => {
    const delays = { provisioningSeconds: 300, deletionSeconds: 60 };
    const at = (start: number, end: number): Slot => ({ start, end, group: 'gpu' });
    // A gap of 200 s < 360 s: one node, billed from 700 to 3060.
    expect(leastCover([at(1000, 2000), at(2200, 3000)], delays, 10_000)).toEqual({
      seconds: 3060 - 700,
      nodes: 1,
      largestGroup: 2,
    });
    // A gap of 400 s > 360 s: two nodes, 700..2060 and 2100..3060.
    expect(leastCover([at(1000, 2000), at(2400, 3000)], delays, 10_000).seconds).toBe(1360 + 960);
    // The window clips: nothing billed before 0 or after the end.
    expect(leastCover([at(100, 500)], delays, 520).seconds).toBe(520);
  });

  it('bills every node of a multi-node job, from the jobs of a trace', () => {
    const bound = clairvoyantBound({
      jobs: [
        { id: 'a', arrival: 600, flavor: 'gpu', nodes: 2, runTime: 600 },
        { id: 'b', arrival: 1200, flavor: 'gpu', nodes: 1, runTime: 600 },
        { id: 'late', arrival: 5000, flavor: 'gpu', nodes: 1, runTime: 600 },
      ],
      delays: { provisioningSeconds: 300, deletionSeconds: 60 },
      durationSeconds: 3600,
    });
    // One node 300..1860 runs a then b; the other 300..1260 runs a only; `late` arrives after the end.
    expect(bound).toEqual({ nodeHours: (1560 + 960) / 3600, slots: 3, nodes: 2, largestGroup: 3 });
  });

  it('matches the heaviest assignment on a hand-checked matrix', () => {
    // Rows 0,1 x columns 0,1: 5+5 beats 8+0.
    expect([...maxWeightMatching(Float64Array.from([8, 5, 5, 0]), 2)]).toEqual([1, 0]);
    expect([...maxWeightMatching(Float64Array.from([0, 0, 0, 0]), 2)]).toEqual([-1, -1]);
  });
});

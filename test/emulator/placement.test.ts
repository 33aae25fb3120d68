import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { placedResources, placeResize } from '../../emulator/placement';
import { DEFAULT_AZ, emptyNodePool, orderNodes } from '../../lib/nodes';

// Where the emulator puts a resize's nodes when some AZs are sold out (issue #15).

const AZS = ['az-a', 'az-b', 'az-c'];

const poolWith = (tally: Record<string, number>) =>
  orderNodes(
    emptyNodePool('pool'),
    Object.entries(tally).flatMap(([az, count]) =>
      Array.from({ length: count }, () => ({
        flavor: 'f',
        az,
        phase: 'Available' as const,
        billing: 'pay-per-use' as const,
        createdAt: 0,
      })),
    ),
  ).nodes;

describe('placeResize for a flavor without azs', () => {
  it('reaches the count, grows no sold-out AZ, and is blocked only when all its AZs are sold out', () => {
    fc.assert(
      fc.property(
        fc.record({ 'az-a': fc.nat(4), 'az-b': fc.nat(4), 'az-c': fc.nat(4) }),
        fc.integer({ min: 1, max: 16 }),
        fc.subarray(AZS),
        (tally, count, soldOutAzs) => {
          const [placement] = placeResize(poolWith(tally), [{ flavor: 'f', count }], (_, az) =>
            soldOutAzs.includes(az),
          );
          if (!placement) throw new Error('one placement per flavor');
          const [placed] = placedResources([placement]);
          expect(placed?.count).toBe(count);
          const used = AZS.filter((az) => tally[az as keyof typeof tally] > 0);
          // A pool without nodes places in the emulator's default AZ, which no flavor here names.
          const candidates = used.length > 0 ? used : [DEFAULT_AZ];
          const now = Object.values(tally).reduce((a, b) => a + b, 0);
          const allSoldOut = candidates.every((az) => soldOutAzs.includes(az));
          expect(placement.blocked.length > 0).toBe(count > now && allSoldOut);
          if (placement.blocked.length > 0) return;
          for (const az of soldOutAzs)
            expect(placement.targets[az] ?? 0).toBeLessThanOrEqual(tally[az as keyof typeof tally] ?? 0);
        },
      ),
    );
  });
});

describe('placeResize for a flavor with azs', () => {
  it('places exactly the azs given and blocks on each sold-out AZ it grows', () => {
    const [placement] = placeResize(
      poolWith({ 'az-a': 1, 'az-b': 1 }),
      [
        {
          flavor: 'f',
          count: 5,
          azs: [
            { az: 'az-a', count: 1 },
            { az: 'az-b', count: 2 },
            { az: 'az-c', count: 2 },
          ],
        },
      ],
      (_, az) => az !== 'az-b',
    );
    expect(placement).toEqual({
      flavor: 'f',
      targets: { 'az-a': 1, 'az-b': 2, 'az-c': 2 },
      blocked: ['az-c'],
      anyAz: false,
    });
  });
});

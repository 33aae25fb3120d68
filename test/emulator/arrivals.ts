// What happens on the platform between two steps of a scale-in, shared by the scale-in property tests.

import fc from 'fast-check';

export type Arrival = { start: true; pick: number; width: 1 | 2 } | { start: false; pick: number };

export const arrival: fc.Arbitrary<Arrival> = fc.oneof(
  fc.record({
    start: fc.constant(true as const),
    pick: fc.nat(50),
    width: fc.constantFrom(1 as const, 2 as const),
  }),
  fc.record({ start: fc.constant(false as const), pick: fc.nat(50) }),
);
/** At least one arrival between every pair of steps: four gaps per round. */
export const gap = fc.array(arrival, { minLength: 1, maxLength: 3 });

// spec.controlMode: the restrictions ModelArts has put on a pool, as a bit mask (get-pool.txt, related-apis.md §8).
// The one list of its bits: the planner's guard, the emulator's refusals and the pool schema all read it.

export interface ControlModeBit {
  bit: number;
  /** Kebab-case, as decision reasons name it. */
  name: string;
  /** What the API documentation says it restricts. */
  meaning: string;
  /** The updates ModelArts refuses while it is set: none, those that change `spec` (a resize does), or all. */
  refuses: 'nothing' | 'spec' | 'every-update';
}

export const CONTROL_MODE_BITS: readonly ControlModeBit[] = [
  {
    bit: 1,
    name: 'billing-change-restricted',
    meaning: 'changing the billing mode is restricted',
    refuses: 'nothing',
  },
  {
    bit: 2,
    name: 'spec-change-restricted',
    meaning: 'modifying specifications is restricted',
    refuses: 'spec',
  },
  { bit: 4, name: 'service-restricted', meaning: 'the service is restricted', refuses: 'every-update' },
  { bit: 8, name: 'frozen', meaning: 'the pool is frozen', refuses: 'every-update' },
  {
    bit: 16,
    name: 'frozen-by-authorities',
    meaning: 'the pool is frozen by the public security department',
    refuses: 'every-update',
  },
];

const maskOf = (select: (bit: ControlModeBit) => boolean): number =>
  CONTROL_MODE_BITS.filter(select).reduce((mask, { bit }) => mask | bit, 0);

/** Every bit the list above names. */
export const KNOWN_CONTROL_MODE_BITS = maskOf(() => true);
/** The bits that stop an update changing `spec`, such as a resize. */
export const SPEC_UPDATE_BLOCKING_BITS = maskOf(({ refuses }) => refuses !== 'nothing');
/** The bits that stop any update. */
export const EVERY_UPDATE_BLOCKING_BITS = maskOf(({ refuses }) => refuses === 'every-update');

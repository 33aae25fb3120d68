import { describe, expect, it } from 'vitest';
import { CONTROL_MODE_BITS, KNOWN_CONTROL_MODE_BITS } from '../../lib/modelarts/control-mode';
import { refuseUpdate } from '../../lib/modelarts/update-rules';
import { controlModeGuard } from '../../lib/scaling/guards';
import { running } from '../scaling/builders';

const resize = { spec: { resources: [{ flavor: 'gpu', count: 3 }] } };

describe('controlMode', () => {
  it('the planner skips a pool for exactly the known bits ModelArts refuses a resize for', () => {
    for (let mode = 0; mode <= KNOWN_CONTROL_MODE_BITS; mode++) {
      const pool = running([{ flavor: 'gpu', count: 2 }], { controlMode: mode });
      const refused = refuseUpdate(pool, resize) !== undefined;
      expect(controlModeGuard(mode) !== undefined, `controlMode ${mode}`).toBe(refused);
    }
  });

  it('names each bit once, lowest first, each a power of two', () => {
    const bits = CONTROL_MODE_BITS.map(({ bit }) => bit);
    expect(bits).toEqual([1, 2, 4, 8, 16]);
    expect(new Set(CONTROL_MODE_BITS.map(({ name }) => name)).size).toBe(bits.length);
  });
});

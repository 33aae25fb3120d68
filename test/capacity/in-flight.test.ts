import { describe, expect, it } from 'vitest';
import { orderWaits } from '../../lib/capacity/in-flight';

const NOW = 1_700_000_000_000;
const [GPU, CPU] = ['modelarts.vm.gpu.a100', 'modelarts.vm.cpu.8u'];
const fifteenMinutes = () => 900;
const order = (secondsAgo: number, flavors: Record<string, number>) => ({
  at: NOW - secondsAgo * 1000,
  flavors,
});

describe('orderWaits', () => {
  it('waits while available + creating + abnormal differ from the ordered count', () => {
    const status = {
      available: [{ flavor: GPU, count: 3 }],
      creating: [{ flavor: GPU, count: 1 }],
      abnormal: [{ flavor: GPU, count: 1 }],
    };
    expect(orderWaits(order(60, { [GPU]: 6 }), status, undefined, fifteenMinutes, NOW)).toEqual([
      { flavor: GPU, target: 6, seen: 5 },
    ]);
    expect(orderWaits(order(60, { [GPU]: 5 }), status, undefined, fifteenMinutes, NOW)).toEqual([]);
  });

  it('a flavor the status does not report is settled (no evidence), as is one past maxNodeProvisionSeconds', () => {
    const status = { available: [{ flavor: GPU, count: 3 }] };
    expect(orderWaits(order(60, { [CPU]: 2 }), status, undefined, fifteenMinutes, NOW)).toEqual([]);
    expect(orderWaits(order(60, { [CPU]: 2 }), undefined, undefined, fifteenMinutes, NOW)).toEqual([]);
    expect(orderWaits(order(900, { [GPU]: 6 }), status, undefined, fifteenMinutes, NOW)).toEqual([]);
    expect(orderWaits(order(899, { [GPU]: 6 }), status, undefined, fifteenMinutes, NOW)).toHaveLength(1);
  });

  it("an entry without a flavor is the pool's only flavor's", () => {
    const status = { available: [{ count: 3 }] };
    expect(orderWaits(order(60, { [GPU]: 4 }), status, GPU, fifteenMinutes, NOW)).toEqual([
      { flavor: GPU, target: 4, seen: 3 },
    ]);
    expect(orderWaits(order(60, { [GPU]: 4 }), status, undefined, fifteenMinutes, NOW)).toEqual([]);
  });
});

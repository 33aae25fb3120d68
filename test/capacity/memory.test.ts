import { describe, expect, it } from 'vitest';
import { pruneCapacity } from '../../lib/capacity/memory';
import { type Backoff, type CapacityMemory, DEFAULT_CAPACITY } from '../../lib/capacity/types';

const NOW = 1_700_000_000_000;
const settings = () => DEFAULT_CAPACITY;
const backoff = (lastFailureSecondsAgo: number): Backoff => ({
  cause: 'sold-out',
  failures: 1,
  until: NOW - lastFailureSecondsAgo * 1000 + 300_000,
  lastFailureAt: NOW - lastFailureSecondsAgo * 1000,
});

describe('pruneCapacity', () => {
  it('keeps the memory itself when nothing is over', () => {
    const memory: CapacityMemory = { azs: { f: { a: backoff(600) } }, conflict: { failures: 1, until: NOW } };
    expect(pruneCapacity(memory, settings, true, NOW)).toBe(memory);
  });

  it('drops the backoffs whose row is over and a settled order, keeping the rest in key order', () => {
    const memory: CapacityMemory = {
      conflict: { failures: 1, until: NOW },
      creatingSince: { f: NOW - 1000 },
      order: { at: NOW - 1000, flavors: { f: 2 } },
      quota: { f: backoff(10_800), g: backoff(60) },
      azs: { f: { a: backoff(10_800), b: backoff(60) }, g: { a: backoff(20_000) } },
    };
    const next = pruneCapacity(memory, settings, true, NOW);
    expect(next).toEqual({
      azs: { f: { b: backoff(60) } },
      quota: { g: backoff(60) },
      creatingSince: { f: NOW - 1000 },
      conflict: { failures: 1, until: NOW },
    });
    expect(Object.keys(next ?? {})).toEqual(['azs', 'quota', 'creatingSince', 'conflict']);
    expect(pruneCapacity(memory, settings, false, NOW)?.order).toEqual(memory.order);
  });

  it('is undefined when nothing is left', () => {
    expect(pruneCapacity({ azs: { f: { a: backoff(10_800) } } }, settings, true, NOW)).toBeUndefined();
    expect(pruneCapacity({ order: { at: NOW, flavors: {} } }, settings, true, NOW)).toBeUndefined();
    expect(pruneCapacity(undefined, settings, true, NOW)).toBeUndefined();
  });
});

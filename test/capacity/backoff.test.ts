import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { blocks, expired, nextBackoff } from '../../lib/capacity/backoff';
import { capacityRefusal } from '../../lib/capacity/refusals';
import { DEFAULT_CAPACITY } from '../../lib/capacity/types';

const settings = DEFAULT_CAPACITY.backoff;
const MIN = 60_000;

describe('capacity backoff', () => {
  it('waits 5 minutes after a failure, doubling in a row up to 30', () => {
    let backoff = nextBackoff(undefined, 'sold-out', 0, settings, 'ModelArts.6716');
    const waits = [backoff.until / MIN];
    for (let i = 0; i < 5; i++) {
      const at = backoff.until;
      backoff = nextBackoff(backoff, 'sold-out', at, settings);
      waits.push((backoff.until - at) / MIN);
    }
    expect(waits).toEqual([5, 10, 20, 30, 30, 30]);
    expect(backoff.failures).toBe(6);
  });

  it('forgets the row 3 hours after the last failure, and not before', () => {
    const first = nextBackoff(undefined, 'quota', 0, settings);
    const second = nextBackoff(first, 'quota', 10 * MIN, settings);
    expect(second.until - 10 * MIN).toBe(10 * MIN);
    const justBefore = nextBackoff(second, 'quota', 10 * MIN + 180 * MIN - 1, settings);
    expect(justBefore.failures).toBe(3);
    const after = nextBackoff(second, 'quota', 10 * MIN + 180 * MIN, settings);
    expect(after.failures).toBe(1);
    expect(after.until - 190 * MIN).toBe(5 * MIN);
    expect(expired(second, 190 * MIN, settings)).toBe(true);
    expect(expired(second, 190 * MIN - 1, settings)).toBe(false);
  });

  it('blocks until the wait ends, never past the longest wait', () => {
    fc.assert(
      fc.property(fc.nat(20), fc.integer({ min: 0, max: 1e12 }), (rows, start) => {
        let backoff = nextBackoff(undefined, 'stuck-creating', start, settings);
        for (let i = 0; i < rows; i++)
          backoff = nextBackoff(backoff, 'stuck-creating', backoff.until, settings);
        const at = backoff.lastFailureAt;
        expect(blocks(backoff, at)).toBe(true);
        expect(blocks(backoff, backoff.until)).toBe(false);
        expect(backoff.until - at).toBeLessThanOrEqual(settings.maxSeconds * 1000);
        expect(backoff.until - at).toBeGreaterThanOrEqual(settings.initialSeconds * 1000);
      }),
    );
  });
});

describe('capacity refusals', () => {
  it('reads a sold-out code, and the AZ only when the message names a known one', () => {
    expect(
      capacityRefusal({ errorCode: 'ModelArts.6716', errorMsg: 'flavor sold out in cn-north-7b' }, [
        'cn-north-7a',
        'cn-north-7b',
      ]),
    ).toEqual({
      kind: 'sold-out',
      code: 'ModelArts.6716',
      az: 'cn-north-7b',
    });
    expect(
      capacityRefusal({ errorCode: 'ModelArts.4992', errorMsg: 'sold out in az-x' }, ['cn-north-7a']),
    ).toEqual({
      kind: 'sold-out',
      code: 'ModelArts.4992',
    });
  });

  it('reads a quota code with the quota the message names, else the code', () => {
    expect(
      capacityRefusal({ errorCode: 'ModelArts.0118', errorMsg: 'Quota of GPU nodes insufficient.' }, []),
    ).toEqual({
      kind: 'quota',
      code: 'ModelArts.0118',
      quota: 'Quota of GPU nodes insufficient',
    });
    expect(capacityRefusal({ errorCode: 'ModelArts.5040' }, [])).toEqual({
      kind: 'quota',
      code: 'ModelArts.5040',
      quota: 'ModelArts.5040',
    });
  });

  it('backs off nothing for other refusals', () => {
    expect(capacityRefusal({ errorCode: 'ModelArts.5044', errorMsg: 'conflict' }, [])).toBeUndefined();
    expect(capacityRefusal({}, [])).toBeUndefined();
    expect(capacityRefusal(undefined, [])).toBeUndefined();
  });
});

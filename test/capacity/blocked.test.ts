import { describe, expect, it } from 'vitest';
import { blockedAzs, blockedBy, describeBlock } from '../../lib/capacity/blocked';
import { type Backoff, DEFAULT_CAPACITY, WHOLE_FLAVOR } from '../../lib/capacity/types';

// Which AZs growth avoids (issue #15). NOW is 22:13:20 UTC.

const NOW = 1_700_000_000_000;
const F = 'modelarts.vm.gpu.a100';
const [A, B] = ['cn-north-4a', 'cn-north-4b'];
const backoff = (cause: Backoff['cause'], untilSeconds: number, code?: string): Backoff => ({
  cause,
  failures: 3,
  until: NOW + untilSeconds * 1000,
  lastFailureAt: NOW - 60_000,
  ...(code === undefined ? {} : { code }),
});
const base = {
  flavor: F,
  hasAzs: true,
  memory: undefined,
  stock: undefined,
  settings: DEFAULT_CAPACITY,
  now: NOW,
};

describe('blockedAzs', () => {
  it('nothing known: nothing blocked, and no object built', () => {
    expect(blockedAzs(base)).toBeUndefined();
  });

  it('a sold-out AZ and a running backoff block; normal, other words and expired backoffs do not', () => {
    const blocked = blockedAzs({
      ...base,
      stock: { [F]: { [A]: 'soldout', [B]: 'normal', 'cn-north-4c': 'limited' } },
      memory: { azs: { [F]: { [B]: backoff('stuck-creating', 60), 'cn-north-4d': backoff('sold-out', 0) } } },
    });
    expect(blockedBy(blocked, A)).toEqual({ kind: 'sold-out' });
    expect(blockedBy(blocked, B)).toEqual({ kind: 'backoff', backoff: backoff('stuck-creating', 60) });
    expect(blockedBy(blocked, 'cn-north-4c')).toBeUndefined();
    expect(blockedBy(blocked, 'cn-north-4d')).toBeUndefined();
  });

  it('quota and the flavor-wide key block every AZ, quota first', () => {
    const quota = backoff('quota', 60, 'ModelArts.0118');
    const memory = { quota: { [F]: quota }, azs: { [F]: { [WHOLE_FLAVOR]: backoff('sold-out', 60) } } };
    expect(blockedBy(blockedAzs({ ...base, memory }), 'any-az')).toEqual({ kind: 'quota', backoff: quota });
    expect(blockedBy(blockedAzs({ ...base, memory: { azs: memory.azs } }), A)?.kind).toBe('backoff');
  });

  it('a flavor without azs: sold out only when every AZ the stock names is', () => {
    const all = blockedAzs({ ...base, hasAzs: false, stock: { [F]: { [A]: 'soldout', [B]: 'soldout' } } });
    expect(all?.every).toEqual({ kind: 'sold-out', azs: [A, B] });
    const some = blockedAzs({ ...base, hasAzs: false, stock: { [F]: { [A]: 'soldout', [B]: 'normal' } } });
    expect(some?.every).toBeUndefined();
    expect(blockedAzs({ ...base, hasAzs: false, stock: { [F]: {} } })?.every).toBeUndefined();
  });

  it('another flavor in the stock or the memory blocks nothing of this one', () => {
    expect(
      blockedAzs({
        ...base,
        stock: { other: { [A]: 'soldout' } },
        memory: { quota: { other: backoff('quota', 60) } },
      }),
    ).toBeUndefined();
  });

  it('stockAware false: neither stock nor backoffs block', () => {
    expect(
      blockedAzs({
        ...base,
        settings: { ...DEFAULT_CAPACITY, stockAware: false },
        stock: { [F]: { [A]: 'soldout' } },
        memory: { quota: { [F]: backoff('quota', 60) } },
      }),
    ).toBeUndefined();
  });
});

describe('describeBlock', () => {
  it('says why, with the time the backoff ends, the failures and the code', () => {
    expect(describeBlock(A, { kind: 'sold-out' })).toBe(`${A} sold out`);
    expect(describeBlock(A, { kind: 'backoff', backoff: backoff('sold-out', 600, 'ModelArts.6716') })).toBe(
      `${A} in backoff until 22:23 UTC after 3 sold-out failures (ModelArts.6716)`,
    );
    expect(describeBlock(WHOLE_FLAVOR, { kind: 'backoff', backoff: backoff('sold-out', 600) })).toBe(
      'the flavor in backoff until 22:23 UTC after 3 sold-out failures',
    );
    expect(describeBlock(WHOLE_FLAVOR, { kind: 'quota', backoff: backoff('quota', 600, 'GPU quota') })).toBe(
      'over quota GPU quota (every AZ) until 22:23 UTC after 3 quota failures',
    );
  });
});

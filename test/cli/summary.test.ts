import { describe, expect, it } from 'vitest';
import { summary } from '../../cli/report';
import type { CycleResult } from '../../lib/cycle';

const pool = (name: string, patch: boolean) => ({
  key: `p/${name}`,
  pool: name,
  action: patch ? 'patch' : 'hold',
  reasons: [],
  flavors: [],
  ...(patch ? { patch: { spec: { resources: [] } } } : {}),
  history: { flavors: {} },
});

describe('the cycle summary', () => {
  it('counts the pools whose PATCH was refused for capacity apart from the failed ones', () => {
    const result = {
      at: 0,
      dryRun: false,
      plan: { at: 0, pools: [pool('a', true), pool('b', true), pool('c', false)] },
      outcomes: [
        { key: 'p/a', pool: 'a', connection: 'c', status: 'backed-off' },
        { key: 'p/b', pool: 'b', connection: 'c', status: 'patched' },
        { key: 'p/c', pool: 'c', connection: 'c', status: 'unchanged' },
      ],
      warnings: [],
    } as unknown as CycleResult;
    expect(summary(result)).toBe(
      '3 pool(s): 1 patched, 1 unchanged, 0 skipped, 1 backed off (PATCH refused: sold out, quota or conflict)',
    );
  });
});

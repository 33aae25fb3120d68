import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cycleJson } from '../../cli/cycle-json';
import { azCell, decisionLines } from '../../cli/decisions';
import { createOutput } from '../../cli/output';
import type { CycleResult } from '../../lib/cycle';
import type { FlavorDecision, PoolPlan } from '../../lib/scaling/plan';

const sink = () => {
  let text = '';
  return { write: (chunk: string) => (text += chunk), text: () => text };
};

const output = (tty: boolean, env: Record<string, string> = {}) => {
  const stdout = Object.assign(sink(), { isTTY: tty });
  return createOutput({ stdout, stderr: sink(), stdin: process.stdin, env }, {});
};

const flavor = (
  name: string,
  current: number,
  target: number,
  extra: Partial<FlavorDecision> = {},
): FlavorDecision => ({
  flavor: name,
  managed: true,
  current,
  available: current,
  creating: 0,
  deleting: 0,
  target,
  action: target > current ? 'scale-up' : target < current ? 'scale-down' : 'hold',
  reasons: [{ code: 'desired', message: `backlog wants ${target}` }],
  ...extra,
});

const pool = (name: string, flavors: FlavorDecision[], patched: boolean): PoolPlan => ({
  key: `p/${name}`,
  pool: name,
  action: patched ? 'patch' : 'hold',
  reasons: [],
  flavors,
  ...(patched ? { patch: { spec: { resources: [] } } } : {}),
  history: { flavors: { secret: { recommendations: [], events: [] } } },
});

const RESULT: CycleResult = {
  at: Date.parse('2025-06-01T12:00:00Z'),
  dryRun: false,
  warnings: [],
  plan: {
    at: 0,
    pools: [
      pool(
        'gpu-pool',
        [
          flavor('gpu.large', 5, 8, {
            creating: 2,
            available: 3,
            azsBefore: [
              { az: 'az-a', count: 3 },
              { az: 'az-b', count: 2 },
            ],
            azsAfter: [
              { az: 'az-a', count: 4 },
              { az: 'az-b', count: 4 },
            ],
          }),
          flavor('gpu.small', 1, 1),
        ],
        true,
      ),
      pool('cpu', [flavor('cpu.4u', 3, 3)], false),
    ],
  },
  outcomes: [
    { key: 'p/gpu-pool', pool: 'gpu-pool', connection: 'c', status: 'patched' },
    { key: 'p/cpu', pool: 'cpu', connection: 'c', status: 'unchanged' },
  ],
};

describe('decision lines', () => {
  it('give pool, flavor, current -> target with nodes in flight, action, per-AZ change, outcome and reasons', () => {
    expect(decisionLines(RESULT, output(false), { outcome: true })).toEqual([
      'gpu-pool  gpu.large  5 -> 8 (3 available, 2 creating)  scale-up  az-a 3->4, az-b 2->4  patched    desired: backlog wants 8',
      // Listed in the PATCH, but left as it was.
      'gpu-pool  gpu.small  1                                 hold      -                     unchanged  desired: backlog wants 1',
      'cpu       cpu.4u     3                                 hold      -                     unchanged  desired: backlog wants 3',
    ]);
  });

  it('keep to the changes with changesOnly, and to what `include` picks', () => {
    const lines = decisionLines(RESULT, output(false), {
      changesOnly: true,
      poolName: (name) => name.toUpperCase(),
    });
    expect(lines).toEqual([
      'GPU-POOL  gpu.large  5 -> 8 (3 available, 2 creating)  scale-up  az-a 3->4, az-b 2->4  desired: backlog wants 8',
    ]);
    expect(decisionLines(RESULT, output(false), { include: (p) => p.pool === 'cpu' })).toHaveLength(1);
  });

  it('are coloured only on a terminal, and never when NO_COLOR is set', () => {
    const ansi = '\u001b[';
    expect(decisionLines(RESULT, output(true)).join('\n')).toContain(ansi);
    expect(decisionLines(RESULT, output(true, { NO_COLOR: '1' })).join('\n')).not.toContain(ansi);
    expect(decisionLines(RESULT, output(false)).join('\n')).not.toContain(ansi);
  });
});

describe('the per-AZ cell', () => {
  const zones = fc.uniqueArray(
    fc.record({ az: fc.constantFrom('az-a', 'az-b', 'az-c', 'az-d'), count: fc.nat(9) }),
    { selector: (zone) => zone.az, minLength: 1 },
  );

  it('names every AZ once, and reads back to the counts after the change', () => {
    fc.assert(
      fc.property(zones, zones, (before, after) => {
        const cell = azCell(before, after);
        const parsed = cell
          .split(', ')
          .map((entry) => /^(\S+) (\d+)(?:->(\d+))?$/.exec(entry) as RegExpExecArray);
        const names = parsed.map((match) => match[1]);
        expect(new Set(names).size).toBe(names.length);
        const expected = new Map(before.map((zone) => [zone.az, zone.count]));
        for (const zone of after) expected.set(zone.az, zone.count);
        expect(new Map(parsed.map((m) => [m[1], Number(m[3] ?? m[2])]))).toEqual(expected);
      }),
    );
  });

  it('is a dash for a flavor without AZs', () => {
    expect(azCell(undefined, undefined)).toBe('-');
  });
});

describe('the --json form of a cycle', () => {
  it('leaves the planner history out and says whether anything changes', () => {
    const json = cycleJson(RESULT, []);
    expect(json).toMatchObject({ version: 1, at: '2025-06-01T12:00:00.000Z', dryRun: false, changes: true });
    expect(JSON.stringify(json)).not.toContain('history');
    expect(json.plan.pools.map((p) => p.pool)).toEqual(['gpu-pool', 'cpu']);
  });
});

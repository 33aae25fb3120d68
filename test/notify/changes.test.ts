import { describe, expect, it } from 'vitest';
import type { PoolOutcome } from '../../lib/cycle';
import { poolChanges } from '../../lib/notify/changes';
import type { FlavorDecision, PoolPlan } from '../../lib/scaling/plan';
import { reason } from '../../lib/scaling/reasons';
import type { NotifiedState } from '../../lib/state/notified';

const NOW = Date.UTC(2025, 0, 15, 12, 0, 0);
const base = { key: 'project-1/pool-a', pool: 'pool-a', connection: 'main' };

const flavor = (change: Partial<FlavorDecision>): FlavorDecision => ({
  flavor: 'gpu',
  managed: true,
  current: 4,
  available: 4,
  creating: 0,
  deleting: 0,
  target: 4,
  action: 'hold',
  reasons: [],
  ...change,
});

const plan = (change: Partial<PoolPlan>): PoolPlan => ({
  ...base,
  action: 'hold',
  reasons: [],
  flavors: [flavor({})],
  history: { flavors: {} },
  ...change,
});

const outcome = (status: PoolOutcome['status'], extra: Partial<PoolOutcome> = {}): PoolOutcome => ({
  ...base,
  status,
  ...extra,
});

const settings = { failureStreak: 3 };

/** The changes of a pool with nothing else to say, whose cycle ended in `status` (a failure says HTTP 500). */
const streakChanges = (status: PoolOutcome['status'], previous: NotifiedState, at = NOW) =>
  poolChanges({
    pool: { outcome: outcome(status, status === 'failed' ? { error: 'HTTP 500' } : {}), plan: plan({}) },
    previous,
    capacity: undefined,
    at,
    settings,
  });

describe('pool changes', () => {
  it('name the nodes an idle-node scale-down drained and deleted', () => {
    const { messages } = poolChanges({
      pool: {
        outcome: outcome('deleted', {
          scaleIn: {
            drained: [{ name: 'node-2', flavor: 'gpu' } as never],
            deleted: [{ name: 'node-1', flavor: 'gpu' } as never],
            undrained: [],
            picked: [],
            kept: [],
          },
        }),
        plan: plan({ action: 'scale-in', flavors: [flavor({ action: 'scale-down', target: 2 })] }),
      },
      previous: {},
      capacity: undefined,
      at: NOW,
      settings,
    });
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({
      kind: 'scale-down',
      details: {
        method: 'idle-nodes',
        flavors: [{ flavor: 'gpu', drained: ['node-2'], deleted: ['node-1'] }],
      },
    });
    expect(messages[0]?.text).toContain('drained node-2; deleted node-1');
  });

  it('give a count scale-down from and to', () => {
    const { messages } = poolChanges({
      pool: {
        outcome: outcome('patched'),
        plan: plan({ action: 'patch', flavors: [flavor({ action: 'scale-down', current: 4, target: 1 })] }),
      },
      previous: {},
      capacity: undefined,
      at: NOW,
      settings,
    });
    expect(messages.map((m) => [m.kind, m.details])).toEqual([
      ['scale-down', { method: 'count', flavors: [{ flavor: 'gpu', from: 4, to: 1 }] }],
    ]);
  });

  it("name a flavor's no-capacity guard by flavor, and say nothing when it is already known", () => {
    const blocked = plan({
      flavors: [flavor({ reasons: [reason('no-capacity', 'no AZ can take the node')] })],
    });
    const first = poolChanges({
      pool: { outcome: outcome('unchanged'), plan: blocked },
      previous: {},
      capacity: undefined,
      at: NOW,
      settings,
    });
    expect(first.messages.map((m) => [m.kind, m.details.guards])).toEqual([
      ['guard-started', ['no-capacity:gpu']],
    ]);
    expect(first.next).toEqual({ guards: ['no-capacity:gpu'] });
    const again = poolChanges({
      pool: { outcome: outcome('unchanged'), plan: blocked },
      previous: first.next,
      capacity: undefined,
      at: NOW,
      settings,
    });
    expect(again.messages).toEqual([]);
    expect(again.next).toEqual(first.next);
  });

  it('keep the announced guards while the pool fails, and count the failures up to the streak only', () => {
    const previous = { guards: ['paused'], failures: 3 };
    const { messages, next } = streakChanges('failed', previous);
    expect(messages).toEqual([]);
    expect(next).toEqual(previous);
  });

  it('forget the failure streak after a success, so a new streak is announced again', () => {
    expect(streakChanges('unchanged', { failures: 3 }).next).toEqual({});
  });

  it('announce the recovery of a pool whose failure streak was announced, once', () => {
    const recovered = streakChanges('patched', { failures: 3 });
    expect(recovered.messages.map((m) => [m.kind, m.details])).toEqual([
      ['recovered', { cycles: 3, status: 'patched' }],
    ]);
    expect(recovered.messages[0]?.text).toBe(
      'pool pool-a (main): recovered (patched) after failing at least 3 cycles in a row',
    );
    expect(streakChanges('unchanged', recovered.next, NOW + 60_000).messages).toEqual([]);
  });

  it('say nothing of a success after failures that never reached the streak', () => {
    expect(streakChanges('unchanged', { failures: 2 })).toEqual({ messages: [], next: {} });
  });

  it('say nothing of a healthy pool that succeeds again', () => {
    expect(streakChanges('unchanged', {})).toEqual({ messages: [], next: {} });
  });

  it.each(['lease-busy', 'lease-lost'] as const)(
    'neither recover nor fail a pool on %s, keeping its streak for the next cycle that tells',
    (status) => {
      expect(streakChanges(status, { failures: 3 })).toEqual({ messages: [], next: { failures: 3 } });
    },
  );

  it('announce a streak again after a recovery, and its recovery again', () => {
    const statuses = [
      'failed',
      'failed',
      'failed',
      'unchanged',
      'failed',
      'failed',
      'failed',
      'failed',
      'patched',
    ];
    let previous: NotifiedState = {};
    const seen: string[] = [];
    statuses.forEach((status, index) => {
      const changes = streakChanges(status as PoolOutcome['status'], previous, NOW + index * 60_000);
      for (const m of changes.messages) seen.push(`${index} ${m.kind}`);
      previous = changes.next;
    });
    expect(seen).toEqual(['2 repeated-failure', '3 recovered', '6 repeated-failure', '8 recovered']);
  });

  it('announce a backoff in an AZ once, and again only after it ended', () => {
    const capacity = {
      azs: {
        gpu: { 'az-1': { cause: 'sold-out' as const, failures: 1, until: NOW + 60_000, lastFailureAt: NOW } },
      },
    };
    const pool = { outcome: outcome('backed-off'), plan: plan({}) };
    const first = poolChanges({ pool, previous: {}, capacity, at: NOW, settings });
    expect(first.messages.map((m) => m.details)).toEqual([
      {
        backoffs: [
          { cause: 'sold-out', flavor: 'gpu', azs: 'az-1', until: new Date(NOW + 60_000).toISOString() },
        ],
      },
    ]);
    expect(poolChanges({ pool, previous: first.next, capacity, at: NOW + 1, settings }).messages).toEqual([]);
    const ended = poolChanges({ pool, previous: first.next, capacity, at: NOW + 60_000, settings });
    expect(ended.messages).toEqual([]);
    expect(ended.next).toEqual({});
  });
});

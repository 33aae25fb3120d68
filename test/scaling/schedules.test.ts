import { describe, expect, it } from 'vitest';
import type { Backlog } from '../../lib/metrics/backlog';
import { checkBacklog, computeTarget } from '../../lib/scaling/target';
import type { Schedule } from '../../lib/schedules/types';
import type { FlavorHistory } from '../../lib/state/store';
import { type FlavorPolicyOverrides, flavorPolicy, NOW } from './builders';

// Schedules through the one floor concept (lib/scaling/floor.ts): a schedule's min raises the floor like a pushed
// minimum; its max lowers the ceiling, and the count comes down to it only through the normal scale-down path.

const FLAVOR = 'modelarts.vm.gpu.t4';
const HOUR = 3600;
const ok = (value: number): Backlog => ({ ok: true, value, observedAt: NOW, source: 'static' });
// NOW is 2023-11-14T22:13:20Z: a schedule started on the hour is in force for the next 47 minutes of an hour.
const inForce = (overrides: Partial<Schedule>): Schedule => ({
  name: 'busy',
  cron: '0 22 * * *',
  timezone: 'UTC',
  durationSeconds: HOUR,
  ...overrides,
});
const over = (overrides: Partial<Schedule>): Schedule => inForce({ cron: '0 10 * * *', ...overrides });

function target(current: number, backlog: Backlog, policy: FlavorPolicyOverrides, history?: FlavorHistory) {
  return computeTarget({
    policy: flavorPolicy(FLAVOR, policy),
    current,
    backlog: checkBacklog(backlog, FLAVOR),
    history,
    now: NOW,
  });
}

describe('schedules in the target', () => {
  it('raise the floor while in force, and not after', () => {
    const during = target(2, ok(1), { schedules: [inForce({ min: 8 })] });
    expect(during.target).toBe(8);
    expect(during.min).toBe(8);
    expect(during.reasons.map((r) => r.code)).toContain('schedule-min');
    expect(during.reasons.find((r) => r.code === 'schedule-min')?.message).toBe(
      'schedule busy raises the minimum to 8',
    );
    const within = target(9, ok(9), { schedules: [inForce({ min: 1 })] });
    expect(within.reasons.find((r) => r.code === 'schedule-in-force')?.message).toBe(
      'schedules in force: busy (within their bounds)',
    );
    const after = target(2, ok(1), { schedules: [over({ min: 8 })] });
    expect(after.target).toBe(1);
    expect(after.reasons.map((r) => r.code)).not.toContain('schedule-min');
  });

  it('take the highest min and the lowest max of the schedules in force', () => {
    const result = target(10, ok(30), {
      schedules: [
        inForce({ name: 'a', min: 4, max: 40 }),
        inForce({ name: 'b', min: 6 }),
        inForce({ name: 'c', max: 20 }),
        over({ name: 'd', min: 25, max: 2 }),
      ],
    });
    expect(result.min).toBe(6);
    expect(result.max).toBe(20);
    expect(result.target).toBe(20);
    expect(result.reasons.find((r) => r.code === 'schedule-max')?.message).toBe(
      'schedule c caps the count at 20',
    );
  });

  it('let a ceiling outrank a floor: the min is never above the max in force', () => {
    const result = target(2, ok(1), {
      schedules: [inForce({ name: 'cap', max: 5 }), inForce({ name: 'busy', min: 9 })],
    });
    expect(result.min).toBe(5);
    expect(result.target).toBe(5);
  });

  it('bring a count above the schedule max down only through the scale-down path: the window holds it', () => {
    const history: FlavorHistory = { recommendations: [{ at: NOW - 60_000, count: 12 }], events: [] };
    const held = target(
      12,
      ok(12),
      { schedules: [inForce({ max: 8 })], scaleDown: { stabilizationWindowSeconds: 300 } },
      history,
    );
    expect(held.desired).toBe(8);
    expect(held.target).toBe(12);
    expect(held.reasons.map((r) => r.code)).toContain('stabilized');
    const free = target(12, ok(12), { schedules: [inForce({ max: 8 })] });
    expect(free.target).toBe(8);
  });

  it('never lower a count on a stale backlog, and obey the step policies', () => {
    const stale: Backlog = { ok: false, reason: 'stale', source: 'static', message: 'too old' };
    const held = target(12, stale, { schedules: [inForce({ max: 8 })] });
    expect(held.target).toBe(12);
    expect(held.reasons.map((r) => r.code)).toContain('backlog-unavailable');
    const stepped = target(12, ok(12), {
      schedules: [inForce({ max: 8 })],
      scaleDown: { policies: [{ type: 'Nodes', value: 1, periodSeconds: 60 }] },
    });
    expect(stepped.target).toBe(11);
  });

  it('never lower the ceiling below the policy min', () => {
    const result = target(3, ok(3), { min: 3, schedules: [inForce({ max: 1 })] });
    expect(result.max).toBe(3);
    expect(result.target).toBe(3);
  });
});

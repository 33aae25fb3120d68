import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SchedulesSchema } from '../../lib/config/schedules-schema';
import { isActive, scheduleBounds } from '../../lib/schedules/active';
import type { Schedule } from '../../lib/schedules/types';

const at = (iso: string): number => Date.parse(iso);
const HOUR = 3600;

const schedule = (overrides: Partial<Schedule>): Schedule => ({
  name: 'workday',
  cron: '0 8 * * 1-5',
  timezone: 'UTC',
  durationSeconds: 10 * HOUR,
  min: 4,
  ...overrides,
});

describe('a schedule in force', () => {
  it('starts at its cron time and ends exactly its duration later', () => {
    const workday = schedule({});
    // 2026-12-07 is a Monday.
    expect(isActive(workday, at('2026-12-07T07:59:59.999Z'))).toBe(false);
    expect(isActive(workday, at('2026-12-07T08:00:00.000Z'))).toBe(true);
    expect(isActive(workday, at('2026-12-07T17:59:59.999Z'))).toBe(true);
    expect(isActive(workday, at('2026-12-07T18:00:00.000Z'))).toBe(false);
    // Saturday: no start.
    expect(isActive(workday, at('2026-12-12T09:00:00.000Z'))).toBe(false);
  });

  it('reads the cron expression in its time zone', () => {
    const shanghai = schedule({ timezone: 'Asia/Shanghai', durationSeconds: HOUR });
    // 08:00 in Shanghai is 00:00 UTC.
    expect(isActive(shanghai, at('2026-12-07T00:30:00Z'))).toBe(true);
    expect(isActive(shanghai, at('2026-12-07T08:30:00Z'))).toBe(false);
  });

  it('runs past midnight into the next day', () => {
    const night = schedule({ cron: '0 22 * * *', durationSeconds: 4 * HOUR });
    expect(isActive(night, at('2026-12-08T01:59:00Z'))).toBe(true);
    expect(isActive(night, at('2026-12-08T02:00:00Z'))).toBe(false);
  });

  it('lasts its duration in real time across a DST change', () => {
    // New York falls back on 2026-11-01 at 02:00 EDT: a window from 00:00 local for 4 hours ends at 03:00 EST.
    const ny = schedule({ cron: '0 0 * * *', timezone: 'America/New_York', durationSeconds: 4 * HOUR });
    expect(isActive(ny, at('2026-11-01T04:00:00Z'))).toBe(true); // 00:00 EDT
    expect(isActive(ny, at('2026-11-01T07:59:59Z'))).toBe(true); // 02:59:59 EST
    expect(isActive(ny, at('2026-11-01T08:00:00Z'))).toBe(false); // 03:00 EST, 4 h after the start
  });

  it('starts a time that a spring-forward day skips at the first minute after it', () => {
    // New York springs forward on 2026-03-08: 02:00 EST jumps to 03:00 EDT, so 02:30 does not exist.
    const skipped = schedule({ cron: '30 2 * * *', timezone: 'America/New_York', durationSeconds: HOUR });
    expect(isActive(skipped, at('2026-03-08T06:59:59Z'))).toBe(false); // 01:59:59 EST
    expect(isActive(skipped, at('2026-03-08T07:00:00Z'))).toBe(true); // 03:00 EDT
    expect(isActive(skipped, at('2026-03-08T07:59:59Z'))).toBe(true);
    expect(isActive(skipped, at('2026-03-08T08:00:00Z'))).toBe(false);
    // The day after, 02:30 EDT again.
    expect(isActive(skipped, at('2026-03-09T06:30:00Z'))).toBe(true);
  });

  it('starts a time that a fall-back day repeats once, at its first occurrence', () => {
    // 01:30 happens at 05:30Z (EDT) and again at 06:30Z (EST) on 2026-11-01.
    const repeated = schedule({ cron: '30 1 * * *', timezone: 'America/New_York', durationSeconds: 30 * 60 });
    expect(isActive(repeated, at('2026-11-01T05:45:00Z'))).toBe(true);
    expect(isActive(repeated, at('2026-11-01T06:00:00Z'))).toBe(false);
    expect(isActive(repeated, at('2026-11-01T06:45:00Z'))).toBe(false);
  });

  it('is in force exactly when a start lies in the window before now (property)', () => {
    const hourly = schedule({ cron: '0 * * * *', durationSeconds: 20 * 60 });
    fc.assert(
      fc.property(fc.integer({ min: at('2026-01-01T00:00:00Z'), max: at('2027-01-01T00:00:00Z') }), (now) => {
        const intoHour = now % (HOUR * 1000);
        expect(isActive(hourly, now)).toBe(intoHour < 20 * 60 * 1000);
      }),
    );
  });
});

describe('overlapping schedules', () => {
  it('take the highest min and the lowest max, naming the schedule each comes from', () => {
    const now = at('2026-12-07T09:00:00Z');
    const bounds = scheduleBounds(
      [
        schedule({ name: 'workday', min: 4, max: 40 }),
        schedule({ name: 'launch', cron: '0 9 7 12 *', durationSeconds: HOUR, min: 10 }),
        schedule({ name: 'budget', cron: '0 0 * * *', durationSeconds: 24 * HOUR, min: undefined, max: 20 }),
        schedule({ name: 'weekend', cron: '0 0 * * 6', min: 50 }),
      ],
      now,
    );
    expect(bounds).toEqual({
      min: { count: 10, schedule: 'launch' },
      max: { count: 20, schedule: 'budget' },
      active: ['workday', 'launch', 'budget'],
    });
    expect(scheduleBounds(undefined, now)).toEqual({ active: [] });
  });
});

describe('schedules in the config', () => {
  it('accepts a schedule and fills in UTC', () => {
    const [parsed] = SchedulesSchema.parse([{ cron: '0 8 * * 1-5', durationSeconds: 3600, min: 2 }]);
    expect(parsed?.timezone).toBe('UTC');
  });

  it.each([
    [{ cron: '61 8 * * *', durationSeconds: 3600, min: 2 }, 'cron', /not a cron expression/],
    [
      { cron: '0 8 * * *', timezone: 'Mars/Olympus', durationSeconds: 3600, min: 2 },
      'timezone',
      /not an IANA time zone/,
    ],
    [{ cron: '0 8 * * *', durationSeconds: 3600 }, 'min', /needs a min, a max or both/],
    [{ cron: '0 8 * * *', durationSeconds: 3600, min: 5, max: 3 }, 'max', /below the schedule's min 5/],
    [{ cron: '0 8 31 2 *', durationSeconds: 3600, min: 2 }, 'cron', /never fires/],
  ])('refuses %j, naming %s', (input, field, message) => {
    const result = SchedulesSchema.safeParse([input]);
    expect(result.success).toBe(false);
    const issue = result.error?.issues[0];
    expect(issue?.path).toEqual([0, field]);
    expect(issue?.message).toMatch(message);
  });
});

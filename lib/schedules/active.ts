import { compileCron } from './cron';
import type { Schedule, ScheduleBounds } from './types';

/**
 * Whether the schedule is in force at `now` (epoch ms): it started at a time its expression names within the
 * last `durationSeconds`, so it is in force over [start, start + duration).
 */
export function isActive(schedule: Schedule, now: number): boolean {
  const windowStart = now - schedule.durationSeconds * 1000;
  // croner's nextRun is strictly after the date it is given, and whole seconds: ask from just before the window.
  const next = compileCron(schedule.cron, schedule.timezone).nextRun(new Date(windowStart));
  return next !== null && next.getTime() <= now && next.getTime() > windowStart;
}

// The flavors of every pool a config entry matches share its schedules list: evaluated once per list and cycle.
const lastBounds = new WeakMap<readonly Schedule[], { now: number; bounds: ScheduleBounds }>();

/** The bounds the schedules in force set at `now`: the highest min and the lowest max win. */
export function scheduleBounds(schedules: readonly Schedule[] | undefined, now: number): ScheduleBounds {
  if (schedules === undefined) return { active: [] };
  const last = lastBounds.get(schedules);
  if (last !== undefined && last.now === now) return last.bounds;
  const bounds = evaluate(schedules, now);
  lastBounds.set(schedules, { now, bounds });
  return bounds;
}

function evaluate(schedules: readonly Schedule[], now: number): ScheduleBounds {
  const bounds: ScheduleBounds = { active: [] };
  for (const schedule of schedules) {
    if (!isActive(schedule, now)) continue;
    bounds.active.push(schedule.name);
    if (schedule.min !== undefined && (bounds.min === undefined || schedule.min > bounds.min.count))
      bounds.min = { count: schedule.min, schedule: schedule.name };
    if (schedule.max !== undefined && (bounds.max === undefined || schedule.max < bounds.max.count))
      bounds.max = { count: schedule.max, schedule: schedule.name };
  }
  return bounds;
}

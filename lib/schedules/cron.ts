// Cron expressions are read by croner (maintained, no dependencies, IANA time zones through Intl). Compiled
// once per expression and zone: a cycle evaluates the same few schedules for thousands of pools.
//
// Across DST changes (croner's rules, pinned by tests): a start time that a spring-forward day skips (02:30 when
// clocks jump from 02:00 to 03:00) starts at the first minute that exists after it (03:00); a start time that a
// fall-back day repeats (01:30 twice) starts once, at its first occurrence. Durations are real elapsed time, so a
// 10-hour window that spans a change ends 10 hours after it started, whatever the wall clock says.

import { Cron } from 'croner';

const compiled = new Map<string, Cron>();

export function compileCron(expression: string, timezone: string): Cron {
  const key = `${timezone}\u0000${expression}`;
  let cron = compiled.get(key);
  if (cron === undefined) {
    cron = new Cron(expression, { timezone, paused: true });
    compiled.set(key, cron);
  }
  return cron;
}

/** Why the expression or the zone cannot be used, or undefined when both can. */
export function cronProblem(expression: string, timezone: string): string | undefined {
  if (!validTimezone(timezone)) return `"${timezone}" is not an IANA time zone (e.g. Asia/Shanghai, UTC)`;
  try {
    const cron = compileCron(expression, timezone);
    if (cron.nextRun(new Date(0)) === null) return `"${expression}" never fires`;
    return undefined;
  } catch (error) {
    return `"${expression}" is not a cron expression: ${(error as Error).message}`;
  }
}

function validTimezone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}

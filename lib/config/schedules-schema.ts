import { z } from 'zod';
import { cronProblem } from '../schedules/cron';

// `schedules:` as users write them, per pool (every managed flavor of the pool) or per flavor. The expression
// and the zone are checked at start-up with the library that evaluates them, so a schedule that would never
// parse stops the config, naming the field, instead of failing every cycle.

export const ScheduleSchema = z
  .strictObject({
    name: z
      .string()
      .min(1)
      .optional()
      .describe('Shown in plans and decision records. Default: the cron expression.'),
    cron: z
      .string()
      .min(1)
      .describe(
        'When the schedule starts: minute hour day-of-month month day-of-week (or six fields with seconds first), ' +
          "read in `timezone`. E.g. '0 8 * * 1-5' for 08:00 on weekdays.",
      ),
    timezone: z
      .string()
      .min(1)
      .default('UTC')
      .describe(
        'IANA time zone of the cron expression (default UTC). A start time a DST change skips starts at the ' +
          'first minute after it; one it repeats starts once.',
      ),
    durationSeconds: z
      .number()
      .int()
      .min(60)
      .describe('How long each start stays in force, in real seconds (at least 60).'),
    min: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe('Meanwhile the flavor has at least this many nodes (never above max).'),
    max: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe(
        'Meanwhile the flavor has at most this many nodes; a count above it comes down only through the normal ' +
          'scale-down path and its guards.',
      ),
  })
  .superRefine((schedule, ctx) => {
    const problem = cronProblem(schedule.cron, schedule.timezone);
    if (problem !== undefined) {
      const path = problem.includes('time zone') ? ['timezone'] : ['cron'];
      ctx.addIssue({ code: 'custom', path, message: problem });
    }
    if (schedule.min === undefined && schedule.max === undefined)
      ctx.addIssue({ code: 'custom', path: ['min'], message: 'a schedule needs a min, a max or both' });
    if (schedule.min !== undefined && schedule.max !== undefined && schedule.min > schedule.max)
      ctx.addIssue({
        code: 'custom',
        path: ['max'],
        message: `max ${schedule.max} is below the schedule's min ${schedule.min}`,
      });
  })
  .describe('A known busy (or quiet) period: a cron start, a duration, and the min and/or max meanwhile.');

export const SchedulesSchema = z
  .array(ScheduleSchema)
  .describe('Schedules; where several are in force, the highest min and the lowest max win.');

export type ScheduleConfig = z.infer<typeof ScheduleSchema>;

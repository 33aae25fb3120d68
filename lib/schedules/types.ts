// Schedules (issue #16): known busy hours, as KEDA's cron scaler and Application Auto Scaling's scheduled actions
// express them. A schedule starts at each time its cron expression names, in its time zone, and lasts
// `durationSeconds` of real time; meanwhile its `min` raises the flavor's floor and its `max` caps it.

export interface Schedule {
  /** For plans and decision records; defaults to the cron expression. */
  name: string;
  /** Five fields (minute hour day-of-month month day-of-week), or six with seconds first. */
  cron: string;
  /** IANA time zone the cron expression is read in (default UTC). */
  timezone: string;
  durationSeconds: number;
  min?: number;
  max?: number;
}

/** What the schedules in force at a moment allow: the highest min and the lowest max win. */
export interface ScheduleBounds {
  min?: { count: number; schedule: string };
  max?: { count: number; schedule: string };
  /** The names of the schedules in force, in config order. */
  active: string[];
}

import { plural } from '../plural';
import { scheduleBounds } from '../schedules/active';
import type { FlavorPolicy } from './policy';
import { msg, type Reason, reason } from './reasons';

// The flavor's bounds this cycle: one place where everything that raises the floor (a pushed minimum count, a
// schedule's min, later headroom and forecasts) or lowers the ceiling (a schedule's max) meets the policy's
// min and max. The highest floor wins, and no floor goes above the ceiling: a budget cap outranks a busy-hours
// minimum, as the policy's max outranks a pushed minimum.
//
// The ceiling a schedule sets is soft: the target comes down to it only through the normal scale-down path
// (stabilization window, step policies, guards, and never on a stale backlog). The policy's max is the hard one.

export type FloorSource = 'pushed' | 'schedule';

export interface FlavorBounds {
  /** The minimum in force: the policy's, raised by the highest floor. */
  min: number;
  /** The maximum in force: the policy's, lowered by a schedule's max (never below the policy's min). */
  max: number;
  /** The floor or ceiling that moved the policy's bounds, if any. */
  reasons: readonly Reason[];
}

const NONE: readonly Reason[] = Object.freeze([]);

export function flavorBounds(policy: FlavorPolicy, minCount: number | undefined, now: number): FlavorBounds {
  // Most flavors have neither: no list built for them (the planner runs this for every flavor every cycle).
  if (policy.schedules === undefined && (minCount === undefined || !(minCount > policy.min)))
    return { min: policy.min, max: policy.max, reasons: NONE };
  const reasons: Reason[] = [];
  const schedules = policy.schedules === undefined ? undefined : scheduleBounds(policy.schedules, now);
  let max = policy.max;
  if (schedules?.max !== undefined && schedules.max.count < max) {
    max = Math.max(schedules.max.count, policy.min);
    reasons.push(reason('schedule-max', msg`schedule ${schedules.max.schedule} caps the count at ${max}`));
  }
  let min = policy.min;
  if (minCount !== undefined && minCount > min) {
    const raised = Math.min(Math.ceil(minCount), max);
    reasons.push(
      reason(
        'min-count',
        raised < minCount
          ? msg`min count ${minCount} is above max ${max}: minimum raised to ${raised}`
          : msg`min count ${minCount} raises the minimum from ${policy.min} to ${raised}`,
      ),
    );
    min = raised;
  }
  if (schedules?.min !== undefined && schedules.min.count > min) {
    const raised = Math.min(schedules.min.count, max);
    reasons.push(
      reason(
        'schedule-min',
        raised < schedules.min.count
          ? msg`schedule ${schedules.min.schedule} asks for ${plural(schedules.min.count, 'node')}, above max ${max}: minimum raised to ${raised}`
          : msg`schedule ${schedules.min.schedule} raises the minimum to ${raised}`,
      ),
    );
    min = raised;
  }
  if (reasons.length === 0 && schedules !== undefined && schedules.active.length > 0)
    reasons.push(
      reason(
        'schedule-in-force',
        msg`schedules in force: ${schedules.active.join(', ')} (within their bounds)`,
      ),
    );
  return { min, max, reasons };
}

import { forecastBacklog } from '../forecast/seasonal';
import type { BacklogSeries } from '../forecast/series';
import { spreadNodes } from '../forecast/spread';
import { plural } from '../plural';
import { scheduleBounds } from '../schedules/active';
import type { FlavorPolicy, ForecastPolicy, Headroom } from './policy';
import { msg, type Reason, reason } from './reasons';

// The flavor's bounds this cycle: one place where everything that raises the floor (a pushed minimum count, a
// schedule's min, later headroom and forecasts) or lowers the ceiling (a schedule's max) meets the policy's
// min and max. The highest floor wins, and no floor goes above the ceiling: a budget cap outranks a busy-hours
// minimum, as the policy's max outranks a pushed minimum.
//
// The ceiling a schedule sets is soft: the target comes down to it only through the normal scale-down path
// (stabilization window, step policies, guards, and never on a stale backlog). The policy's max is the hard one.

export type FloorSource = 'pushed' | 'schedule' | 'headroom' | 'forecast';

/** The nodes the backlog keeps busy, as the desired count reads them (whole nodes, rounding up). */
export const busyNodes = (backlog: number, targetPerNode: number): number => {
  const ratio = backlog / targetPerNode;
  return Math.ceil(ratio - ratio * 1e-9);
};

/** Idle nodes kept ready on top of the busy ones: `nodes`, or `percent` of the busy ones (rounded up). */
export function headroomNodes(headroom: Headroom, busy: number): number {
  if ('nodes' in headroom) return headroom.nodes;
  const share = (busy * headroom.percent) / 100;
  return share > 0 ? Math.ceil(share - 1e-9) : 0;
}

export interface FlavorBounds {
  /** The minimum in force: the policy's, raised by the highest floor. */
  min: number;
  /** The maximum in force: the policy's, lowered by a schedule's max (never below the policy's min). */
  max: number;
  /** The floor or ceiling that moved the policy's bounds, if any. */
  reasons: readonly Reason[];
}

const NONE: readonly Reason[] = Object.freeze([]);

/**
 * `backlog`: the usable backlog value, if any; headroom counts from it (no usable backlog, no headroom floor:
 * the fallback decides).
 */
export interface FloorInput {
  now: number;
  /** A pushed minimum count (webhook). */
  minCount?: number | undefined;
  /** The usable backlog value, if any. */
  backlog?: number | undefined;
  /** The flavor's recorded backlog maxima, for the forecast. */
  series?: BacklogSeries | undefined;
}

export function flavorBounds(policy: FlavorPolicy, input: FloorInput): FlavorBounds {
  const { now, minCount, backlog } = input;
  // Most flavors have none of these: no list built for them (the planner runs this for every flavor every cycle).
  if (
    policy.schedules === undefined &&
    policy.forecast === undefined &&
    (policy.headroom === undefined || backlog === undefined) &&
    (minCount === undefined || !(minCount > policy.min))
  )
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
  if (policy.headroom !== undefined && backlog !== undefined) {
    const busy = busyNodes(backlog, policy.targetPerNode);
    const wanted = busy + headroomNodes(policy.headroom, busy);
    if (wanted > min) {
      const raised = Math.min(wanted, max);
      reasons.push(
        reason(
          'headroom',
          raised < wanted
            ? msg`headroom: ${plural(busy, 'busy node')} and ${wanted - busy} ready would be ${wanted}, capped at max ${max}`
            : msg`headroom: ${plural(busy, 'busy node')} and ${wanted - busy} ready, at least ${raised}`,
        ),
      );
      min = raised;
    }
  }
  if (policy.forecast !== undefined) min = forecastFloor(policy, policy.forecast, input, min, max, reasons);
  if (reasons.length === 0 && schedules !== undefined && schedules.active.length > 0)
    reasons.push(
      reason(
        'schedule-in-force',
        msg`schedules in force: ${schedules.active.join(', ')} (within their bounds)`,
      ),
    );
  return { min, max, reasons };
}

/**
 * The forecast's floor: the nodes the highest backlog forecast over the lead keeps busy or, with a `spread`, the
 * nodes the backlog keeps busy now plus ready ones for the forecast load (no usable backlog, no spread floor, as
 * for headroom). It only raises the floor, so a forecast never scales down by itself; `forecastOnly` says what it
 * would do and changes nothing.
 */
function forecastFloor(
  policy: FlavorPolicy,
  settings: ForecastPolicy,
  input: FloorInput,
  min: number,
  max: number,
  reasons: Reason[],
): number {
  const forecast = forecastBacklog(input.series, input.now, settings);
  if (forecast === undefined) return min;
  const floor = forecastNodes(policy, settings.spread, forecast.value, input.backlog);
  if (floor === undefined) return min;
  const wanted = Math.min(floor.nodes, max);
  if (!(wanted > min)) return min;
  const when = new Date(forecast.at).toISOString().slice(11, 16);
  const ready =
    floor.split === undefined
      ? ''
      : `: ${plural(floor.split.busy, 'busy node')} and ${floor.split.ready} ready (spread ${settings.spread})`;
  if (settings.mode === 'forecastOnly') {
    reasons.push(
      reason(
        'forecast-only',
        msg`forecast only: backlog ${round(forecast.value)} by ${when} UTC${ready} would raise the minimum to ${wanted}`,
      ),
    );
    return min;
  }
  reasons.push(
    reason(
      'forecast',
      msg`forecast: backlog ${round(forecast.value)} by ${when} UTC (over ${plural(forecast.periods, 'past period')})${ready} raises the minimum to ${wanted}`,
    ),
  );
  return wanted;
}

/** The forecast's floor in nodes; with a spread, its busy and ready parts. */
function forecastNodes(
  policy: FlavorPolicy,
  spread: number | undefined,
  forecast: number,
  backlog: number | undefined,
): { nodes: number; split?: { busy: number; ready: number } } | undefined {
  if (spread === undefined) return { nodes: busyNodes(forecast, policy.targetPerNode) };
  if (backlog === undefined) return undefined;
  const busy = busyNodes(backlog, policy.targetPerNode);
  const ready = spreadNodes(forecast / policy.targetPerNode, spread);
  return { nodes: busy + ready, split: { busy, ready } };
}

const round = (value: number): number => Math.round(value * 100) / 100;

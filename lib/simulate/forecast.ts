import { forecastBacklog } from '../forecast/seasonal';
import type { PoolPolicy } from '../scaling/policy';
import type { PoolHistory } from '../state/store';

// What the forecast reads at a cycle, for the simulator's chart: the same forecast the planner's floor takes
// (lib/scaling/floor.ts), from the same history, so the line drawn is the one the planner acted on.

/**
 * The highest backlog each forecasting flavor expects within its lead, summed; undefined when no flavor
 * forecasts yet (none has a whole period on record, or none forecasts at all).
 */
export function forecastAt(policy: PoolPolicy, history: PoolHistory, now: number): number | undefined {
  let total: number | undefined;
  for (const [flavor, flavorPolicy] of Object.entries(policy.flavors)) {
    if (flavorPolicy.forecast === undefined) continue;
    const series = Object.hasOwn(history.flavors, flavor)
      ? history.flavors[flavor]?.backlogSeries
      : undefined;
    const forecast = forecastBacklog(series, now, flavorPolicy.forecast);
    if (forecast !== undefined) total = (total ?? 0) + forecast.value;
  }
  return total;
}

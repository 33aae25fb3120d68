import { describe, expect, it } from 'vitest';
import { bucketsToKeep } from '../../lib/forecast/seasonal';
import { type BacklogSeries, BUCKET_MS, recordBacklog } from '../../lib/forecast/series';
import type { Backlog } from '../../lib/metrics/backlog';
import { flavorBounds } from '../../lib/scaling/floor';
import { nextFlavorHistory } from '../../lib/scaling/history';
import type { ForecastPolicy } from '../../lib/scaling/policy';
import { checkBacklog, computeTarget } from '../../lib/scaling/target';
import type { FlavorHistory } from '../../lib/state/store';
import { flavorPolicy } from './builders';

// The forecast through the planner: it raises the floor ahead of a seasonal backlog, never lowers a count, and
// in forecastOnly mode only says what it would do.

const FLAVOR = 'modelarts.vm.gpu.t4';
const DAY = 86_400_000;
const T0 = Date.parse('2026-12-01T00:00:00Z');
const NINE = 9 * 3_600_000;
const forecast: ForecastPolicy = {
  mode: 'forecastAndScale',
  leadSeconds: 600,
  periodSeconds: 86_400,
  periods: 7,
};
const ok = (value: number, at: number): Backlog => ({ ok: true, value, observedAt: at, source: 'static' });

/** Two days on record: a queue of 12 jobs from 09:00 to 10:00, 1 job otherwise. */
function twoDays(): BacklogSeries {
  let series: BacklogSeries | undefined;
  for (let t = T0; t < T0 + 2 * DAY; t += BUCKET_MS) {
    const ofDay = (t - T0) % DAY;
    series = recordBacklog(
      series,
      t,
      ofDay >= NINE && ofDay < NINE + 3_600_000 ? 12 : 1,
      bucketsToKeep(forecast),
    );
  }
  return series as BacklogSeries;
}

const history = (series: BacklogSeries): FlavorHistory => ({
  recommendations: [],
  events: [],
  backlogSeries: series,
});

function target(
  current: number,
  backlog: number,
  now: number,
  mode: ForecastPolicy['mode'] = 'forecastAndScale',
  spread?: number,
) {
  return computeTarget({
    policy: flavorPolicy(FLAVOR, {
      forecast: { ...forecast, mode, ...(spread === undefined ? {} : { spread }) },
    }),
    current,
    backlog: checkBacklog(ok(backlog, now), FLAVOR),
    history: history(twoDays()),
    now,
  });
}

describe('the forecast in the target', () => {
  const before = T0 + 2 * DAY + NINE - 7 * 60_000; // 08:53 on day 3

  it('raises the target a lead ahead of the daily queue', () => {
    const result = target(1, 1, before);
    expect(result.target).toBe(12);
    expect(result.reasons.find((r) => r.code === 'forecast')?.message).toBe(
      'forecast: backlog 12 by 08:55 UTC (over 2 past periods) raises the minimum to 12',
    );
  });

  it('does nothing earlier than the lead', () => {
    expect(target(1, 1, T0 + 2 * DAY + 8 * 3_600_000).target).toBe(1);
  });

  it('in forecastOnly mode says what it would do and changes nothing', () => {
    const result = target(1, 1, before, 'forecastOnly');
    expect(result.target).toBe(1);
    expect(result.reasons.find((r) => r.code === 'forecast-only')?.message).toBe(
      'forecast only: backlog 12 by 08:55 UTC would raise the minimum to 12',
    );
  });

  it('never scales down on a forecast alone: a quiet forecast leaves the backlog to decide', () => {
    const eleven = T0 + 2 * DAY + 11 * 3_600_000;
    expect(target(12, 12, eleven).target).toBe(12);
    expect(target(12, 3, eleven).target).toBe(3);
  });
});

describe('the forecast with a spread', () => {
  const before = T0 + 2 * DAY + NINE - 7 * 60_000; // 08:53 on day 3
  const eleven = T0 + 2 * DAY + 11 * 3_600_000;

  it('keeps the busy nodes and ⌈spread·√forecast⌉ ready ahead of the daily queue, not the queue itself', () => {
    // Forecast 12 by 08:55: √12 = 3.46, so 4 ready above the 1 busy node.
    const result = target(1, 1, before, 'forecastAndScale', 1);
    expect(result.target).toBe(5);
    expect(result.reasons.find((r) => r.code === 'forecast')?.message).toBe(
      'forecast: backlog 12 by 08:55 UTC (over 2 past periods): 1 busy node and 4 ready (spread 1) raises the minimum to 5',
    );
    // Once the queue is there, the ready nodes stay above it: 9 busy and 4 ready.
    expect(target(9, 9, T0 + 2 * DAY + NINE + 30 * 60_000, 'forecastAndScale', 1).target).toBe(13);
  });

  it('in forecastOnly mode says what it would do and changes nothing', () => {
    const result = target(1, 1, before, 'forecastOnly', 0.5);
    expect(result.target).toBe(1);
    // 0.5 · 3.46 = 1.73: 2 ready.
    expect(result.reasons.find((r) => r.code === 'forecast-only')?.message).toBe(
      'forecast only: backlog 12 by 08:55 UTC: 1 busy node and 2 ready (spread 0.5) would raise the minimum to 3',
    );
  });

  it('never scales down on a forecast alone: the spread rides on the busy nodes', () => {
    // At 11:00 the forecast is 1: one ready node above the 3 the backlog keeps busy.
    expect(target(12, 3, eleven, 'forecastAndScale', 1).target).toBe(4);
    expect(target(2, 3, eleven, 'forecastAndScale', 1).target).toBe(4);
  });

  it('sets no floor without a usable backlog (as headroom)', () => {
    const policy = flavorPolicy(FLAVOR, { min: 1, forecast: { ...forecast, spread: 1 } });
    const bounds = flavorBounds(policy, { now: before, series: twoDays() });
    expect(bounds.min).toBe(1);
    expect(bounds.reasons).toEqual([]);
  });
});

describe('the series in the history', () => {
  const policy = flavorPolicy(FLAVOR, { forecast });

  it('records each usable reading, and carries the series over a cycle without one', () => {
    const first = nextFlavorHistory(undefined, policy, {
      now: T0,
      current: 1,
      desired: 1,
      target: 1,
      backlog: 4,
    });
    expect(first.backlogSeries).toEqual({ at: T0, maxima: '4' });
    const second = nextFlavorHistory(first, policy, {
      now: T0 + BUCKET_MS,
      current: 1,
      desired: 1,
      target: 1,
      backlog: undefined,
    });
    expect(second.backlogSeries).toEqual(first.backlogSeries);
  });

  it('keeps no series for a flavor without a forecast', () => {
    const plain = flavorPolicy(FLAVOR);
    const next = nextFlavorHistory(undefined, plain, {
      now: T0,
      current: 1,
      desired: 1,
      target: 1,
      backlog: 4,
    });
    expect(next.backlogSeries).toBeUndefined();
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bucketsToKeep } from '../../lib/forecast/seasonal';
import { type BacklogSeries, BUCKET_MS, recordBacklog } from '../../lib/forecast/series';
import type { Backlog } from '../../lib/metrics/backlog';
import { flavorBounds, headroomNodes } from '../../lib/scaling/floor';
import type { ForecastPolicy } from '../../lib/scaling/policy';
import { checkBacklog, computeTarget } from '../../lib/scaling/target';
import { type FlavorPolicyOverrides, flavorPolicy, NOW } from './builders';

// Warm headroom and the one floor: the highest of the policy min, a pushed minimum, a schedule min and the
// headroom floor wins, and no floor goes above the ceiling.

const FLAVOR = 'modelarts.vm.gpu.t4';
const ok = (value: number): Backlog => ({ ok: true, value, observedAt: NOW, source: 'static' });

const target = (current: number, backlog: Backlog, policy: FlavorPolicyOverrides, minCount?: number) =>
  computeTarget({
    policy: flavorPolicy(FLAVOR, policy),
    current,
    backlog: checkBacklog(backlog, FLAVOR),
    history: undefined,
    now: NOW,
    ...(minCount === undefined ? {} : { minCount }),
  });

describe('warm headroom', () => {
  it('keeps N ready nodes above the busy ones, and refills them as jobs take them', () => {
    expect(target(5, ok(5), { headroom: { nodes: 2 } }).target).toBe(7);
    expect(target(7, ok(6), { headroom: { nodes: 2 } }).target).toBe(8);
    const reasons = target(5, ok(5), { headroom: { nodes: 2 } }).reasons;
    expect(reasons.find((r) => r.code === 'headroom')?.message).toBe(
      'headroom: 5 busy nodes and 2 ready, at least 7',
    );
  });

  it('keeps a share of the busy nodes ready, rounded up', () => {
    expect(headroomNodes({ percent: 10 }, 10)).toBe(1);
    expect(headroomNodes({ percent: 10 }, 11)).toBe(2);
    expect(headroomNodes({ percent: 50 }, 0)).toBe(0);
    expect(target(10, ok(20), { headroom: { percent: 25 }, targetPerNode: 2 }).target).toBe(13);
  });

  it('counts busy nodes in backlog units per node', () => {
    expect(target(1, ok(5), { targetPerNode: 2, headroom: { nodes: 1 } }).target).toBe(4);
  });

  it('keeps the ready nodes even with no work at all (a warm pool)', () => {
    expect(target(1, ok(0), { headroom: { nodes: 2 } }).target).toBe(2);
  });

  it('never goes above max', () => {
    const result = target(5, ok(9), { max: 10, headroom: { nodes: 3 } });
    expect(result.target).toBe(10);
    expect(result.reasons.find((r) => r.code === 'headroom')?.message).toBe(
      'headroom: 9 busy nodes and 3 ready would be 12, capped at max 10',
    );
  });

  it('adds no floor without a usable backlog: the fallback decides', () => {
    const stale: Backlog = { ok: false, reason: 'stale', source: 'static', message: 'too old' };
    const result = target(4, stale, { headroom: { nodes: 3 } });
    expect(result.target).toBe(4);
    expect(result.reasons.map((r) => r.code)).not.toContain('headroom');
  });
});

describe('the one floor', () => {
  it('takes the highest of the policy min, a pushed minimum and the headroom floor', () => {
    const policy = flavorPolicy(FLAVOR, { min: 2, headroom: { nodes: 1 } });
    expect(flavorBounds(policy, { now: NOW, minCount: 3, backlog: 1 }).min).toBe(3);
    expect(flavorBounds(policy, { now: NOW, minCount: 3, backlog: 5 }).min).toBe(6);
    expect(flavorBounds(policy, { now: NOW, backlog: 0 }).min).toBe(2);
    expect(flavorBounds(flavorPolicy(FLAVOR, { min: 2 }), { now: NOW, backlog: 5 })).toEqual({
      min: 2,
      max: 1000,
      reasons: [],
    });
  });
});

describe('the one floor (property)', () => {
  it('keeps min within [policy min, max in force] and the max in force within [policy min, policy max]', () => {
    const schedule = (min: number | undefined, max: number | undefined, active: boolean) => ({
      name: `s${min}-${max}`,
      cron: active ? '0 22 * * *' : '0 10 * * *',
      timezone: 'UTC',
      durationSeconds: 3600,
      ...(min === undefined ? {} : { min }),
      ...(max === undefined ? {} : { max }),
    });
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 0, max: 40 }),
        fc.option(fc.integer({ min: 0, max: 60 }), { nil: undefined }),
        fc.option(
          fc.oneof(
            fc.record({ nodes: fc.integer({ min: 1, max: 10 }) }),
            fc.record({ percent: fc.integer({ min: 1, max: 200 }) }),
          ),
          { nil: undefined },
        ),
        fc.array(
          fc.tuple(
            fc.option(fc.integer({ min: 1, max: 60 }), { nil: undefined }),
            fc.option(fc.integer({ min: 1, max: 60 }), { nil: undefined }),
            fc.boolean(),
          ),
          { maxLength: 3 },
        ),
        fc.option(fc.nat(100), { nil: undefined }),
        (min, extra, minCount, headroom, schedules, backlog) => {
          const policy = flavorPolicy(FLAVOR, {
            min,
            max: min + extra,
            ...(headroom === undefined ? {} : { headroom }),
            ...(schedules.length === 0
              ? {}
              : { schedules: schedules.map(([lo, hi, on]) => schedule(lo, hi, on)) }),
          });
          const bounds = flavorBounds(policy, { now: NOW, minCount, backlog });
          expect(bounds.max).toBeGreaterThanOrEqual(policy.min);
          expect(bounds.max).toBeLessThanOrEqual(policy.max);
          expect(bounds.min).toBeGreaterThanOrEqual(policy.min);
          expect(bounds.min).toBeLessThanOrEqual(bounds.max);
          if (headroom !== undefined && backlog !== undefined) {
            const busy = Math.ceil(backlog);
            expect(bounds.min).toBe(
              Math.max(bounds.min, Math.min(bounds.max, busy + headroomNodes(headroom, busy))),
            );
          }
        },
      ),
    );
  });
});

describe('the forecast in the one floor (property)', () => {
  const HOUR_MS = 3_600_000;
  const T0 = NOW - 2 * 24 * HOUR_MS;

  /** Two days of 5-minute maxima from an hourly pattern with a day-to-day wobble. */
  function series(hourly: readonly number[], wobble: number) {
    const keep = bucketsToKeep({ leadSeconds: 900, periodSeconds: 86_400, periods: 7 });
    let recorded: BacklogSeries | undefined;
    for (let t = T0; t < NOW; t += BUCKET_MS) {
      const hour = Math.floor((t - T0) / HOUR_MS) % 24;
      const day = Math.floor((t - T0) / (24 * HOUR_MS));
      recorded = recordBacklog(recorded, t, Math.max(0, (hourly[hour] ?? 0) + day * wobble), keep);
    }
    return recorded;
  }

  it('only raises the floor, leaves the max in force alone, and changes nothing in forecastOnly mode or without a backlog for a spread', () => {
    let raised = 0;
    fc.assert(
      fc.property(
        fc.array(fc.nat(40), { minLength: 24, maxLength: 24 }),
        fc.integer({ min: -3, max: 3 }),
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 0, max: 40 }),
        fc.option(fc.nat(60), { nil: undefined }),
        fc.constantFrom('forecastAndScale', 'forecastOnly') as fc.Arbitrary<ForecastPolicy['mode']>,
        fc.option(fc.double({ min: 0.1, max: 3, noNaN: true }), { nil: undefined }),
        fc.constantFrom(300, 600, 900),
        fc.integer({ min: 1, max: 3 }),
        (hourly, wobble, min, extra, backlog, mode, spread, leadSeconds, targetPerNode) => {
          const base = { min, max: min + extra, targetPerNode };
          const forecast: ForecastPolicy = {
            mode,
            leadSeconds,
            periodSeconds: 86_400,
            periods: 7,
            ...(spread === undefined ? {} : { spread }),
          };
          const input = { now: NOW, backlog, series: series(hourly, wobble) };
          const without = flavorBounds(flavorPolicy(FLAVOR, base), input);
          const withForecast = flavorBounds(flavorPolicy(FLAVOR, { ...base, forecast }), input);
          expect(withForecast.max).toBe(without.max);
          expect(withForecast.min).toBeGreaterThanOrEqual(without.min);
          expect(withForecast.min).toBeLessThanOrEqual(withForecast.max);
          if (mode === 'forecastOnly' || (spread !== undefined && backlog === undefined))
            expect(withForecast.min).toBe(without.min);
          if (withForecast.min > without.min) raised++;
        },
      ),
    );
    // Not vacuous: the forecast did raise the floor in some of the cases.
    expect(raised).toBeGreaterThan(0);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bucketsToKeep, forecastBacklog } from '../../lib/forecast/seasonal';
import { type BacklogSeries, BUCKET_MS, decodeMaxima, recordBacklog } from '../../lib/forecast/series';

const DAY = 86_400_000;
const T0 = Date.parse('2026-12-01T00:00:00Z');
const daily = { leadSeconds: 600, periodSeconds: 86_400, periods: 7 };

/** A series of `days` days whose every bucket reads `at(t)`. */
function seriesOf(days: number, at: (t: number) => number | undefined, start = T0): BacklogSeries {
  let series: BacklogSeries | undefined;
  for (let t = start; t < start + days * DAY; t += BUCKET_MS) {
    const value = at(t);
    if (value !== undefined) series = recordBacklog(series, t, value, bucketsToKeep(daily));
  }
  return series as BacklogSeries;
}

describe('the backlog series', () => {
  it('keeps the highest reading of each 5-minute bucket, and empty buckets for time without readings', () => {
    let series = recordBacklog(undefined, T0 + 10_000, 3, 10);
    series = recordBacklog(series, T0 + 200_000, 5, 10);
    series = recordBacklog(series, T0 + 250_000, 4, 10);
    series = recordBacklog(series, T0 + 3 * BUCKET_MS + 1, 1.234, 10);
    expect(series).toEqual({ at: T0 + 3 * BUCKET_MS, maxima: '5,,,1.23' });
    expect(decodeMaxima(series)).toEqual([5, undefined, undefined, 1.23]);
  });

  it('keeps at most the buckets asked for, and ignores a reading from before the newest bucket', () => {
    let series: BacklogSeries | undefined;
    for (let i = 0; i < 20; i++) series = recordBacklog(series, T0 + i * BUCKET_MS, i, 5);
    expect(series?.maxima).toBe('15,16,17,18,19');
    expect(recordBacklog(series, T0, 99, 5)).toBe(series);
  });

  it('records as decoding, adding and encoding the buckets would (property)', () => {
    const reference = (series: BacklogSeries | undefined, now: number, value: number, keep: number) => {
      const bucket = Math.floor(now / BUCKET_MS) * BUCKET_MS;
      const maxima = [...decodeMaxima(series)];
      if (series === undefined || maxima.length === 0) return { at: bucket, maxima: [value] };
      if (bucket < series.at) return { at: series.at, maxima };
      if (bucket === series.at) {
        const last = maxima[maxima.length - 1];
        maxima[maxima.length - 1] = last === undefined ? value : Math.max(last, value);
      } else {
        for (let i = 0; i < Math.min((bucket - series.at) / BUCKET_MS - 1, keep); i++) maxima.push(undefined);
        maxima.push(value);
      }
      return { at: bucket, maxima: maxima.slice(-keep) };
    };
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: -2, max: 6 }), fc.integer({ min: 0, max: 5000 })), {
          maxLength: 40,
        }),
        fc.integer({ min: 1, max: 6 }),
        (steps, keep) => {
          let series: BacklogSeries | undefined;
          let now = T0;
          for (const [buckets, hundredths] of steps) {
            now += buckets * BUCKET_MS;
            const expected = reference(series, now, hundredths / 100, keep);
            series = recordBacklog(series, now, hundredths / 100, keep);
            expect({ at: series.at, maxima: decodeMaxima(series) }).toEqual(expected);
          }
        },
      ),
    );
  });

  it('stays far below the 400 KB item limit for a week of readings', () => {
    const week = seriesOf(7, (t) => ((t / BUCKET_MS) % 97) + 0.25);
    expect(decodeMaxima(week).length).toBeLessThanOrEqual(bucketsToKeep(daily));
    expect(week.maxima.length).toBeLessThan(20_000);
  });
});

describe('the seasonal forecast', () => {
  it('gives nothing before one whole period is on record', () => {
    expect(
      forecastBacklog(
        seriesOf(0.5, () => 4),
        T0 + DAY / 2,
        daily,
      ),
    ).toBeUndefined();
    expect(forecastBacklog(undefined, T0, daily)).toBeUndefined();
  });

  it('forecasts the same time of day, averaged over past days (hand-checked)', () => {
    // Days 1-3: the queue is 0, except 09:00-09:05 when it reads 6, 9 and 12 on days 1, 2 and 3.
    const nine = 9 * 3_600_000;
    const series = seriesOf(3, (t) => {
      const day = Math.floor((t - T0) / DAY);
      return (t - T0) % DAY === nine ? 6 + 3 * day : 0;
    });
    // At 08:52 on day 4, the next 10 minutes include 09:00: the mean of 6, 9 and 12.
    const now = T0 + 3 * DAY + nine - 8 * 60_000;
    expect(forecastBacklog(series, now, daily)).toEqual({
      value: 9,
      at: T0 + 3 * DAY + nine - BUCKET_MS,
      periods: 3,
    });
    // Only two days averaged: the last two (9 and 12).
    expect(forecastBacklog(series, now, { ...daily, periods: 2 })?.value).toBe(10.5);
    // At 07:00 the lead does not reach 08:55: nothing but zeros ahead.
    expect(forecastBacklog(series, T0 + 3 * DAY + 7 * 3_600_000, daily)?.value).toBe(0);
  });

  it('reads a bucket either side, so a pattern that shifts by five minutes is still seen', () => {
    const series = seriesOf(1, (t) => ((t - T0) % DAY === 10 * 3_600_000 + BUCKET_MS ? 8 : 0));
    const now = T0 + DAY + 10 * 3_600_000 - 4 * 60_000;
    const forecast = forecastBacklog(series, now, { ...daily, leadSeconds: 300 });
    expect(forecast?.value).toBe(8);
  });

  it('is never above the highest reading on record nor below the lowest (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat(50), { minLength: 288, maxLength: 600 }),
        fc.integer({ min: 0, max: 600 }),
        (values, leadMinutes) => {
          let series: BacklogSeries | undefined;
          values.forEach((value, i) => {
            series = recordBacklog(series, T0 + i * BUCKET_MS, value, bucketsToKeep(daily));
          });
          const now = T0 + values.length * BUCKET_MS;
          const forecast = forecastBacklog(series, now, {
            ...daily,
            leadSeconds: Math.max(60, leadMinutes * 60),
          });
          if (forecast === undefined) return;
          expect(forecast.value).toBeLessThanOrEqual(Math.max(...values));
          expect(forecast.value).toBeGreaterThanOrEqual(Math.min(...values));
        },
      ),
      { numRuns: 40 },
    );
  });
});

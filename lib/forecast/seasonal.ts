import { type BacklogSeries, BUCKET_MS, decodeMaxima, valueAt } from './series';

// A seasonal forecast, as simple as holds up: the backlog at a time of day (or of week) is what it was at that
// time in the past periods on record, averaged over those periods, each taken as the highest reading within one
// bucket either side (a queue that fills at 09:00 one day and 09:05 the next is the same pattern). The
// forecast for the next `leadSeconds` is the highest of those, so the capacity is ready when the load comes (AWS
// predictive scaling's scheduling buffer). No forecast until one whole period is on record.

export interface ForecastSettings {
  /** How far ahead capacity must be ready: about one provisioning delay. */
  leadSeconds: number;
  /** 86,400 (daily) or 604,800 (weekly). */
  periodSeconds: number;
  /** Past periods to average over (at most what the series keeps). */
  periods: number;
}

export interface Forecast {
  /** The highest backlog forecast over the lead. */
  value: number;
  /** When that is (epoch ms, the start of its bucket). */
  at: number;
  /** Past periods it was averaged over. */
  periods: number;
}

/** Buckets a series must keep to forecast with these settings. */
export const bucketsToKeep = (settings: ForecastSettings): number =>
  Math.ceil((settings.periods * settings.periodSeconds * 1000) / BUCKET_MS) + 2;

export function forecastBacklog(
  series: BacklogSeries | undefined,
  now: number,
  settings: ForecastSettings,
): Forecast | undefined {
  const maxima = decodeMaxima(series);
  if (series === undefined || maxima.length === 0) return undefined;
  const periodMs = settings.periodSeconds * 1000;
  const recorded = maxima.length * BUCKET_MS;
  const periods = Math.min(settings.periods, Math.floor(recorded / periodMs));
  if (periods < 1) return undefined;
  const first = Math.floor(now / BUCKET_MS) * BUCKET_MS + BUCKET_MS;
  const last = now + settings.leadSeconds * 1000;
  let best: Forecast | undefined;
  for (let bucket = first; bucket <= last; bucket += BUCKET_MS) {
    const value = seasonalValue(maxima, series.at, bucket, periodMs, periods);
    if (value !== undefined && (best === undefined || value > best.value))
      best = { value, at: bucket, periods };
  }
  return best;
}

function seasonalValue(
  maxima: readonly (number | undefined)[],
  newestAt: number,
  bucket: number,
  periodMs: number,
  periods: number,
): number | undefined {
  let sum = 0;
  let seen = 0;
  for (let k = 1; k <= periods; k++) {
    const past = bucket - k * periodMs;
    let high: number | undefined;
    for (const offset of [-BUCKET_MS, 0, BUCKET_MS]) {
      const value = valueAt(maxima, newestAt, past + offset);
      if (value !== undefined && (high === undefined || value > high)) high = value;
    }
    if (high !== undefined) {
      sum += high;
      seen++;
    }
  }
  return seen === 0 ? undefined : sum / seen;
}

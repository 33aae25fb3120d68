// A flavor's backlog history for forecasting (issue #16): the highest reading in each 5-minute bucket, newest
// last, for the last 7 days and a lead. Kept in the pool's history item, so it must stay small: 2,000-odd
// numbers as one text attribute ("3,3.5,,12": an empty entry is a bucket without a reading, values rounded to two
// decimals) is a few kilobytes per flavor, far below DynamoDB's 400 KB item limit.

export const BUCKET_MS = 300_000;

export interface BacklogSeries {
  /** Start (epoch ms, a multiple of BUCKET_MS) of the newest bucket. */
  at: number;
  /** Comma-separated bucket maxima, oldest first; an empty entry had no reading. */
  maxima: string;
}

/** The bucket maxima as numbers, oldest first; undefined for a bucket without a reading. */
export function decodeMaxima(series: BacklogSeries | undefined): (number | undefined)[] {
  if (series === undefined || series.maxima === '') return [];
  return series.maxima.split(',').map((entry) => {
    if (entry === '') return undefined;
    const value = Number(entry);
    return Number.isFinite(value) && value >= 0 ? value : undefined;
  });
}

const encode = (maxima: readonly (number | undefined)[]): string =>
  maxima.map((value) => (value === undefined ? '' : String(Math.round(value * 100) / 100))).join(',');

/**
 * The series with the reading `value` at `now` added: into the newest bucket (keeping the higher), or into a new
 * bucket after empty ones for the time without readings. At most `keepBuckets` are kept. A reading older than the
 * newest bucket (a clock set back) is dropped rather than rewriting history.
 */
export function recordBacklog(
  series: BacklogSeries | undefined,
  now: number,
  value: number,
  keepBuckets: number,
): BacklogSeries {
  const bucket = Math.floor(now / BUCKET_MS) * BUCKET_MS;
  if (!(value >= 0) || !Number.isFinite(value)) return series ?? { at: bucket, maxima: '' };
  if (series === undefined || series.maxima === '') return { at: bucket, maxima: encode([value]) };
  if (bucket < series.at) return series;
  const maxima = decodeMaxima(series);
  if (bucket === series.at) {
    const last = maxima[maxima.length - 1];
    maxima[maxima.length - 1] = last === undefined ? value : Math.max(last, value);
  } else {
    const gap = Math.min((bucket - series.at) / BUCKET_MS - 1, keepBuckets);
    for (let i = 0; i < gap; i++) maxima.push(undefined);
    maxima.push(value);
  }
  return { at: bucket, maxima: encode(maxima.slice(-keepBuckets)) };
}

/** The reading of the bucket starting at `bucketStart`, if the series has one. */
export function valueAt(
  maxima: readonly (number | undefined)[],
  newestAt: number,
  bucketStart: number,
): number | undefined {
  const index = maxima.length - 1 - (newestAt - bucketStart) / BUCKET_MS;
  return Number.isInteger(index) && index >= 0 ? maxima[index] : undefined;
}

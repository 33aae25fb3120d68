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

// Decoding a week of buckets is most of a forecasting flavor's planning time: the last series decoded is kept,
// since a cycle forecasts from the series it then records into.
const decoded = new WeakMap<BacklogSeries, (number | undefined)[]>();

/** The bucket maxima as numbers, oldest first; undefined for a bucket without a reading. Read-only. */
export function decodeMaxima(series: BacklogSeries | undefined): readonly (number | undefined)[] {
  if (series === undefined || series.maxima === '') return [];
  let maxima = decoded.get(series);
  if (maxima === undefined) {
    maxima = series.maxima.split(',').map(parseEntry);
    decoded.set(series, maxima);
  }
  return maxima;
}

function parseEntry(entry: string): number | undefined {
  if (entry === '') return undefined;
  const value = Number(entry);
  return Number.isFinite(value) && value >= 0 ? value : undefined;
}

const format = (value: number): string => String(Math.round(value * 100) / 100);

/**
 * The series with the reading `value` at `now` added: into the newest bucket (keeping the higher), or into a new
 * bucket after empty ones for the time without readings. At most `keepBuckets` are kept. A reading older than the
 * newest bucket (a clock set back) is dropped rather than rewriting history. Works on the text, without decoding
 * the week of buckets before it.
 */
export function recordBacklog(
  series: BacklogSeries | undefined,
  now: number,
  value: number,
  keepBuckets: number,
): BacklogSeries {
  const bucket = Math.floor(now / BUCKET_MS) * BUCKET_MS;
  if (!(value >= 0) || !Number.isFinite(value)) return series ?? { at: bucket, maxima: '' };
  if (series === undefined || series.maxima === '') return { at: bucket, maxima: format(value) };
  if (bucket < series.at) return series;
  const text = series.maxima;
  if (bucket === series.at) {
    const cut = text.lastIndexOf(',') + 1;
    const last = parseEntry(text.slice(cut));
    return {
      at: bucket,
      maxima: text.slice(0, cut) + format(last === undefined ? value : Math.max(last, value)),
    };
  }
  const gap = Math.min((bucket - series.at) / BUCKET_MS - 1, keepBuckets);
  return { at: bucket, maxima: lastEntries(`${text}${','.repeat(gap + 1)}${format(value)}`, keepBuckets) };
}

/** The last `keep` comma-separated entries of `text`. */
function lastEntries(text: string, keep: number): string {
  let cut = text.length;
  for (let kept = 0; kept < keep; kept++) {
    if (cut === 0) return text;
    cut = text.lastIndexOf(',', cut - 1);
    if (cut < 0) return text;
  }
  return text.slice(cut + 1);
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

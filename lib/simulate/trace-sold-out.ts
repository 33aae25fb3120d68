import type { SoldOutWindow } from './sold-out-window';
import type { TraceIssue } from './trace-issue';

// The sold-out windows of a JSON trace: `{ "jobs": [...], "soldOut": [{ "flavor"?, "az", "from", "to" }] }`.
// `from` and `to` are seconds from the start, or ISO-8601 times when the jobs' arrivals are (counted from the
// same origin, the earliest arrival). A window without `flavor` holds for every flavor in the AZ.

const WINDOW_FIELDS = ['flavor', 'az', 'from', 'to'];
const FIELDS_TEXT = 'fields az, from, to; optional flavor';

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** @param origin epoch ms of time 0 when the arrivals are ISO-8601 times; undefined when they are seconds. */
export function readSoldOut(
  document: unknown,
  origin: number | undefined,
  issues: TraceIssue[],
): SoldOutWindow[] {
  if (!isObject(document) || document.soldOut === undefined) return [];
  const list = document.soldOut;
  if (!Array.isArray(list)) {
    issues.push({ where: 'soldOut', message: 'must be an array of windows ({az, from, to, flavor?})' });
    return [];
  }
  const windows: SoldOutWindow[] = [];
  list.forEach((entry, index) => {
    const at = `soldOut[${index}]`;
    if (!isObject(entry)) {
      issues.push({ where: at, message: 'must be an object ({az, from, to, flavor?})' });
      return;
    }
    for (const key of Object.keys(entry))
      if (!WINDOW_FIELDS.includes(key))
        issues.push({ where: `${at}.${key}`, message: `unknown field (${FIELDS_TEXT})` });
    const az = name(entry, 'az', at, true, issues);
    const flavor = name(entry, 'flavor', at, false, issues);
    const from = time(entry, 'from', at, origin, issues);
    const to = time(entry, 'to', at, origin, issues);
    if (from !== undefined && to !== undefined && !(to > from))
      issues.push({ where: `${at}.to`, message: `must be after from (from ${from} s, to ${to} s)` });
    if (az === undefined || from === undefined || to === undefined || !(to > from)) return;
    windows.push(flavor === undefined ? { az, from, to } : { flavor, az, from, to });
  });
  return windows;
}

function name(
  entry: Record<string, unknown>,
  field: string,
  at: string,
  required: boolean,
  issues: TraceIssue[],
): string | undefined {
  const value = entry[field];
  if (value === undefined) {
    if (required) issues.push({ where: `${at}.${field}`, message: 'is required' });
    return undefined;
  }
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  issues.push({
    where: `${at}.${field}`,
    message: `must be a non-empty string (got ${JSON.stringify(value)})`,
  });
  return undefined;
}

function time(
  entry: Record<string, unknown>,
  field: 'from' | 'to',
  at: string,
  origin: number | undefined,
  issues: TraceIssue[],
): number | undefined {
  const value = entry[field];
  const where = `${at}.${field}`;
  if (value === undefined) {
    issues.push({ where, message: 'is required' });
    return undefined;
  }
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  const date =
    typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isFinite(date) && origin !== undefined) return (date - origin) / 1000;
  const message = Number.isFinite(date)
    ? `is a time, but the jobs' arrivals are seconds: give seconds from the start (got ${JSON.stringify(value)})`
    : `must be seconds from the start (>= 0), or an ISO-8601 time when the arrivals are (got ${JSON.stringify(value)})`;
  issues.push({ where, message });
  return undefined;
}

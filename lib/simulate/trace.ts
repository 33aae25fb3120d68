import { SimulatorError } from './errors';
import type { SoldOutWindow } from './sold-out-window';
import type { TraceIssue } from './trace-issue';
import { readSoldOut } from './trace-sold-out';

// A job trace: when each job arrived, on which flavor, how many nodes it needs and how long it runs. Read from
// CSV (a header line naming the columns) or JSON (an array of jobs, or { jobs: [...] }, which may add the AZs'
// sold-out windows: { jobs, soldOut: [...] }, lib/simulate/trace-sold-out.ts). Every problem is reported with
// where it is (CSV line and column, JSON path) and what is wrong, all at once.

/** One job of a trace. Times are seconds from the start of the simulation. */
export interface SimJob {
  id: string;
  /** Seconds from the start. */
  arrival: number;
  flavor: string;
  /** Nodes the job needs, all at once, for its whole run. */
  nodes: number;
  /** Seconds the job runs once started. */
  runTime: number;
  /** Only nodes of this AZ can run the job. */
  az?: string;
}

export type { TraceIssue };

export class TraceError extends SimulatorError {
  override readonly name = 'TraceError';
  constructor(
    readonly issues: readonly TraceIssue[],
    readonly source?: string,
    options?: ErrorOptions,
  ) {
    const shown = issues.slice(0, MAX_SHOWN).map((issue) => `  ${issue.where}: ${issue.message}`);
    if (issues.length > MAX_SHOWN) shown.push(`  ... and ${issues.length - MAX_SHOWN} more`);
    super(`invalid trace${source === undefined ? '' : ` ${source}`}:\n${shown.join('\n')}`, options);
  }
}

const MAX_SHOWN = 20;

export type TraceFormat = 'csv' | 'json';

export interface ParseTraceOptions {
  /** Default: JSON when the text starts with `[` or `{`, CSV otherwise. */
  format?: TraceFormat;
  /** The file name, for messages. */
  source?: string;
}

const FIELDS = ['id', 'arrival', 'flavor', 'nodes', 'runTime', 'az'] as const;
type Field = (typeof FIELDS)[number];
const REQUIRED: readonly Field[] = ['arrival', 'flavor', 'nodes', 'runTime'];

/** The jobs of a trace, ordered by arrival (jobs arriving together keep their order in the file). */
export const parseTrace = (text: string, options: ParseTraceOptions = {}): SimJob[] =>
  parseTraceFile(text, options).jobs;

export interface Trace {
  jobs: SimJob[];
  /** JSON traces only; empty when the trace names none. */
  soldOut: SoldOutWindow[];
}

/** The jobs of a trace and its sold-out windows. */
export function parseTraceFile(text: string, options: ParseTraceOptions = {}): Trace {
  const format = options.format ?? (/^\s*[[{]/.test(text) ? 'json' : 'csv');
  const issues: TraceIssue[] = [];
  const entries = format === 'json' ? jsonEntries(text, issues) : csvEntries(text, issues);
  const { jobs, origin } = readJobs(entries, issues);
  const soldOut =
    format === 'json' && issues.length === 0 ? readSoldOut(JSON.parse(text), origin, issues) : [];
  if (issues.length > 0) throw new TraceError(issues, options.source);
  if (jobs.length === 0) throw new TraceError([{ where: 'trace', message: 'has no jobs' }], options.source);
  return { jobs, soldOut };
}

/** A job's fields as found, with how to name each one in a message. */
interface RawJob {
  kind: 'job';
  /** CSV: every value is text, numbers included; JSON: numbers must be JSON numbers. */
  text: boolean;
  values: Partial<Record<Field, unknown>>;
  where: (field: Field) => string;
  /** The default id: where the job is in the file. */
  position: string;
}

/** A job, or a problem with a whole line or entry, in file order. */
type Entry = RawJob | (TraceIssue & { kind: 'issue' });

function csvEntries(text: string, issues: TraceIssue[]): Entry[] {
  const lines = text.split(/\r?\n/);
  let columns: (Field | undefined)[] | undefined;
  const entries: Entry[] = [];
  lines.forEach((line, index) => {
    const number = index + 1;
    if (line.trim() === '' || line.trimStart().startsWith('#')) return;
    const lineIssue = (message: string) => entries.push({ kind: 'issue', where: `line ${number}`, message });
    if (line.includes('"')) {
      lineIssue('quoted fields are not supported');
      return;
    }
    const cells = line.split(',').map((cell) => cell.trim());
    if (columns === undefined) {
      columns = header(cells, number, issues);
      return;
    }
    if (cells.length !== columns.length) {
      lineIssue(`has ${cells.length} fields, the header has ${columns.length}`);
      return;
    }
    const values: RawJob['values'] = {};
    cells.forEach((cell, i) => {
      const field = columns?.[i];
      if (field !== undefined && cell !== '') values[field] = cell;
    });
    entries.push({
      kind: 'job',
      text: true,
      values,
      where: (field) => `line ${number}, ${field}`,
      position: `line ${number}`,
    });
  });
  if (columns === undefined)
    issues.push({ where: 'line 1', message: `a header line is required (${FIELDS_TEXT})` });
  // With a broken header every line would repeat its problems: report the header alone.
  return issues.length > 0 ? [] : entries;
}

const FIELDS_TEXT = `columns ${REQUIRED.join(', ')}; optional az, id`;

function header(cells: string[], line: number, issues: TraceIssue[]): (Field | undefined)[] {
  const byLowerCase = new Map(FIELDS.map((field) => [field.toLowerCase(), field]));
  const columns = cells.map((cell) => {
    const field = byLowerCase.get(cell.toLowerCase());
    if (field === undefined)
      issues.push({ where: `line ${line}`, message: `unknown column "${cell}" (${FIELDS_TEXT})` });
    return field;
  });
  for (const field of FIELDS) {
    if (columns.filter((column) => column === field).length > 1)
      issues.push({ where: `line ${line}`, message: `column ${field} is listed twice` });
  }
  for (const field of REQUIRED) {
    if (!columns.includes(field))
      issues.push({ where: `line ${line}`, message: `column ${field} is missing` });
  }
  return columns;
}

function jsonEntries(text: string, issues: TraceIssue[]): Entry[] {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    issues.push({ where: 'trace', message: `is not valid JSON (${(error as Error).message})` });
    return [];
  }
  const isObject = (value: unknown): value is Record<string, unknown> =>
    typeof value === 'object' && value !== null && !Array.isArray(value);
  const [list, prefix] = isObject(document) ? [document.jobs, 'jobs'] : [document, ''];
  if (!Array.isArray(list)) {
    issues.push({ where: 'trace', message: 'must be an array of jobs, or an object with a "jobs" array' });
    return [];
  }
  const entries: Entry[] = [];
  list.forEach((entry, index) => {
    const at = `${prefix}[${index}]`;
    if (!isObject(entry)) {
      entries.push({ kind: 'issue', where: at, message: 'must be an object' });
      return;
    }
    const values: RawJob['values'] = {};
    for (const [key, value] of Object.entries(entry)) {
      if ((FIELDS as readonly string[]).includes(key)) values[key as Field] = value;
      else
        entries.push({
          kind: 'issue',
          where: `${at}.${key}`,
          message: `unknown field (${FIELDS_TEXT.replace('columns', 'fields')})`,
        });
    }
    entries.push({ kind: 'job', text: false, values, where: (field) => `${at}.${field}`, position: at });
  });
  return entries;
}

/**
 * Validates every job, reporting problems in file order. Arrivals are all seconds or all ISO-8601 times (then
 * counted from the earliest).
 */
function readJobs(entries: Entry[], issues: TraceIssue[]): { jobs: SimJob[]; origin?: number } {
  const read: { job: Omit<SimJob, 'arrival'>; arrival: Arrival; order: number }[] = [];
  entries.forEach((entry, order) => {
    if (entry.kind === 'issue') {
      issues.push({ where: entry.where, message: entry.message });
      return;
    }
    const arrival = arrivalOf(entry, issues);
    const flavor = text(entry, 'flavor', true, issues);
    const nodes = number(entry, 'nodes', issues, (n) => Number.isInteger(n) && n >= 1, 'a whole number >= 1');
    const runTime = number(entry, 'runTime', issues, (n) => n > 0, 'a number of seconds > 0');
    const az = text(entry, 'az', false, issues);
    const id = text(entry, 'id', false, issues) ?? entry.position;
    if (arrival === undefined || flavor === undefined || nodes === undefined || runTime === undefined) return;
    read.push({
      job: az === undefined ? { id, flavor, nodes, runTime } : { id, flavor, nodes, runTime, az },
      arrival,
      order,
    });
  });
  const dates = read.filter(({ arrival }) => arrival.kind === 'date');
  if (dates.length > 0 && dates.length < read.length) {
    issues.push({ where: 'arrival', message: 'mixes seconds and timestamps: use one kind for every job' });
  }
  const origin = Math.min(...dates.map(({ arrival }) => arrival.value));
  const jobs = read.map(({ job, arrival, order }) => ({
    job: { ...job, arrival: arrival.kind === 'date' ? (arrival.value - origin) / 1000 : arrival.value },
    order,
  }));
  jobs.sort((a, b) => a.job.arrival - b.job.arrival || a.order - b.order);
  // Field order as SimJob lists them.
  const ordered = jobs.map(({ job: { id, arrival, flavor, nodes, runTime, az } }) =>
    az === undefined ? { id, arrival, flavor, nodes, runTime } : { id, arrival, flavor, nodes, runTime, az },
  );
  return dates.length > 0 ? { jobs: ordered, origin } : { jobs: ordered };
}

type Arrival = { kind: 'seconds' | 'date'; value: number };

function present(record: RawJob, field: Field, required: boolean, issues: TraceIssue[]): unknown {
  const value = record.values[field];
  if (value === undefined && required) issues.push({ where: record.where(field), message: 'is required' });
  return value;
}

function text(record: RawJob, field: Field, required: boolean, issues: TraceIssue[]): string | undefined {
  const value = present(record, field, required, issues);
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') {
    issues.push({ where: record.where(field), message: `must be a non-empty string (got ${show(value)})` });
    return undefined;
  }
  return value.trim();
}

function number(
  record: RawJob,
  field: Field,
  issues: TraceIssue[],
  valid: (n: number) => boolean,
  expected: string,
): number | undefined {
  const value = present(record, field, true, issues);
  if (value === undefined) return undefined;
  const n = toNumber(value, record.text);
  if (n === undefined || !valid(n)) {
    issues.push({ where: record.where(field), message: `must be ${expected} (got ${show(value)})` });
    return undefined;
  }
  return n;
}

function arrivalOf(record: RawJob, issues: TraceIssue[]): Arrival | undefined {
  const value = present(record, 'arrival', true, issues);
  if (value === undefined) return undefined;
  const seconds = toNumber(value, record.text);
  if (seconds !== undefined && seconds >= 0) return { kind: 'seconds', value: seconds };
  // A timestamp must name its date and time; Date.parse alone would take "7" as the year 2001.
  const date =
    typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isFinite(date)) return { kind: 'date', value: date };
  issues.push({
    where: record.where('arrival'),
    message: `must be seconds from the start (>= 0) or an ISO-8601 time (got ${show(value)})`,
  });
  return undefined;
}

function toNumber(value: unknown, fromText: boolean): number | undefined {
  const n =
    typeof value === 'number'
      ? value
      : fromText && typeof value === 'string' && value.trim() !== ''
        ? Number(value)
        : Number.NaN;
  return Number.isFinite(n) ? n : undefined;
}

const show = (value: unknown): string => (typeof value === 'string' ? `"${value}"` : JSON.stringify(value));

// One cycle's backlog reads: requests that share a query (same source config, same query key) are
// read once; reads run with bounded concurrency; each read is cut off at a timeout even if its source
// ignores the abort signal; old readings count as stale; every failure becomes a secret-free
// BacklogFailure, so one bad source never fails the cycle.

import { forEachBounded } from '../bounded';
import { type Backlog, type BacklogFailure, type BacklogValue, DEFAULT_STALE_AFTER_SECONDS } from './backlog';
import { BacklogSourceConfigError, BacklogSourceError, describeCause } from './errors';
import { type BacklogSourceConfig, type BacklogSourceDeps, createSource } from './registry';
import type { BacklogSource, BacklogTarget, SourceReading } from './source';

export interface BacklogRequest extends BacklogTarget {
  source: BacklogSourceConfig;
  /** A reading observed longer ago than this is `stale`. Default 300 s. */
  staleAfterSeconds?: number;
}

export interface ReadBacklogsOptions {
  /** Clock in epoch ms (request times, staleness). Default Date.now. */
  now?: () => number;
  /** Queries in flight at once. Default 4. */
  concurrency?: number;
  /** Per query. Default 10 s. */
  timeoutMs?: number;
  deps?: BacklogSourceDeps;
  /** Cancels the whole cycle's reads. */
  signal?: AbortSignal;
  /** Builds a source from its config; default the registry's. */
  createSource?: (config: BacklogSourceConfig, deps: BacklogSourceDeps) => BacklogSource;
}

export const DEFAULT_READ_CONCURRENCY = 4;
export const DEFAULT_READ_TIMEOUT_MS = 10_000;

/** JSON with object keys sorted, so equal configs written in a different key order share a query. */
export function stableKey(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableKey).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableKey(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * Runs `run` with a signal that aborts after `timeoutMs` (or when `parent` aborts), and settles by
 * then even if `run` ignores the signal.
 */
export async function withTimeout<T>(
  run: (signal: AbortSignal) => Promise<T>,
  timeoutMs: number,
  cutOffError: (why: 'timeout' | 'cancelled') => Error,
  parent?: AbortSignal,
): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let onParentAbort: (() => void) | undefined;
  const cutOff = new Promise<never>((_, reject) => {
    const stop = (reason: Error) => {
      controller.abort(reason);
      reject(reason);
    };
    timer = setTimeout(() => stop(cutOffError('timeout')), timeoutMs);
    onParentAbort = () => stop(cutOffError('cancelled'));
    if (parent?.aborted) onParentAbort();
    else parent?.addEventListener('abort', onParentAbort, { once: true });
  });
  try {
    return await Promise.race([run(controller.signal), cutOff]);
  } finally {
    clearTimeout(timer);
    if (onParentAbort) parent?.removeEventListener('abort', onParentAbort);
  }
}

const failure = (reason: BacklogFailure['reason'], source: string, message: string): BacklogFailure => ({
  ok: false,
  reason,
  source,
  message,
});

function toFailure(error: unknown, type: string, source: string): BacklogFailure {
  if (error instanceof BacklogSourceError) return failure(error.reason, source, error.message);
  return failure('failed', source, `${type} backlog source: ${describeCause(error)}`);
}

/** Narrows a reading to the target's AZ and checks its age. */
function toBacklog(
  reading: SourceReading,
  target: BacklogRequest,
  source: BacklogSource,
  label: string,
  now: number,
): Backlog {
  const staleAfter = target.staleAfterSeconds ?? DEFAULT_STALE_AFTER_SECONDS;
  if (now - reading.observedAt > staleAfter * 1000) {
    const age = Math.round((now - reading.observedAt) / 1000);
    return failure(
      'stale',
      label,
      `${source.type} backlog observed ${age} s ago, older than ${staleAfter} s`,
    );
  }
  if (target.az === undefined) {
    const value: BacklogValue = {
      ok: true,
      value: reading.value,
      observedAt: reading.observedAt,
      source: label,
    };
    if (reading.perAz) value.perAz = reading.perAz;
    if (reading.jobs) value.jobs = reading.jobs;
    return value;
  }
  if (!reading.perAz) {
    return failure('missing', label, `${source.type} backlog source does not split backlog by AZ`);
  }
  const value: BacklogValue = {
    ok: true,
    value: reading.perAz[target.az] ?? 0,
    observedAt: reading.observedAt,
    source: label,
  };
  // Narrowed to one AZ, the value holds only the jobs counted in that AZ: those tied to it.
  const jobs = reading.jobs?.filter((job) => job.az === target.az);
  if (jobs) value.jobs = jobs;
  return value;
}

interface QueryGroup {
  source: BacklogSource;
  requests: BacklogRequest[];
}

export async function readBacklogs<R extends BacklogRequest>(
  requests: readonly R[],
  options: ReadBacklogsOptions = {},
): Promise<Map<R, Backlog>> {
  const now = options.now ?? Date.now;
  const timeoutMs = options.timeoutMs ?? DEFAULT_READ_TIMEOUT_MS;
  const build = options.createSource ?? createSource;
  const results = new Map<BacklogRequest, Backlog>();
  const sources = new Map<string, BacklogSource | BacklogFailure>();
  const groups = new Map<string, QueryGroup>();

  for (const request of requests) {
    const configKey = stableKey(request.source);
    let source = sources.get(configKey);
    if (source === undefined) {
      try {
        source = build(request.source, options.deps ?? {});
      } catch (error) {
        const message =
          error instanceof BacklogSourceConfigError
            ? error.message
            : `${request.source.type} backlog source: ${describeCause(error)}`;
        source = failure('failed', request.source.type, message);
      }
      sources.set(configKey, source);
    }
    if ('ok' in source) {
      results.set(request, source);
      continue;
    }
    const key = `${configKey}\n${source.queryKey(request)}`;
    const group = groups.get(key) ?? { source, requests: [] };
    group.requests.push(request);
    groups.set(key, group);
  }

  await forEachBounded(
    [...groups.values()],
    options.concurrency ?? DEFAULT_READ_CONCURRENCY,
    async (group) => {
      const { source, requests: members } = group;
      const first = members[0] as BacklogRequest;
      const label = source.describe(first);
      let answer: unknown;
      try {
        answer = await withTimeout(
          (signal) => source.read(first, { signal, now: now() }),
          timeoutMs,
          (why) =>
            new BacklogSourceError(
              source.type,
              label,
              why === 'timeout' ? `no answer within ${timeoutMs} ms` : 'cycle cancelled',
            ),
          options.signal,
        );
      } catch (error) {
        for (const request of members)
          results.set(request, toFailure(error, source.type, source.describe(request)));
        return;
      }
      for (const request of members) {
        const requestLabel = source.describe(request);
        try {
          results.set(request, toBacklog(source.pick(answer, request), request, source, requestLabel, now()));
        } catch (error) {
          results.set(request, toFailure(error, source.type, requestLabel));
        }
      }
    },
  );

  // Insertion order = request order, whatever order the reads finished in.
  return new Map(requests.map((request) => [request, results.get(request) as Backlog]));
}

// Typed failure of a backlog source. Messages are built only from config parts that are not secret
// (source type, queue URL, metric name, PromQL, a URL without credentials or query string) and from
// a short description of the cause, never from a raw error message that may quote a signed URL or a token.

import type { BacklogFailure } from './backlog';

export type BacklogFailureReason = Exclude<BacklogFailure['reason'], 'stale'>;

/** The base of the metrics layer's errors; `cause` carries the source's own failure, described, never quoted. */
export class MetricsError extends Error {
  override name = 'MetricsError';
}

export class BacklogSourceError extends MetricsError {
  readonly sourceType: string;
  /** The query that failed, as the source names it (queue URL, PromQL, metric, pool). */
  readonly query: string;
  readonly reason: BacklogFailureReason;

  constructor(
    sourceType: string,
    query: string,
    problem: string,
    options: { cause?: unknown; reason?: BacklogFailureReason } = {},
  ) {
    super(`${sourceType} backlog source (${query}): ${problem}`, { cause: options.cause });
    this.name = 'BacklogSourceError';
    this.sourceType = sourceType;
    this.query = query;
    this.reason = options.reason ?? 'failed';
  }
}

/** Raised when a source config is used that its factory cannot serve (wrong type, missing dependency). */
export class BacklogSourceConfigError extends MetricsError {
  constructor(message: string) {
    super(message);
    this.name = 'BacklogSourceConfigError';
  }
}

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  status?: unknown;
  response?: { status?: unknown };
  $metadata?: { httpStatusCode?: unknown };
  cause?: unknown;
  errors?: unknown;
}

/** The error, its causes and (for an AggregateError) its first inner error, a few levels deep. */
function chain(error: unknown): ErrorLike[] {
  const links: ErrorLike[] = [];
  for (let current = error; typeof current === 'object' && current !== null && links.length < 6; ) {
    const link = current as ErrorLike;
    links.push(link);
    current = link.cause ?? (Array.isArray(link.errors) ? link.errors[0] : undefined);
  }
  return links;
}

const first = <T>(links: ErrorLike[], pick: (link: ErrorLike) => T | undefined) =>
  links.map(pick).find((value) => value !== undefined);

/**
 * A short, secret-free description of why a call failed: an HTTP status, an error code, an AWS error
 * name, a timeout. Raw messages are never quoted: ky's and fetch's include full URLs, and AWS
 * messages can echo request parameters.
 */
export function describeCause(error: unknown): string {
  const links = chain(error);
  const top = links[0];
  if (!top) return 'unknown error';
  const names = links.map((link) => (typeof link.name === 'string' ? link.name : 'Error'));
  if (names.includes('TimeoutError')) return 'timed out';
  if (names.includes('AbortError')) return 'aborted';
  const status = first(links, (link) => {
    const value = link.response?.status ?? link.$metadata?.httpStatusCode ?? link.status;
    return typeof value === 'number' ? value : undefined;
  });
  const code = first(links, (link) => (typeof link.code === 'string' ? link.code : undefined));
  return [names[0], code && `(${code})`, status !== undefined && `HTTP ${status}`].filter(Boolean).join(' ');
}

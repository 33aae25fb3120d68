// Error hierarchy for the ModelArts Pool API client, shaped like ky's (one base class, one class per
// failure kind). Every property is plain data: no request object, header map or credential is ever
// attached, so logging or serialising an error cannot leak an SK, a token or a signature.

import { type FieldProblem, formatProblems } from './schema-error';

export type ModelArtsErrorKind =
  | 'api'
  | 'network'
  | 'timeout'
  | 'deadline'
  | 'retry-exhausted'
  | 'validation'
  | 'options'
  | 'response'
  | 'credentials'
  | 'signing'
  | 'iam-token'
  | 'setup';

export interface RequestLine {
  method: string;
  /** URL path only (no host, no query). The project id in it is not a secret. */
  path: string;
}

export class ModelArtsError extends Error {
  readonly kind: ModelArtsErrorKind;
  /** Whether the failure is transient (a later identical request may succeed). */
  readonly retryable: boolean;
  readonly method?: string;
  readonly path?: string;

  constructor(
    kind: ModelArtsErrorKind,
    message: string,
    options: { retryable?: boolean; request?: RequestLine; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.kind = kind;
    this.retryable = options.retryable ?? false;
    if (options.request) {
      this.method = options.request.method;
      this.path = options.request.path;
    }
  }
}

const requestPrefix = (request: RequestLine) => `${request.method} ${request.path}`;

export interface ApiErrorDetails {
  status: number;
  statusText?: string;
  /** `error_code` (or `error.code`) from the body: `ModelArts.50015001`, `APIGW.0308`, ... */
  errorCode?: string;
  errorMsg?: string;
  requestId?: string;
  /** Delay the server asked for through `Retry-After`, already converted to milliseconds. */
  retryAfterMs?: number;
}

/** The server answered with a non-2xx status. 429 and 5xx are retryable. */
export class ModelArtsApiError extends ModelArtsError {
  readonly status: number;
  readonly errorCode?: string;
  readonly errorMsg?: string;
  readonly requestId?: string;
  readonly retryAfterMs?: number;

  constructor(request: RequestLine, details: ApiErrorDetails, options: { cause?: unknown } = {}) {
    const what =
      [details.errorCode, details.errorMsg].filter((part) => part !== undefined && part !== '').join(' ') ||
      details.statusText ||
      'error';
    const id = details.requestId ? ` (request id ${details.requestId})` : '';
    super('api', `${requestPrefix(request)} failed: ${details.status} ${what}${id}`, {
      request,
      retryable: details.status === 429 || details.status >= 500,
      cause: options.cause,
    });
    this.status = details.status;
    if (details.errorCode !== undefined) this.errorCode = details.errorCode;
    if (details.errorMsg !== undefined) this.errorMsg = details.errorMsg;
    if (details.requestId !== undefined) this.requestId = details.requestId;
    if (details.retryAfterMs !== undefined) this.retryAfterMs = details.retryAfterMs;
  }
}

/** The connection was refused, reset or dropped before a complete response arrived. */
export class ModelArtsNetworkError extends ModelArtsError {
  /** System error code when known (`ECONNREFUSED`, `ECONNRESET`, `UND_ERR_SOCKET`, ...). */
  readonly code?: string;

  constructor(request: RequestLine, detail: { code?: string; message?: string }, cause?: unknown) {
    const reason = [detail.code, detail.message].filter(Boolean).join(' ');
    super('network', `${requestPrefix(request)} failed: network error${reason ? ` (${reason})` : ''}`, {
      request,
      retryable: true,
      cause,
    });
    if (detail.code !== undefined) this.code = detail.code;
  }
}

/** No complete response within the per-request timeout. */
export class ModelArtsTimeoutError extends ModelArtsError {
  readonly timeoutMs: number;

  constructor(request: RequestLine, timeoutMs: number) {
    super('timeout', `${requestPrefix(request)} failed: no response within ${timeoutMs} ms`, {
      request,
      retryable: true,
    });
    this.timeoutMs = timeoutMs;
  }
}

export type RetryStopReason = 'limit' | 'budget';

/** Retries ran out (attempt limit or wait budget); `cause` is the last attempt's error. */
export class RetryBudgetExceededError extends ModelArtsError {
  readonly reason: RetryStopReason;
  readonly attempts: number;
  /** Total time spent waiting between attempts. */
  readonly waitedMs: number;

  constructor(lastError: unknown, stop: { reason: RetryStopReason; attempts: number; waitedMs: number }) {
    const last = lastError instanceof Error ? lastError.message : String(lastError);
    const why = stop.reason === 'limit' ? 'retry limit reached' : 'retry budget spent';
    const request =
      lastError instanceof ModelArtsError && lastError.method !== undefined && lastError.path !== undefined
        ? { method: lastError.method, path: lastError.path }
        : undefined;
    super(
      'retry-exhausted',
      `gave up after ${stop.attempts} attempts (${why}, waited ${stop.waitedMs} ms): ${last}`,
      request ? { request, cause: lastError } : { cause: lastError },
    );
    this.reason = stop.reason;
    this.attempts = stop.attempts;
    this.waitedMs = stop.waitedMs;
  }
}

/** A request body failed validation, so nothing was sent. */
export class ModelArtsValidationError extends ModelArtsError {
  readonly problems: readonly FieldProblem[];

  constructor(request: RequestLine, what: string, problems: readonly FieldProblem[]) {
    super('validation', `${requestPrefix(request)} not sent: invalid ${what}: ${formatProblems(problems)}`, {
      request,
    });
    this.problems = problems;
  }
}

/** `createModelArtsClient` was given bad options. */
export class ModelArtsOptionsError extends ModelArtsError {
  readonly problems: readonly FieldProblem[];

  constructor(problems: readonly FieldProblem[]) {
    super('options', `Invalid ModelArts client options: ${formatProblems(problems)}`);
    this.problems = problems;
  }
}

/** A pool in a ModelArts response that does not have the shape the scaler relies on. */
export class PoolResponseError extends ModelArtsError {
  override readonly name = 'PoolResponseError';

  /**
   * @param pool the pool's metadata.name when readable, else where it sat in the response (`items[2]`), or
   *   `undefined` when the list envelope itself is bad.
   */
  constructor(
    readonly pool: string | undefined,
    readonly problems: FieldProblem[],
    options?: { cause?: unknown },
  ) {
    super('response', `${describeSubject(pool)} has a bad response: ${formatProblems(problems)}`, options);
  }
}

function describeSubject(pool: string | undefined): string {
  if (pool === undefined) return 'pool list';
  return /^items\[\d+\]$/.test(pool) ? `pool ${pool}` : `pool "${pool}"`;
}

export const isModelArtsError = (error: unknown): error is ModelArtsError => error instanceof ModelArtsError;

/**
 * No attempt was started: the caller's deadline (the pool's lease, less one attempt and a clock-skew
 * allowance) had passed. Never retried: a later attempt could outlive the lease.
 */
export class ModelArtsDeadlineError extends ModelArtsError {
  readonly deadlineAt: number;

  constructor(request: RequestLine, deadlineAt: number, attempts: number) {
    super(
      'deadline',
      `${requestPrefix(request)} not attempted: the pool's deadline passed after ${attempts} attempt(s)`,
      { request },
    );
    this.deadlineAt = deadlineAt;
  }
}

// One ModelArts API call over ky: headers, AK/SK signature or IAM token, per-request timeout, typed
// errors, and retries (retry.ts). The pool client (client.ts) and the workload API (workloads.ts) build on
// `request`.

import ky, { isNetworkError, isTimeoutError } from 'ky';
import type { ModelArtsAuth, ModelArtsRequestEvent, ResolvedClientOptions } from './client-options';
import { apiErrorFromResponse } from './error-body';
import {
  ModelArtsApiError,
  ModelArtsDeadlineError,
  ModelArtsError,
  ModelArtsNetworkError,
  ModelArtsTimeoutError,
  type RequestLine,
} from './errors';
import { withRetry } from './retry';
import { type AkSkCredentials, signRequest } from './signer';

export interface ModelArtsCall {
  /** Kind of call for the observer: `listPools`, `patchPool`, `listWorkloads`, ... */
  operation: ModelArtsRequestEvent['operation'];
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** URL path below the endpoint, already encoded (see endpoint.ts). */
  path: string;
  /** `?a=b...` or empty, already encoded. */
  query?: string;
  body?: string;
  contentType?: string;
  signal?: AbortSignal;
  /** No attempt (first or retry) starts once `deadline.now()` is past `deadline.at`. */
  deadline?: Deadline;
  /**
   * Whether replaying the request after an ambiguous failure (timeout, dropped connection, 5xx) is
   * harmless. Default: every method but POST. A non-idempotent call is retried only when it surely had
   * no effect: throttled (429) or the connection was refused.
   */
  idempotent?: boolean;
}

/** Per-call options of the calls made under a pool's lease. */
export interface PoolCallOptions {
  deadline?: Deadline;
  signal?: AbortSignal;
}

/** A point in time on the caller's clock (the lease's), so that the transport and the lease agree. */
export interface Deadline {
  at: number;
  now: () => number;
}

export interface ModelArtsTransport {
  readonly endpoint: string;
  readonly projectId: string;
  /** The longest one attempt can take (its timeout): a deadline must leave at least this much. */
  readonly attemptTimeoutMs: number;
  /** Sends one call (with retries) and returns the 2xx body text; throws a ModelArtsError otherwise. */
  request(call: ModelArtsCall): Promise<string>;
}

interface CallState extends RequestLine {
  call: ModelArtsCall;
  url: string;
  /** HTTP exchanges so far in this call. */
  exchanges: number;
  tokenRefreshed: boolean;
  /** Token of the latest exchange, to invalidate on 401. */
  lastToken?: string;
}

const CONTENT_JSON = 'application/json';

// The system error code behind a fetch failure: ky's NetworkError -> undici TypeError -> socket error.
function systemCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 4; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = current.cause;
  }
  return undefined;
}

// Undici's TypeError is kept as cause, never ky's wrapper: its `request` holds the signed headers.
function networkCause(error: unknown): Error | undefined {
  const inner = isNetworkError(error) ? error.cause : error;
  return inner instanceof Error ? inner : undefined;
}

// A body read that breaks off ("terminated") escapes ky's NetworkError wrapping.
const isBrokenBody = (error: unknown) =>
  error instanceof TypeError && (error.message === 'terminated' || error.message === 'fetch failed');

// Signs exactly what goes out (URL with query, headers, body string). Each exchange signs again, so every
// attempt carries a fresh X-Sdk-Date. The credentials object is passed as is, never spread: credentials.ts
// keeps the SK non-enumerable, so a copy would have none.
function signed(state: CallState, headers: Record<string, string>, credentials: AkSkCredentials, at: Date) {
  const { body } = state.call;
  const request = { method: state.method, url: state.url, headers, ...(body === undefined ? {} : { body }) };
  return signRequest(request, credentials, at);
}

const retryableWithoutReplay = (error: unknown) =>
  (error instanceof ModelArtsApiError && error.status === 429) ||
  (error instanceof ModelArtsNetworkError && error.code === 'ECONNREFUSED');

export function createModelArtsTransport(
  options: ResolvedClientOptions,
  endpoint: string,
): ModelArtsTransport {
  const { projectId, now } = options;
  const auth: ModelArtsAuth = options.auth;
  const http = ky.create({
    retry: 0, // retries are ours: see retry.ts
    timeout: options.timeoutMs,
    // ky times the body read again from the headers on: without a total, one attempt could take two timeouts
    // and outlive the lease deadline, which leaves exactly one (ky is called once per attempt).
    totalTimeout: options.timeoutMs,
    throwHttpErrors: false,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });

  const emit = (event: ModelArtsRequestEvent) => {
    try {
      options.onRequest?.(event);
    } catch {
      // An observer must not turn a completed request into a failure.
    }
  };

  async function headersFor(state: CallState): Promise<Record<string, string>> {
    const headers: Record<string, string> = { Accept: CONTENT_JSON };
    if (state.call.contentType) headers['Content-Type'] = state.call.contentType;
    if (options.userId) headers['X-ModelArts-User-ID'] = options.userId;
    if (auth.type === 'token') {
      const token = await auth.provider.getToken();
      state.lastToken = token;
      headers['X-Auth-Token'] = token;
    }
    if (auth.type !== 'aksk') return headers;
    // X-Project-Id as the official SDK's credentials send it, unless the credentials carry their own.
    if (auth.credentials.projectId === undefined) headers['X-Project-Id'] = projectId;
    return signed(state, headers, auth.credentials, new Date(now()));
  }

  const checkDeadline = (state: CallState) => {
    const { deadline } = state.call;
    if (deadline && deadline.now() > deadline.at)
      throw new ModelArtsDeadlineError(state, deadline.at, state.exchanges);
  };

  async function exchange(state: CallState): Promise<string> {
    state.call.signal?.throwIfAborted();
    checkDeadline(state);
    const headers = await headersFor(state);
    // Getting a token may have taken an IAM round trip: the attempt only starts now.
    checkDeadline(state);
    state.exchanges += 1;
    const started = now();
    const base = {
      operation: state.call.operation,
      method: state.method,
      path: state.path,
      attempt: state.exchanges,
    };
    let response: Response | undefined;
    try {
      const pending = http(state.url, {
        method: state.method,
        headers,
        ...(state.call.body === undefined ? {} : { body: state.call.body }),
        ...(state.call.signal ? { signal: state.call.signal } : {}),
      });
      response = await pending;
      // The body read counts against the same total timeout; reading through the ResponsePromise is safe.
      const text = await pending.text();
      const requestId = response.headers.get('x-request-id') ?? undefined;
      const date = response.headers.get('date') ?? undefined;
      emit({
        ...base,
        status: response.status,
        outcome: 'response',
        durationMs: now() - started,
        requestId,
        ...(date === undefined ? {} : { date }),
      });
      if (response.ok) return text;
      throw apiErrorFromResponse(
        state,
        { status: response.status, statusText: response.statusText, headers: response.headers, text },
        now(),
      );
    } catch (error) {
      if (error instanceof ModelArtsError) throw error;
      const status = response?.status;
      if (isTimeoutError(error)) {
        emit({ ...base, status, outcome: 'timeout', durationMs: now() - started });
        throw new ModelArtsTimeoutError(state, options.timeoutMs);
      }
      if (isNetworkError(error) || isBrokenBody(error)) {
        emit({ ...base, status, outcome: 'network-error', durationMs: now() - started });
        const cause = networkCause(error);
        const code = systemCode(cause);
        throw new ModelArtsNetworkError(state, { code, message: code ? undefined : cause?.message }, cause);
      }
      throw error;
    }
  }

  // Token mode: a 401 means the cached token died (expired early or revoked). Drop it and try once more
  // with a fresh one, outside the retry limit; a second 401 is a real authorisation failure.
  async function authorisedExchange(state: CallState): Promise<string> {
    try {
      return await exchange(state);
    } catch (error) {
      const tokenRejected =
        auth.type === 'token' &&
        !state.tokenRefreshed &&
        error instanceof ModelArtsApiError &&
        error.status === 401;
      if (!tokenRejected) throw error;
      state.tokenRefreshed = true;
      if (state.lastToken !== undefined) auth.provider.invalidate(state.lastToken);
      return exchange(state);
    }
  }

  return {
    endpoint,
    projectId,
    attemptTimeoutMs: options.timeoutMs,
    request(call) {
      const state: CallState = {
        call,
        method: call.method,
        path: call.path,
        url: `${endpoint}${call.path}${call.query ?? ''}`,
        exchanges: 0,
        tokenRefreshed: false,
      };
      const idempotent = call.idempotent ?? call.method !== 'POST';
      return withRetry(() => authorisedExchange(state), {
        policy: options.retry,
        sleep: options.sleep,
        random: options.random,
        ...(idempotent ? {} : { isRetryable: retryableWithoutReplay }),
      });
    },
  };
}

// Options of createModelArtsClient, validated up front so that a typo or a missing credential fails at
// cold start with the option named, not at the first PATCH.

import { z } from 'zod';
import { ModelArtsOptionsError } from './errors';
import type { TokenProvider } from './iam-token';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry';
import { toFieldProblems } from './schema-error';
import type { AkSkCredentials } from './signer';

/** How long one attempt of a call (response headers and body together) may take, unless the client is told otherwise. */
export const DEFAULT_ATTEMPT_TIMEOUT_MS = 10_000;

export type ModelArtsAuth =
  | { type: 'aksk'; credentials: AkSkCredentials }
  | { type: 'token'; provider: TokenProvider }
  | { type: 'none' };

export type PoolOperation = 'listPools' | 'getPool' | 'createPool' | 'patchPool';

/** One HTTP exchange, reported to `onRequest` (for counting requests by operation and logging). */
export interface ModelArtsRequestEvent {
  /** `listPools`, `getPool`, `createPool`, `patchPool`, or what another API passes (`listWorkloads`, ...). */
  operation: PoolOperation | (string & {});
  method: string;
  /** URL path without query. */
  path: string;
  /** HTTP status; absent when no response arrived. */
  status?: number;
  outcome: 'response' | 'network-error' | 'timeout';
  /** 1-based number of this exchange within the call (retries and the token refresh included). */
  attempt: number;
  durationMs: number;
  requestId?: string;
  /** The response's `Date` header: the gateway's clock, which signatures are checked against (`doctor` reads it). */
  date?: string;
}

export interface ModelArtsClientOptions {
  projectId: string;
  /** Base URL override (emulator, private gateway); otherwise derived from `region`. */
  endpoint?: string;
  region?: string;
  auth: ModelArtsAuth;
  /** Sent as X-ModelArts-User-ID (workspace authentication). */
  userId?: string;
  /** Per-attempt timeout, response headers and body together. Default DEFAULT_ATTEMPT_TIMEOUT_MS (10 s). */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  fetch?: typeof globalThis.fetch;
  /** Clock in epoch ms (X-Sdk-Date, Retry-After dates, durations). Default Date.now. */
  now?: () => number;
  /** Wait between retries. Default a real timer. */
  sleep?: (ms: number) => Promise<void>;
  /** Jitter source in [0, 1). Default Math.random. */
  random?: () => number;
  onRequest?: (event: ModelArtsRequestEvent) => void;
}

const fn = <T>(what: string) =>
  z.custom<T>((value) => typeof value === 'function', { message: `must be a ${what} function` });

const text = z.string().trim().min(1, 'must be a non-empty string');
const optionalText = text.optional();

const AkSkCredentialsSchema = z.looseObject({
  ak: text,
  sk: text,
  securityToken: optionalText,
  projectId: optionalText,
});

const TokenProviderSchema = z.custom<TokenProvider>(
  (value) =>
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Partial<TokenProvider>).getToken === 'function' &&
    typeof (value as Partial<TokenProvider>).invalidate === 'function',
  { message: 'must have getToken() and invalidate(token) functions' },
);

const AuthSchema = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ type: z.literal('aksk'), credentials: AkSkCredentialsSchema }),
    z.strictObject({ type: z.literal('token'), provider: TokenProviderSchema }),
    z.strictObject({ type: z.literal('none') }),
  ],
  { error: 'must be { type: "aksk" | "token" | "none", ... }' },
);

const ms = (max: number) => z.number().int('must be an integer').nonnegative('must be >= 0').max(max);

// Built on first use (z.lazy): only options that tune the retries carry it.
const RetrySchema = z.lazy(() =>
  z.strictObject({
    limit: z.number().int('must be an integer').min(0, 'must be >= 0').max(20, 'must be <= 20').optional(),
    baseDelayMs: ms(60_000).positive('must be > 0').optional(),
    maxDelayMs: ms(600_000).positive('must be > 0').optional(),
    budgetMs: ms(3_600_000).optional(),
  }),
);

export const ModelArtsClientOptionsSchema = z
  .strictObject({
    // Goes into every URL path; the character set keeps it a single path segment.
    projectId: text
      .regex(/^[A-Za-z0-9._-]+$/, 'must contain only letters, digits, ".", "_" or "-"')
      .refine((id) => id !== '.' && id !== '..', 'must not be "." or ".."'),
    endpoint: optionalText,
    region: optionalText,
    auth: AuthSchema,
    userId: optionalText,
    // ky refuses timeouts above 2^31-1 ms.
    timeoutMs: z.number().int('must be an integer').positive('must be > 0').max(2_147_483_647).optional(),
    retry: RetrySchema.optional(),
    fetch: fn<typeof globalThis.fetch>('fetch').optional(),
    now: fn<() => number>('clock').optional(),
    sleep: fn<(ms: number) => Promise<void>>('sleep').optional(),
    random: fn<() => number>('random').optional(),
    onRequest: fn<(event: ModelArtsRequestEvent) => void>('observer').optional(),
  })
  .refine((options) => options.endpoint !== undefined || options.region !== undefined, {
    message: 'either endpoint or region is required',
    path: ['endpoint'],
  });

export interface ResolvedClientOptions
  extends Omit<ModelArtsClientOptions, 'retry' | 'timeoutMs' | 'now' | 'sleep' | 'random'> {
  timeoutMs: number;
  retry: RetryPolicy;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Validates options and fills defaults; throws ModelArtsOptionsError naming each bad option. */
export function resolveClientOptions(options: ModelArtsClientOptions): ResolvedClientOptions {
  const parsed = ModelArtsClientOptionsSchema.safeParse(options);
  if (!parsed.success) throw new ModelArtsOptionsError(toFieldProblems(parsed.error.issues));
  // Keep the caller's objects (credentials, provider, functions) rather than zod's copies.
  return {
    ...options,
    timeoutMs: options.timeoutMs ?? DEFAULT_ATTEMPT_TIMEOUT_MS,
    retry: { ...DEFAULT_RETRY_POLICY, ...stripUndefined(options.retry ?? {}) },
    now: options.now ?? Date.now,
    sleep: options.sleep ?? realSleep,
    random: options.random ?? Math.random,
  };
}

const stripUndefined = <T extends object>(value: T): Partial<T> =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;

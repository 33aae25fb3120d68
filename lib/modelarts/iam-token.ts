// IAM token mode: a project-scoped token from POST /v3/auth/tokens (password identity), cached until shortly
// before it expires. The ModelArts client sends it as X-Auth-Token and calls invalidate() on a 401.

import ky, { isKyError } from 'ky';
import { z } from 'zod';
import { ModelArtsError } from './errors';

export interface TokenProvider {
  getToken(): Promise<string>;
  invalidate(token: string): void;
}

export interface IamUser {
  name: string;
  password: string;
  /** The account (domain) name the IAM user belongs to. */
  domain: string;
}

export interface IamTokenProviderOptions {
  /** `https://iam.{region}.myhuaweicloud.com`, see iamEndpointForRegion. */
  iamEndpoint: string;
  user: IamUser;
  /** The token is scoped to this project. */
  projectId: string;
  /** Clock in epoch ms. Default Date.now. */
  now?: () => number;
  /** Fetch a new token this long before the current one expires. Default 5 minutes. */
  refreshBeforeMs?: number;
  /** Per-request timeout. Default 10 s. */
  timeoutMs?: number;
  fetch?: typeof globalThis.fetch;
}

export const DEFAULT_REFRESH_BEFORE_MS = 5 * 60 * 1000;
const DEFAULT_TIMEOUT_MS = 10_000;
const MAX_IAM_MESSAGE = 300;
const REGION = /^[a-z]{2,}(-[a-z0-9]+)+$/;

export class IamTokenError extends ModelArtsError {
  /** HTTP status of the IAM answer; absent when none arrived. */
  readonly status?: number;
  /** `error.code` / `error_code` from the IAM body, when present. */
  readonly errorCode?: string;
  readonly errorMsg?: string;

  constructor(
    message: string,
    details: { status?: number; errorCode?: string; errorMsg?: string; cause?: unknown } = {},
  ) {
    super('iam-token', message, details.cause === undefined ? {} : { cause: details.cause });
    this.name = 'IamTokenError';
    if (details.status !== undefined) this.status = details.status;
    if (details.errorCode !== undefined) this.errorCode = details.errorCode;
    if (details.errorMsg !== undefined) this.errorMsg = details.errorMsg;
  }
}

/** The public IAM endpoint of a region (`cn-north-4` -> `https://iam.cn-north-4.myhuaweicloud.com`). */
export function iamEndpointForRegion(region: string): string {
  if (!REGION.test(region))
    throw new IamTokenError(`region "${region}" is not a region id like "cn-north-4"`);
  return `https://iam.${region}.myhuaweicloud.com`;
}

// Built on first use (z.lazy): only token-auth connections ask IAM, and other cold starts should not pay for
// building them.
const TokenBodySchema = z.lazy(() =>
  z.looseObject({
    token: z.looseObject({ expires_at: z.string() }),
  }),
);

// IAM answers `{"error":{"code":401,"message":...,"title":...}}`; gateways in front of it answer
// `{"error_code":"APIGW.0301","error_msg":...}`.
const IamErrorSchema = z.lazy(() =>
  z.looseObject({
    error: z
      .looseObject({ code: z.union([z.string(), z.number()]).optional(), message: z.string().optional() })
      .optional(),
    error_code: z.string().optional(),
    error_msg: z.string().optional(),
  }),
);

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function readIamError(text: string): { errorCode?: string; errorMsg?: string } {
  const parsed = IamErrorSchema.safeParse(parseJson(text));
  if (!parsed.success) return {};
  const code = parsed.data.error_code ?? parsed.data.error?.code;
  const message = parsed.data.error_msg ?? parsed.data.error?.message;
  return {
    ...(code === undefined ? {} : { errorCode: String(code) }),
    ...(message === undefined ? {} : { errorMsg: message.slice(0, MAX_IAM_MESSAGE) }),
  };
}

interface CachedToken {
  token: string;
  expiresAt: number;
  refreshAt: number;
}

function checkOptions(options: IamTokenProviderOptions): void {
  const problems: string[] = [];
  try {
    const url = new URL(options.iamEndpoint);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') problems.push('iamEndpoint must be http(s)');
  } catch {
    problems.push('iamEndpoint must be an absolute URL');
  }
  for (const field of ['name', 'password', 'domain'] as const) {
    if (typeof options.user?.[field] !== 'string' || options.user[field] === '') {
      problems.push(`user.${field} must be a non-empty string`);
    }
  }
  if (typeof options.projectId !== 'string' || options.projectId === '') {
    problems.push('projectId must be a non-empty string');
  }
  const refresh = options.refreshBeforeMs;
  if (refresh !== undefined && !(Number.isFinite(refresh) && refresh >= 0)) {
    problems.push('refreshBeforeMs must be a finite number >= 0');
  }
  if (problems.length > 0)
    throw new IamTokenError(`invalid IAM token provider options: ${problems.join('; ')}`);
}

/**
 * A TokenProvider for IAM token mode. Tokens are cached until refreshBeforeMs before expiry (or half
 * their lifetime, if that is shorter); concurrent getToken calls share one request; a failed refresh
 * returns the cached token while it has not expired. Errors are IamTokenError and never contain the
 * password or a token.
 */
export function createIamTokenProvider(options: IamTokenProviderOptions): TokenProvider {
  checkOptions(options);
  const now = options.now ?? Date.now;
  const refreshBeforeMs = options.refreshBeforeMs ?? DEFAULT_REFRESH_BEFORE_MS;
  const url = `${options.iamEndpoint.replace(/\/+$/, '')}/v3/auth/tokens`;
  const { user, projectId } = options;
  let cached: CachedToken | undefined;
  let inFlight: Promise<CachedToken> | undefined;

  // An IAM message could in principle quote what it was sent.
  const scrub = (text: string) => text.replaceAll(user.password, '***');

  async function fetchToken(): Promise<CachedToken> {
    const requestedAt = now();
    let response: Response;
    try {
      response = await ky.post(url, {
        json: {
          auth: {
            identity: {
              methods: ['password'],
              password: { user: { name: user.name, password: user.password, domain: { name: user.domain } } },
            },
            scope: { project: { id: projectId } },
          },
        },
        timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        retry: 0,
        throwHttpErrors: false,
        ...(options.fetch ? { fetch: options.fetch } : {}),
      });
    } catch (error) {
      // ky's own errors carry the request options, password included: keep their message and their
      // cause (the socket error), never the ky error itself.
      const reason = error instanceof Error ? error.message : String(error);
      const cause = isKyError(error) ? error.cause : error;
      throw new IamTokenError(`IAM token request to ${url} failed: ${scrub(reason)}`, {
        ...(cause === undefined ? {} : { cause }),
      });
    }
    const text = await response.text().catch(() => '');
    if (!response.ok) {
      const { errorCode, errorMsg } = readIamError(text);
      const detail = [errorCode, errorMsg && scrub(errorMsg)].filter(Boolean).join(' ');
      throw new IamTokenError(`IAM token request failed: ${response.status}${detail ? ` ${detail}` : ''}`, {
        status: response.status,
        ...(errorCode === undefined ? {} : { errorCode }),
        ...(errorMsg === undefined ? {} : { errorMsg: scrub(errorMsg) }),
      });
    }
    const token = response.headers.get('x-subject-token');
    if (!token) {
      throw new IamTokenError('IAM answered without an X-Subject-Token header', { status: response.status });
    }
    const parsed = TokenBodySchema.safeParse(parseJson(text));
    const expiresAt = parsed.success ? Date.parse(parsed.data.token.expires_at) : Number.NaN;
    if (Number.isNaN(expiresAt)) {
      throw new IamTokenError('IAM answered without a valid token.expires_at', { status: response.status });
    }
    if (expiresAt <= requestedAt) {
      const at = new Date(expiresAt).toISOString();
      throw new IamTokenError(`IAM returned a token that already expired at ${at}`, {
        status: response.status,
      });
    }
    const lead = Math.min(refreshBeforeMs, (expiresAt - requestedAt) / 2);
    return { token, expiresAt, refreshAt: expiresAt - lead };
  }

  async function refresh(): Promise<string> {
    inFlight ??= fetchToken()
      .then((fresh) => {
        cached = fresh;
        return fresh;
      })
      .finally(() => {
        inFlight = undefined;
      });
    try {
      return (await inFlight).token;
    } catch (error) {
      // A proactive refresh failing is no reason to drop a token that still works.
      if (cached !== undefined && now() < cached.expiresAt) return cached.token;
      throw error;
    }
  }

  return {
    getToken() {
      if (cached !== undefined && now() < cached.refreshAt) return Promise.resolve(cached.token);
      return refresh();
    },
    invalidate(token: string) {
      if (cached?.token === token) cached = undefined;
    },
  };
}

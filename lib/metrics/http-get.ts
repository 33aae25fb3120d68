// GET a JSON document with ky for the HTTP-based sources (Prometheus, HTTP JSON). Credentials come
// from environment variables named in config and travel only in request headers; errors name the
// URL without its query string.

import ky, { isHTTPError } from 'ky';
import { z } from 'zod';
import { type EnvReader, envVarName, processEnv, urlLabel } from './common';
import { BacklogSourceError, describeCause } from './errors';

export const HttpAuthSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('bearer'),
    tokenEnv: envVarName.describe('Variable holding the bearer token.'),
  }),
  z.strictObject({ type: z.literal('basic'), usernameEnv: envVarName, passwordEnv: envVarName }),
]);

export type HttpAuth = z.infer<typeof HttpAuthSchema>;

/** Config fields every HTTP-based source has: credentials by variable name, timeout, retries. */
export const httpClientFields = {
  auth: HttpAuthSchema.optional(),
  headersFromEnv: z
    .record(z.string().regex(/^[A-Za-z0-9-]+$/, 'must be an HTTP header name'), envVarName)
    .default({})
    .describe('Header name to the environment variable that holds its value.'),
  timeoutMs: z
    .number()
    .int()
    .positive()
    .max(120_000)
    .default(4_000)
    .describe("Per attempt; two attempts and a backoff fit in the cycle's 10 s read timeout."),
  retries: z.number().int().min(0).max(5).default(1),
};

export interface HttpClientConfig {
  auth?: HttpAuth | undefined;
  headersFromEnv: Record<string, string>;
  timeoutMs: number;
  retries: number;
}

export interface HttpGetOptions {
  sourceType: string;
  /** How the query is named in errors (never with credentials). */
  query: string;
  searchParams?: Record<string, string>;
  client: HttpClientConfig;
  /** Where credential variables are read; default process.env. */
  env?: EnvReader | undefined;
  signal: AbortSignal;
  /** Turns an error body into a message (e.g. Prometheus' `errorType: error`); undefined = HTTP status only. */
  describeErrorBody?: (data: unknown) => string | undefined;
}

function requireEnv(name: string, options: HttpGetOptions): string {
  const value = (options.env ?? processEnv)(name);
  if (value === undefined || value === '') {
    throw new BacklogSourceError(
      options.sourceType,
      options.query,
      `environment variable ${name} is not set`,
    );
  }
  return value;
}

export function requestHeaders(options: HttpGetOptions): Record<string, string> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const { auth, headersFromEnv } = options.client;
  for (const [header, variable] of Object.entries(headersFromEnv)) {
    headers[header.toLowerCase()] = requireEnv(variable, options);
  }
  if (auth?.type === 'bearer') headers.authorization = `Bearer ${requireEnv(auth.tokenEnv, options)}`;
  if (auth?.type === 'basic') {
    const pair = `${requireEnv(auth.usernameEnv, options)}:${requireEnv(auth.passwordEnv, options)}`;
    headers.authorization = `Basic ${Buffer.from(pair).toString('base64')}`;
  }
  return headers;
}

export async function getJson(url: string, options: HttpGetOptions): Promise<unknown> {
  const headers = requestHeaders(options);
  const fail = (problem: string, cause: unknown) =>
    new BacklogSourceError(options.sourceType, options.query, problem, { cause });
  try {
    return await ky
      .get(url, {
        headers,
        searchParams: options.searchParams,
        timeout: options.client.timeoutMs,
        retry: { limit: options.client.retries },
        signal: options.signal,
      })
      .json();
  } catch (error) {
    const where = `GET ${urlLabel(url)}`;
    if (isHTTPError(error)) {
      const detail = options.describeErrorBody?.(error.data);
      throw fail(`${where} answered HTTP ${error.response.status}${detail ? `: ${detail}` : ''}`, error);
    }
    if (error instanceof SyntaxError) throw fail(`${where} did not return JSON`, error);
    throw fail(`${where} failed: ${describeCause(error)}`, error);
  }
}

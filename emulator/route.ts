import type { IncomingHttpHeaders } from 'node:http';
import type { AuthOptions } from './auth';
import type { PoolStore } from './pool-store';
import type { TokenStore } from './tokens';

/** Every API the emulator serves, by the name faults, failNext and the request log use. */
export type RouteName =
  | 'listPools'
  | 'getPool'
  | 'createPool'
  | 'patchPool'
  | 'iamToken'
  | 'workloadStats'
  | 'listWorkloads'
  | 'listNodes'
  | 'getNode'
  | 'drainNodes'
  | 'undrainNodes'
  | 'deleteNodes';

/** What a route handler can reach: the emulator's state, never the raw socket. */
export interface EmulatorState {
  projectId: string;
  pools: PoolStore;
  tokens: TokenStore;
  auth: AuthOptions;
  now(): number;
}

export interface RouteContext {
  /** Path parameters by template name (`project_id`, `pool_name`), URL-decoded. */
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string | undefined;
  state: EmulatorState;
}

export interface RouteResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface Route {
  name: RouteName;
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** Path template, e.g. `/v2/{project_id}/pools/{pool_name}`. A `{project_id}` segment must match the emulator's. */
  path: string;
  /** `modelarts`: subject to AK/SK or IAM-token checks in verify mode. `none`: the IAM token route itself. */
  auth: 'modelarts' | 'none';
  handle(ctx: RouteContext): RouteResult | Promise<RouteResult>;
}

/**
 * Admin routes another file adds (e.g. the workload queues): `handle` answers its own paths and returns undefined
 * for any other; `reset` puts its state back on POST /__admin/reset.
 */
export interface AdminExtension {
  handle(
    method: string,
    path: string,
    body: string | undefined,
    state: EmulatorState,
  ): RouteResult | undefined;
  reset?(state: EmulatorState): void;
}

/** A ModelArts-style error answer: `{"error_code","error_msg"}` with the given status. */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly status: number,
    readonly errorCode: string,
    readonly errorMsg: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(`${status} ${errorCode}: ${errorMsg}`);
  }

  toResult(): RouteResult {
    return {
      status: this.status,
      body: { error_code: this.errorCode, error_msg: this.errorMsg },
      headers: this.headers,
    };
  }
}

/** Codes ModelArts documents (update-pool.txt, create-pool.txt, related-apis.md §6). */
export const ErrorCodes = {
  badRequest: 'ModelArts.50004000',
  invalidToken: 'ModelArts.50001000',
  poolNotFound: 'ModelArts.50015001',
  poolExists: 'ModelArts.50015000',
  internal: 'ModelArts.50005000',
  poolNotRunning: 'ModelArts.2887',
  tooManyRequests: 'ModelArts.2799',
  operationsConflict: 'ModelArts.5044',
  // No code is published for a project the caller may not use; this one follows the 8-digit pattern.
  forbiddenProject: 'ModelArts.50003000',
  // No code is published for an unknown node (batch-delete's docs give only the message); chosen likewise.
  nodeNotFound: 'ModelArts.50015002',
  signatureFailed: 'APIGW.0301',
  signatureExpired: 'APIGW.0303',
  noSuchApi: 'APIGW.0101',
} as const;

export const badRequest = (message: string) => new ApiError(400, ErrorCodes.badRequest, message);
export const poolNotFound = (name: string) =>
  new ApiError(404, ErrorCodes.poolNotFound, `Pool ${name} not found.`);

/** Parses a JSON request body, or refuses it with a 400 that says why. */
export function jsonBody(body: string | undefined): unknown {
  if (body === undefined || body.trim() === '')
    throw badRequest('request body is empty; expected a JSON object');
  try {
    return JSON.parse(body);
  } catch (error) {
    throw badRequest(`request body is not valid JSON: ${(error as Error).message}`);
  }
}

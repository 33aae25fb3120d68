import type { IncomingHttpHeaders } from 'node:http';
import { ErrorCodes } from '../lib/modelarts/error-codes';
import type { UpdateRefusal } from '../lib/modelarts/update-rules';
import type { AuthOptions } from './auth-options';
import type { FlavorStockStore } from './flavor-stock';
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
  | 'deleteNodes'
  | 'listFlavors';

/** What a route handler can reach: the emulator's state, never the raw socket. */
export interface EmulatorState {
  projectId: string;
  pools: PoolStore;
  /** Per-AZ stock of the flavors GET /v1/{project_id}/resourceflavors lists. */
  flavorStock: FlavorStockStore;
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

/** A ModelArts-style error answer: `{"error_code","error_msg"}` with the given status; the emulator's one error. */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly status: number,
    readonly errorCode: string,
    readonly errorMsg: string,
    readonly headers: Record<string, string> = {},
    options?: { cause?: unknown },
  ) {
    super(`${status} ${errorCode}: ${errorMsg}`, options);
  }

  /** The answer for an update ModelArts refuses. */
  static refusing(refusal: UpdateRefusal): ApiError {
    return new ApiError(refusal.status, refusal.errorCode, refusal.message);
  }

  toResult(): RouteResult {
    return {
      status: this.status,
      body: { error_code: this.errorCode, error_msg: this.errorMsg },
      headers: this.headers,
    };
  }
}

export const badRequest = (message: string, options?: { cause?: unknown }) =>
  new ApiError(400, ErrorCodes.badRequest, message, {}, options);
export const poolNotFound = (name: string) =>
  new ApiError(404, ErrorCodes.poolNotFound, `Pool ${name} not found.`);

/** Parses a JSON request body, or refuses it with a 400 that says why. */
export function jsonBody(body: string | undefined): unknown {
  if (body === undefined || body.trim() === '')
    throw badRequest('request body is empty; expected a JSON object');
  try {
    return JSON.parse(body);
  } catch (error) {
    throw badRequest(`request body is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
}

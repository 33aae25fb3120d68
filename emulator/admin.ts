// Admin routes under /__admin/, for people and other processes (a simulator, a second test runner). They skip
// auth and faults and are not recorded in the request log.

import { z } from 'zod';
import { formatProblems, toFieldProblems } from '../lib/modelarts/schema-error';
import type { Pool } from '../lib/modelarts/schemas';
import {
  type FailNextFault,
  FailNextFaultSchema,
  type FaultRules,
  FaultRulesSchema,
  ROUTE_NAMES,
} from './faults';
import type { RecordedRequest } from './request-log';
import { ApiError, badRequest, jsonBody, poolNotFound, type RouteName, type RouteResult } from './route';

export interface AdminControl {
  readonly requests: readonly RecordedRequest[];
  clearRequests(): void;
  pools(): Pool[];
  setPool(name: string, change: PoolChange): Pool | undefined;
  setFaults(rules: FaultRules): void;
  failNext(route: RouteName, count: number, fault: FailNextFault): void;
  revokeTokens(): void;
  setDateOffset(ms: number): void;
  reset(): void;
}

const PoolChangeSchema = z.strictObject({
  controlMode: z.number().int().nonnegative().optional(),
  phase: z.string().min(1).optional(),
});
export type PoolChange = z.infer<typeof PoolChangeSchema>;

const ClockSchema = z.strictObject({ dateOffsetMs: z.number().int() });

const FailNextSchema = z.strictObject({
  route: z.enum(ROUTE_NAMES),
  count: z.number().int().positive().default(1),
  fault: FailNextFaultSchema,
});

export function handleAdmin(
  method: string,
  path: string,
  query: URLSearchParams,
  body: string | undefined,
  control: AdminControl,
): RouteResult {
  const ok = (result: unknown = { ok: true }): RouteResult => ({ status: 200, body: result });
  const poolPath = /^\/__admin\/pools\/([^/]+)$/.exec(path);
  switch (`${method} ${poolPath ? '/__admin/pools/{name}' : path}`) {
    case 'GET /__admin/requests': {
      const route = query.get('route');
      return ok(
        route === null ? control.requests : control.requests.filter((request) => request.route === route),
      );
    }
    case 'DELETE /__admin/requests':
      control.clearRequests();
      return ok();
    case 'GET /__admin/pools':
      return ok(control.pools());
    case 'POST /__admin/pools/{name}': {
      const name = decodeURIComponent(poolPath?.[1] ?? '');
      const pool = control.setPool(name, validated(PoolChangeSchema, body));
      if (!pool) throw poolNotFound(name);
      return ok(pool);
    }
    case 'POST /__admin/faults': {
      const rules = validated(FaultRulesSchema, body);
      control.setFaults(rules);
      return ok(rules);
    }
    case 'POST /__admin/fail-next': {
      const { route, count, fault } = validated(FailNextSchema, body);
      control.failNext(route, count, fault);
      return ok();
    }
    case 'POST /__admin/clock': {
      const { dateOffsetMs } = validated(ClockSchema, body);
      control.setDateOffset(dateOffsetMs);
      return ok({ dateOffsetMs });
    }
    case 'POST /__admin/revoke-tokens':
      control.revokeTokens();
      return ok();
    case 'POST /__admin/reset':
      control.reset();
      return ok();
    default:
      throw new ApiError(404, 'Emulator.NoSuchAdminRoute', `no admin route ${method} ${path}`);
  }
}

/** An admin body checked against `schema` (an empty body is `{}`), or a 400 naming each bad field. */
export function validated<T extends z.ZodType>(schema: T, body: string | undefined): z.infer<T> {
  const parsed = schema.safeParse(body === undefined || body.trim() === '' ? {} : jsonBody(body));
  if (!parsed.success) throw badRequest(formatProblems(toFieldProblems(parsed.error.issues)));
  return parsed.data;
}

import type { IncomingHttpHeaders } from 'node:http';
import { flatHeaders } from './http';
import type { RouteName } from './route';

export interface RecordedRequest {
  route: RouteName | 'unknown';
  method: string;
  path: string;
  query: Record<string, string | string[]>;
  /** Lower-case names; token headers are redacted. */
  headers: Record<string, string>;
  /** The raw body; an IAM password in it is redacted. */
  body?: string;
  /** The status answered; 0 when the connection was dropped or left hanging. */
  status: number;
  /** Arrival time on the emulator's clock (epoch ms). */
  at: number;
}

export const REDACTED = '[redacted]';
// Tokens are bearer secrets; an AK/SK Authorization header is only an HMAC and stays readable for tests.
const SECRET_HEADERS = new Set(['x-auth-token', 'x-subject-token', 'x-security-token']);

export function recordedHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out = flatHeaders(headers);
  for (const name of Object.keys(out)) if (SECRET_HEADERS.has(name)) out[name] = REDACTED;
  return out;
}

export function recordedQuery(query: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const key of new Set(query.keys())) {
    const values = query.getAll(key);
    out[key] = values.length === 1 ? (values[0] as string) : values;
  }
  return out;
}

/** The body as logged: an IAM password identity keeps its shape with the password replaced. */
export function recordedBody(route: RouteName | 'unknown', body: string | undefined): string | undefined {
  if (body === undefined || route !== 'iamToken') return body;
  try {
    const parsed = JSON.parse(body);
    const user = parsed?.auth?.identity?.password?.user;
    if (user && typeof user === 'object' && 'password' in user) user.password = REDACTED;
    return JSON.stringify(parsed);
  } catch {
    return REDACTED;
  }
}

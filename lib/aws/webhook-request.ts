// What the webhook accepts: POST /scale, `Content-Type: application/json`, at most 16 KiB, signed (see
// webhook-signature.ts), with a body naming a pool and flavor and either a backlog figure or a minimum
// node count. Each check answers with the status and a JSON body naming the problem; nothing here
// decides scaling: the request only becomes a pushed backlog or floor for the cycle, which can raise a
// target with it but never lower one.

import { z } from 'zod';
import { headerValue } from './webhook-signature';

export const WEBHOOK_MAX_BODY_BYTES = 16 * 1024;

export const ScaleRequestSchema = z
  .strictObject({
    pool: z.string().min(1).max(128).describe("The pool's metadata.name."),
    flavor: z.string().min(1).max(128).describe('The flavor to raise.'),
    backlog: z
      .number()
      .finite()
      .nonnegative()
      .optional()
      .describe('Queued plus running work, in the flavor unit.'),
    minCount: z
      .number()
      .int()
      .min(1)
      .max(10_000)
      .optional()
      .describe('Nodes the flavor should have at least.'),
    connection: z
      .string()
      .min(1)
      .max(128)
      .optional()
      .describe("The pool's connection, to ask only that one."),
    dryRun: z.boolean().optional().describe('true: answer with the plan, change nothing.'),
  })
  .refine((request) => request.backlog !== undefined || request.minCount !== undefined, {
    message: 'set backlog or minCount (or both)',
    path: ['backlog'],
  });

export type ScaleRequest = z.output<typeof ScaleRequestSchema>;

export interface FieldProblem {
  field: string;
  message: string;
}

export interface Rejection {
  status: 400 | 401 | 413 | 415;
  error: 'invalid-request' | 'invalid-json' | 'unauthorized' | 'body-too-large' | 'unsupported-media-type';
  message: string;
  problems?: FieldProblem[];
}

export type Checked<T> = { ok: true; value: T } | { ok: false; rejection: Rejection };

export interface RawHttpRequest {
  headers?: Record<string, string | undefined>;
  body?: string | null;
  isBase64Encoded?: boolean;
}

const reject = <T>(rejection: Rejection): Checked<T> => ({ ok: false, rejection });

/** The body bytes as the client sent them (base64-decoded when API Gateway encoded them), within the limit. */
export function readRawBody(request: RawHttpRequest, limit = WEBHOOK_MAX_BODY_BYTES): Checked<Buffer> {
  const body = request.body ?? '';
  // Checked on the encoded length first, so an oversized body is refused without being decoded.
  const upperBound = request.isBase64Encoded
    ? Math.floor((body.length * 3) / 4)
    : Buffer.byteLength(body, 'utf8');
  const tooLarge = (): Checked<Buffer> =>
    reject({ status: 413, error: 'body-too-large', message: `the body must be at most ${limit} bytes` });
  if (upperBound > limit + 2) return tooLarge();
  const raw = request.isBase64Encoded ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8');
  return raw.length > limit ? tooLarge() : { ok: true, value: raw };
}

export function checkContentType(request: RawHttpRequest): Checked<true> {
  const mediaType = headerValue(request.headers ?? {}, 'content-type')
    ?.split(';')[0]
    ?.trim()
    .toLowerCase();
  if (mediaType === 'application/json') return { ok: true, value: true };
  return reject({
    status: 415,
    error: 'unsupported-media-type',
    message: 'the Content-Type must be application/json',
  });
}

export function parseScaleRequest(raw: Buffer): Checked<ScaleRequest> {
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch {
    return reject({ status: 400, error: 'invalid-json', message: 'the body is not valid JSON' });
  }
  const parsed = ScaleRequestSchema.safeParse(json);
  if (parsed.success) return { ok: true, value: parsed.data };
  const problems = parsed.error.issues.map((issue) => ({
    field: issue.path.length > 0 ? issue.path.join('.') : '(body)',
    message: issue.message,
  }));
  return reject({
    status: 400,
    error: 'invalid-request',
    message: problems.map((problem) => `${problem.field}: ${problem.message}`).join('; '),
    problems,
  });
}

/** The connection the request names, checked against the config; none named: the cycle finds the pool's. */
export function resolveConnection(
  connections: readonly { name: string }[],
  requested: string | undefined,
): Checked<string | undefined> {
  if (requested === undefined || connections.some((connection) => connection.name === requested)) {
    return { ok: true, value: requested };
  }
  const message = 'not a connection of the config';
  return reject({
    status: 400,
    error: 'invalid-request',
    message: `connection: ${message}`,
    problems: [{ field: 'connection', message }],
  });
}

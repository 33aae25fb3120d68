// The webhook under hostile input: bodies of every shape (validly signed, so they reach the parser),
// header sets, and signatures. Whatever arrives: no crash (no 500, no throw), a JSON answer naming the
// problem, no ModelArts call before the request is proven authentic and valid, and a PATCH only to raise
// the flavor asked for, exactly as far as the request and the config allow.

import { createHmac } from 'node:crypto';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, type RecordedRequest, startEmulator } from '../../emulator/server';
import { makeHandler } from '../../functions/webhook';
import { createMemoryStateStore } from '../../lib/state/memory';
import { createMemoryReplayGuard } from '../../lib/state/replay';
import { lambdaContext } from '../functions/harness';
import { recordFigures } from './figures';
import { CPU, countsOf, fleet, fleetConfig, GPU, poolOfPath, RAISE_ONLY_RULES, targetEntries } from './fleet';
import { FUZZ_RUNS, hostileValue, mutated } from './hostile';
import { invocationDeps, type SampleEvents, sampleEvents, webhookEvent } from './invocations';
import { LONG_TEST_MS } from './ledger';
import { type CapturedOutput, captureRawOutput } from './output';
import { SENTINEL, SecretScan, sentinelEmulatorAuth } from './sentinels';

const T0 = Date.UTC(2026, 0, 8, 9, 0, 0);
const MAX_NODES = 20;
const MAX_BODY = 16 * 1024;
const { pools, members } = fleet(6);
const scalable = members.filter((member) => member.scalable);
const names = members.map((member) => member.name);
const clock = T0;

let emulator: Emulator;
let handler: ReturnType<typeof makeHandler>;
let events: SampleEvents;
let output: CapturedOutput;
const secrets = new SecretScan();
const cases = { webhookBodies: 0, webhookHeaders: 0, webhookSignatures: 0 };
/** The count each flavor's static backlog asks for: the pools' seed counts (2 jobs per node). */
const configured = new Map(pools.map((pool) => [pool.metadata.name, countsOf(pool.spec.resources)]));

beforeAll(async () => {
  emulator = await startEmulator({
    pools,
    auth: sentinelEmulatorAuth(),
    now: () => clock,
    transitionMs: 1_000,
  });
  const config = fleetConfig({
    endpoint: emulator.url,
    projectId: emulator.projectId,
    rules: RAISE_ONLY_RULES,
    pools: targetEntries(configured),
  });
  const deps = invocationDeps({ config, store: createMemoryStateStore(), now: () => clock });
  handler = makeHandler({
    ...deps,
    webhookSecrets: async () => [SENTINEL.webhookSecret],
    replay: createMemoryReplayGuard({ now: () => clock }),
  });
  events = await sampleEvents();
  output = captureRawOutput();
});
afterAll(async () => {
  output?.restore();
  await emulator?.close();
});

interface Answer {
  status: number;
  body: Record<string, unknown>;
  requests: RecordedRequest[];
  before: Map<string, Record<string, number>>;
}

let invocation = 0;
/** Answers by status (and 202s by outcome), per property: proof that each covered what it claims. */
let seen: Record<string, number> = {};
const covered = () => {
  const counts = seen;
  seen = {};
  return counts;
};

async function invoke(event: APIGatewayProxyEventV2): Promise<Answer> {
  const before = new Map(names.map((name) => [name, countsOf(emulator.pool(name)?.spec.resources ?? [])]));
  const first = emulator.requests.length;
  const response = (await handler(
    event,
    lambdaContext(`fuzz-webhook-${invocation++}`),
  )) as APIGatewayProxyStructuredResultV2;
  secrets.scan('webhook response', response);
  secrets.scan('webhook output', output.drain());
  const status = response.statusCode ?? 0;
  // Never a crash: every answer is one of these, as JSON, and every refusal says what is wrong.
  expect([202, 400, 401, 404, 409, 413, 415, 502]).toContain(status);
  expect(response.headers?.['content-type']).toBe('application/json');
  const body = JSON.parse(response.body ?? '') as Record<string, unknown>;
  const kind = status === 202 ? `202 ${body.outcome}` : String(status);
  seen[kind] = (seen[kind] ?? 0) + 1;
  if (status !== 202) {
    expect(body.error).toEqual(expect.any(String));
    expect(String(body.message)).not.toBe('');
  }
  const requests = emulator.requests.slice(first);
  // Refused before the cycle: ModelArts was never asked anything.
  if ([400, 401, 413, 415].includes(status)) expect(requests).toEqual([]);
  for (const patch of requests.filter((request) => request.route === 'patchPool')) {
    expect(status).toBe(202);
    expect(body.outcome).toBe('patched');
    // A webhook only raises: no flavor of the pool goes down, none goes past max.
    const pool = poolOfPath(patch.path);
    const sent = countsOf(
      (JSON.parse(patch.body ?? '{}') as { spec: { resources: { flavor: string; count: number }[] } }).spec
        .resources,
    );
    const was = before.get(pool) ?? {};
    expect(Object.keys(sent)).toEqual(Object.keys(was));
    for (const [flavor, count] of Object.entries(sent)) {
      expect(count).toBeGreaterThanOrEqual(was[flavor] ?? Number.POSITIVE_INFINITY);
      expect(count).toBeLessThanOrEqual(MAX_NODES);
    }
  }
  return { status, body, requests, before };
}

// An independent reading of what the webhook accepts (lib/aws/webhook-request.ts documents it).
const KEYS = new Set(['pool', 'flavor', 'backlog', 'minCount', 'connection', 'dryRun']);
const name128 = (value: unknown) => typeof value === 'string' && value.length >= 1 && value.length <= 128;
interface ScaleRequest {
  pool: string;
  flavor: string;
  backlog?: number;
  minCount?: number;
  connection?: string;
  dryRun?: boolean;
}
function acceptable(value: unknown): value is ScaleRequest {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const r = value as Record<string, unknown>;
  if (Object.keys(r).some((key) => !KEYS.has(key))) return false;
  const backlogOk =
    r.backlog === undefined ||
    (typeof r.backlog === 'number' && Number.isFinite(r.backlog) && r.backlog >= 0);
  const minOk =
    r.minCount === undefined ||
    (typeof r.minCount === 'number' &&
      Number.isInteger(r.minCount) &&
      r.minCount >= 1 &&
      r.minCount <= 10_000);
  return (
    name128(r.pool) &&
    name128(r.flavor) &&
    backlogOk &&
    minOk &&
    (r.backlog !== undefined || r.minCount !== undefined) &&
    (r.connection === undefined || name128(r.connection)) &&
    (r.dryRun === undefined || typeof r.dryRun === 'boolean')
  );
}

/** What a valid request for a managed pool must do to its flavor: raise it to exactly this, or hold it. */
function expectedCount(
  request: ScaleRequest,
  before: Record<string, number>,
  configuredCount: number,
): number {
  const current = before[request.flavor] ?? 0;
  const fromBacklog = Math.ceil(Math.max(configuredCount * 2, request.backlog ?? 0) / 2);
  return Math.max(current, Math.min(MAX_NODES, Math.max(fromBacklog, request.minCount ?? 0)));
}

function judgeRequest(raw: Buffer, answer: Answer): void {
  if (raw.length > MAX_BODY) return void expect(answer.status).toBe(413);
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch {
    return void expect(answer.status).toBe(400);
  }
  if (!acceptable(json)) return void expect(answer.status).toBe(400);
  if (json.connection !== undefined && json.connection !== 'emu') return void expect(answer.status).toBe(400);
  const member = members.find((m) => m.name === json.pool);
  if (!member) {
    // Not a pool of this autoscaler: refused, nothing sent but the GET that found out.
    expect([404, 502]).toContain(answer.status);
    expect(answer.requests.length).toBeLessThanOrEqual(1);
    return void expect(answer.requests.every((r) => r.route === 'getPool')).toBe(true);
  }
  expect([202, 409]).toContain(answer.status);
  const patches = answer.requests.filter((r) => r.route === 'patchPool');
  if (
    !member.scalable ||
    json.dryRun === true ||
    !member.flavors.includes(json.flavor) ||
    answer.status === 409
  )
    return void expect(patches).toEqual([]);
  const before = answer.before.get(member.name) ?? {};
  const want = expectedCount(json, before, configured.get(member.name)?.[json.flavor] ?? 0);
  const after = countsOf(emulator.pool(member.name)?.spec.resources ?? []);
  expect(after).toEqual({ ...before, [json.flavor]: want });
  expect(patches).toHaveLength(want === before[json.flavor] ? 0 : 1);
}

const scaleFields = fc.record(
  {
    pool: fc.oneof(fc.constantFrom(...names), hostileValue),
    flavor: fc.oneof(fc.constantFrom(CPU, GPU), hostileValue),
    backlog: fc.oneof(fc.nat(60), fc.double({ min: 0, max: 100, noNaN: true }), hostileValue),
    minCount: fc.oneof(fc.integer({ min: 1, max: 30 }), hostileValue),
    connection: fc.oneof(fc.constant('emu'), hostileValue),
    dryRun: fc.oneof(fc.boolean(), hostileValue),
  },
  { requiredKeys: [] },
);
const validRequest = fc.record({
  pool: fc.constantFrom(...scalable.map((m) => m.name)),
  flavor: fc.constantFrom(CPU, GPU),
  minCount: fc.integer({ min: 1, max: 25 }),
});

/** Raw request bodies: near-valid objects, mutated valid ones, any JSON, any text, any bytes, too many bytes. */
const rawBody: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 4, arbitrary: scaleFields.map((fields) => Buffer.from(JSON.stringify(fields))) },
  {
    weight: 2,
    arbitrary: validRequest
      .chain((request) => mutated(request))
      .map((value) => Buffer.from(JSON.stringify(value) ?? '')),
  },
  fc.jsonValue().map((value) => Buffer.from(JSON.stringify(value))),
  fc.string({ unit: 'binary', maxLength: 300 }).map((text) => Buffer.from(text)),
  fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
  fc
    .integer({ min: MAX_BODY - 8, max: MAX_BODY + 64 })
    .map((size) => Buffer.from(`{"pool":"${'p'.repeat(size)}"}`).subarray(0, size)),
);

describe('the webhook under hostile input', { timeout: LONG_TEST_MS }, () => {
  it('answers every validly signed body with a clear status, and PATCHes only to raise as asked', async () => {
    await fc.assert(
      fc.asyncProperty(rawBody, fc.boolean(), async (raw, base64) => {
        cases.webhookBodies += 1;
        // API Gateway base64-encodes binary bodies; a text body reaches the handler as its UTF-8 bytes.
        const body = base64 ? raw.toString('base64') : raw.toString('utf8');
        const sentRaw = base64 ? raw : Buffer.from(body, 'utf8');
        const event = webhookEvent(events.webhook, body, clock);
        const answer = await invoke({
          ...event,
          headers: { ...event.headers, ...signedHeaders(sentRaw) },
          isBase64Encoded: base64,
        });
        judgeRequest(sentRaw, answer);
      }),
      { numRuns: FUZZ_RUNS, seed: 0x3e6b },
    );
    expect(Object.keys(covered()).sort()).toEqual(
      expect.arrayContaining(['202 dry-run', '202 patched', '202 unchanged', '400', '404', '413']),
    );
  });

  it('refuses any header set that does not prove the request, before any ModelArts call', async () => {
    const headerName = fc
      .string({ minLength: 1, maxLength: 20 })
      .filter((name) => !RESERVED.has(name.toLowerCase()));
    const keep = <T>(changed: fc.Arbitrary<T>) =>
      fc.oneof({ weight: 3, arbitrary: fc.constant('keep' as const) }, changed);
    await fc.assert(
      fc.asyncProperty(
        validRequest,
        keep(fc.constantFrom('remove', 'upper-name', 'padded', 'hostile' as const)),
        keep(fc.constantFrom('remove', 'upper-name', 'padded', 'hostile', 'stale' as const)),
        keep(
          fc.constantFrom(
            'remove',
            'text/plain',
            'application/json; charset=utf-8',
            'APPLICATION/JSON',
            'application/jsonx',
            '' as const,
          ),
        ),
        fc.dictionary(headerName, fc.string({ maxLength: 40 }), { maxKeys: 6 }),
        fc.string({ maxLength: 80 }),
        async (request, signature, timestamp, contentType, extra, hostile) => {
          cases.webhookHeaders += 1;
          const body = JSON.stringify(request);
          const headers: Record<string, string> = {
            ...extra,
            'content-type': 'application/json',
            ...signedHeaders(Buffer.from(body)),
          };
          alter(headers, 'x-autoscaler-signature', signature, hostile);
          alter(headers, 'x-autoscaler-timestamp', timestamp, hostile);
          if (contentType === 'remove') delete headers['content-type'];
          else if (contentType !== 'keep') headers['content-type'] = contentType;
          const event = webhookEvent(events.webhook, body, clock);
          const answer = await invoke({
            ...event,
            headers: { ...withoutReserved(event.headers), ...headers },
          });

          const typeOk = ['keep', 'application/json; charset=utf-8', 'APPLICATION/JSON'].includes(
            contentType,
          );
          const authentic =
            ['keep', 'upper-name', 'padded'].includes(signature) &&
            ['keep', 'upper-name', 'padded'].includes(timestamp);
          if (!typeOk) expect(answer.status).toBe(415);
          else if (!authentic) expect(answer.status).toBe(401);
          else expect([202, 409]).toContain(answer.status);
        },
      ),
      { numRuns: FUZZ_RUNS, seed: 0x4ead },
    );
    expect(Object.keys(covered())).toEqual(expect.arrayContaining(['202 patched', '401', '415']));
  });

  it('accepts a signature only when it is the HMAC of this body and a fresh timestamp', async () => {
    const hex = (text: string) => text.toLowerCase();
    await fc.assert(
      fc.asyncProperty(
        validRequest,
        fc.oneof(fc.constant(0), fc.integer({ min: -400, max: 400 }), fc.integer({ min: -1e7, max: 1e7 })),
        fc.oneof(
          fc.constant({ kind: 'right' as const }),
          fc
            .constantFrom(
              'upper',
              'mixed',
              'prefix-upper',
              'no-prefix',
              'sha1-prefix',
              'truncated',
              'extended',
            )
            .map((kind) => ({ kind })),
          fc
            .string({ minLength: 1, maxLength: 40 })
            .map((secret) => ({ kind: 'other-secret' as const, secret })),
          fc.string({ maxLength: 40 }).map((body) => ({ kind: 'other-body' as const, body })),
          fc.stringMatching(/^[0-9a-f]{64}$/).map((digest) => ({ kind: 'random' as const, digest })),
          fc.string({ maxLength: 90 }).map((value) => ({ kind: 'garbage' as const, value })),
        ),
        async (request, skewSeconds, forged) => {
          cases.webhookSignatures += 1;
          const body = JSON.stringify(request);
          const timestamp = String(Math.floor(clock / 1000) + skewSeconds);
          const right = hmac(SENTINEL.webhookSecret, timestamp, body);
          const value = (() => {
            switch (forged.kind) {
              case 'right':
                return `sha256=${right}`;
              case 'upper':
                return `sha256=${right.toUpperCase()}`;
              case 'mixed':
                return `sha256=${[...right].map((c, i) => (i % 2 ? c.toUpperCase() : c)).join('')}`;
              case 'prefix-upper':
                return `SHA256=${right}`;
              case 'no-prefix':
                return right;
              case 'sha1-prefix':
                return `sha1=${right}`;
              case 'truncated':
                return `sha256=${right.slice(0, 63)}`;
              case 'extended':
                return `sha256=${right}0`;
              case 'other-secret':
                return `sha256=${hmac(forged.secret, timestamp, body)}`;
              case 'other-body':
                return `sha256=${hmac(SENTINEL.webhookSecret, timestamp, forged.body)}`;
              case 'random':
                return `sha256=${forged.digest}`;
              case 'garbage':
                return forged.value;
            }
          })();
          const event = webhookEvent(events.webhook, body, clock);
          const answer = await invoke({
            ...event,
            headers: {
              ...event.headers,
              'x-autoscaler-timestamp': timestamp,
              'x-autoscaler-signature': value,
            },
          });
          const fresh = Math.abs(skewSeconds) <= 300;
          const authentic =
            fresh && value.trim().startsWith('sha256=') && hex(value.trim().slice(7)) === right;
          if (authentic) expect([202, 409]).toContain(answer.status);
          else expect(answer.status).toBe(401);
        },
      ),
      { numRuns: FUZZ_RUNS, seed: 0x516e },
    );
    expect(Object.keys(covered())).toEqual(expect.arrayContaining(['202 unchanged', '401']));
  });

  afterAll(async () => {
    secrets.scanAll('emulator request', emulator.requests);
    await recordFigures('fuzz-webhook', { fuzzCases: cases, secrets: secrets.figures });
    expect(secrets.findings).toEqual([]);
  });
});

const RESERVED = new Set([
  'x-autoscaler-signature',
  'x-autoscaler-timestamp',
  'content-type',
  'content-length',
]);

const withoutReserved = (headers: Record<string, string | undefined> | undefined) =>
  Object.fromEntries(Object.entries(headers ?? {}).filter(([name]) => !RESERVED.has(name.toLowerCase())));

const hmac = (secret: string, timestamp: string, body: string | Buffer) =>
  createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');

/** The two headers a client that knows the secret sends for these bytes, signed now. */
function signedHeaders(raw: Buffer): Record<string, string> {
  const timestamp = String(Math.floor(clock / 1000));
  return {
    'x-autoscaler-timestamp': timestamp,
    'x-autoscaler-signature': `sha256=${hmac(SENTINEL.webhookSecret, timestamp, raw)}`,
  };
}

/** Changes one proof header; only 'upper-name' and 'padded' leave the proof intact. */
function alter(headers: Record<string, string>, name: string, change: string, hostile: string): void {
  const value = headers[name] ?? '';
  switch (change) {
    case 'remove':
      delete headers[name];
      break;
    case 'upper-name':
      delete headers[name];
      headers[name.toUpperCase()] = value;
      break;
    case 'padded':
      headers[name] = `  ${value}\t`;
      break;
    case 'hostile':
      headers[name] = hostile === value ? `${hostile}x` : hostile;
      break;
    case 'stale':
      headers[name] = String(Number(value) - 301);
      break;
  }
}

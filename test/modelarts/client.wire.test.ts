// Wire-level behaviour of the Pool API client against a scripted server on 127.0.0.1: what exactly goes
// out, how each kind of failure comes back, and that no secret leaks into an error.

import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { createModelArtsClient } from '../../lib/modelarts/client';
import type { ModelArtsClientOptions, ModelArtsRequestEvent } from '../../lib/modelarts/client-options';
import { akSkCredentials } from '../../lib/modelarts/credentials';
import {
  ModelArtsApiError,
  type ModelArtsError,
  ModelArtsNetworkError,
  ModelArtsOptionsError,
  PoolResponseError,
  RetryBudgetExceededError,
} from '../../lib/modelarts/errors';
import type { TokenProvider } from '../../lib/modelarts/iam-token';
import { verifySignature } from '../../lib/modelarts/signer';
import {
  type CapturedRequest,
  type Reply,
  type ScriptedServer,
  startScriptedServer,
} from './client-scripted-server';

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../fixtures/modelarts/${name}`, import.meta.url), 'utf8'));

const POOL = fixture('update-pool.response-200.json') as { metadata: { name: string } };
const POOL_NAME = POOL.metadata.name;
const PROJECT = '0123456789abcdef0123456789abcdef';
const AK = 'AKTESTACCESSKEY0001';
const SK = 'sk-Very-Secret-Do-Not-Leak-1234567890';
const SECURITY_TOKEN = 'st-temporary-security-token-do-not-leak';
const T0 = Date.parse('2024-01-01T00:00:00Z');

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(script: (request: CapturedRequest, index: number) => Reply) {
  server = await startScriptedServer(script);
  return server;
}

/** A fake clock that only moves when the client sleeps, plus a record of the sleeps. */
function clock(start = T0) {
  let now = start;
  const delays: number[] = [];
  return {
    delays,
    now: () => now,
    sleep: async (ms: number) => {
      delays.push(ms);
      now += ms;
    },
  };
}

function client(url: string, extra: Partial<ModelArtsClientOptions> = {}) {
  const time = clock();
  const events: ModelArtsRequestEvent[] = [];
  const api = createModelArtsClient({
    projectId: PROJECT,
    endpoint: url,
    auth: { type: 'none' },
    now: time.now,
    sleep: time.sleep,
    random: () => 0.5,
    onRequest: (event) => events.push(event),
    ...extra,
  });
  return { api, time, events };
}

const ok = (body: unknown = POOL): Reply => ({ status: 200, body });
const failure = (status: number, code: string, msg: string, headers: Record<string, string> = {}): Reply => ({
  status,
  headers,
  body: { error_code: code, error_msg: msg },
});

async function caught(promise: Promise<unknown>): Promise<ModelArtsError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  return error as ModelArtsError;
}

describe('requests on the wire', () => {
  it('lists pools with every filter encoded in the query', async () => {
    const { url, requests } = await serve(() => ok(fixture('list-pools.response-200.json')));
    const { api } = client(url);
    const result = await api.listPools({
      workspaceId: '0',
      labelSelector: 'os.modelarts/name=auto pool',
      status: 'created',
      parent: 'parent-pool',
    });
    expect(result.errors).toEqual([]);
    expect(result.pools.length).toBeGreaterThan(0);
    expect(requests[0]?.method).toBe('GET');
    expect(requests[0]?.url).toBe(
      `/v2/${PROJECT}/pools?labelSelector=os.modelarts%2Fname%3Dauto%20pool&parent=parent-pool&status=created&workspaceId=0`,
    );
  });

  it('reports a bad list item on its own and keeps the others', async () => {
    const { url } = await serve(() =>
      ok({ kind: 'PoolList', items: [POOL, { metadata: { name: 'broken' } }] }),
    );
    const { pools, errors } = await client(url).api.listPools();
    expect(pools.map((p) => p.metadata.name)).toEqual([POOL_NAME]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(PoolResponseError);
    expect(errors[0]?.pool).toBe('broken');
  });
});

describe('errors', () => {
  it('names method, path, status, code, message and request id', async () => {
    const { url } = await serve(() =>
      failure(409, 'ModelArts.5044', 'operations conflict', { 'x-request-id': 'abc' }),
    );
    const error = await caught(
      client(url).api.patchPool('pool-a', { spec: { resources: [{ flavor: 'f', count: 1 }] } }),
    );
    expect(error).toBeInstanceOf(ModelArtsApiError);
    expect(error.message).toBe(
      `PATCH /v2/${PROJECT}/pools/pool-a failed: 409 ModelArts.5044 operations conflict (request id abc)`,
    );
    expect(error).toMatchObject({
      status: 409,
      errorCode: 'ModelArts.5044',
      requestId: 'abc',
      retryable: false,
    });
  });

  it('reads the {"error":{"code","message"}} shape too', async () => {
    const { url } = await serve(() => ({
      status: 400,
      body: { error: { code: 'APIGW.0101', message: 'bad' } },
    }));
    const error = await caught(client(url).api.getPool('x'));
    expect(error).toMatchObject({ status: 400, errorCode: 'APIGW.0101', errorMsg: 'bad' });
  });

  it('does not quote a body that is not JSON', async () => {
    const { url } = await serve(() => ({ status: 502, body: '<html>Bad Gateway from proxy</html>' }));
    const error = await caught(client(url, { retry: { limit: 0 } }).api.getPool('x'));
    expect(error.cause).toBeInstanceOf(ModelArtsApiError);
    expect((error.cause as Error).message).toBe(`GET /v2/${PROJECT}/pools/x failed: 502 Bad Gateway`);
  });

  it('reports a connection dropped half-way through the body as a network error', async () => {
    const { url } = await serve(() => ({ dropMidBody: true }));
    const error = await caught(client(url, { retry: { limit: 1 } }).api.listPools());
    expect(error).toBeInstanceOf(RetryBudgetExceededError);
    expect(error.cause).toBeInstanceOf(ModelArtsNetworkError);
    expect((error.cause as ModelArtsError).kind).toBe('network');
  });

  it('reports a refused connection as a network error with its code', async () => {
    const { url } = await serve(() => ok());
    await server?.close();
    server = undefined;
    const error = await caught(client(url, { retry: { limit: 0 } }).api.listPools());
    expect(error.cause).toMatchObject({ kind: 'network', code: 'ECONNREFUSED' });
  });
});

describe('transport for other ModelArts APIs', () => {
  it('sends a GET through request() with retries, and stops when the caller aborts', async () => {
    const { url, requests } = await serve((_, i) =>
      i === 0 ? failure(500, 'ModelArts.50005000', 'internal') : ok({}),
    );
    const { api, events } = client(url);
    const text = await api.request({
      operation: 'listWorkloads',
      method: 'GET',
      path: `/v2/${PROJECT}/pools/${POOL_NAME}/workloads`,
      query: '?limit=10',
    });
    expect(text).toBe('{}');
    expect(requests.map((r) => r.url)).toEqual([
      `/v2/${PROJECT}/pools/${POOL_NAME}/workloads?limit=10`,
      `/v2/${PROJECT}/pools/${POOL_NAME}/workloads?limit=10`,
    ]);
    expect(events.map((e) => e.operation)).toEqual(['listWorkloads', 'listWorkloads']);

    const aborted = AbortSignal.abort();
    const error = await caught(
      api.request({ operation: 'listWorkloads', method: 'GET', path: '/x', signal: aborted }),
    );
    expect(error.name).toBe('AbortError');
    expect(requests).toHaveLength(2);
  });
});

describe('retries', () => {
  it('honours an HTTP-date Retry-After against the injected clock', async () => {
    const { url } = await serve((_, i) =>
      i === 0
        ? failure(429, 'ModelArts.2799', 'too many', { 'retry-after': 'Mon, 01 Jan 2024 00:00:07 GMT' })
        : ok(),
    );
    const { api, time } = client(url);
    await api.getPool(POOL_NAME);
    expect(time.delays).toEqual([7000]);
  });
});

describe('AK/SK signing', () => {
  // The masked credentials object of credentials.ts: its SK is non-enumerable, so a spread copy has none.
  const credentials = akSkCredentials({ ak: AK, sk: SK, securityToken: SECURITY_TOKEN });
  const verify = (request: CapturedRequest, at: number) =>
    verifySignature(
      {
        method: request.method,
        url: request.url,
        host: String(request.headers.host),
        headers: Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, String(v)])),
        body: request.body,
      },
      (ak) => (ak === AK ? SK : undefined),
      new Date(at),
    );

  it('signs every attempt afresh over exactly what goes out', async () => {
    const { url, requests } = await serve((_, i) =>
      i === 0 ? failure(503, 'ModelArts.50005000', 'internal error', { 'retry-after': '5' }) : ok(),
    );
    const { api } = client(url, { auth: { type: 'aksk', credentials } });
    await api.patchPool(POOL_NAME, { spec: { resources: [{ flavor: 'modelarts.vm.cpu.4ud', count: 3 }] } });
    expect(requests).toHaveLength(2);
    const [first, second] = requests as [CapturedRequest, CapturedRequest];
    expect(first.headers['x-sdk-date']).toBe('20240101T000000Z');
    expect(second.headers['x-sdk-date']).toBe('20240101T000005Z');
    expect(first.headers['x-project-id']).toBe(PROJECT);
    expect(first.headers['x-security-token']).toBe(SECURITY_TOKEN);
    expect(verify(first, T0)).toEqual({ ok: true, ak: AK });
    expect(verify(second, T0 + 5000)).toEqual({ ok: true, ak: AK });
  });

  it('signs a query with characters that need encoding', async () => {
    const { url, requests } = await serve(() => ok({ kind: 'PoolList', items: [] }));
    await client(url, { auth: { type: 'aksk', credentials } }).api.listPools({
      labelSelector: "a b/c=d!'()*+~",
    });
    expect(verify(requests[0] as CapturedRequest, T0)).toEqual({ ok: true, ak: AK });
  });

  it('keeps SK, security token and signature out of every error', async () => {
    const replies: Reply[] = [
      failure(401, 'APIGW.0301', 'verify aksk signature fail'),
      failure(503, 'ModelArts.50005000', 'internal error'),
      { drop: true },
      { dropMidBody: true },
      // ky's TimeoutError and NetworkError hold the signed Request: neither may end up in the chain.
      { hang: true },
    ];
    for (const reply of replies) {
      const { url, requests } = await serve(() => reply);
      const timeoutMs = 'hang' in reply ? 50 : 10_000;
      const options = { auth: { type: 'aksk', credentials }, retry: { limit: 1 }, timeoutMs } as const;
      const error = await caught(client(url, options).api.getPool(POOL_NAME));
      const authorization = String(requests[0]?.headers.authorization);
      const signature = authorization.split('Signature=')[1] ?? 'missing';
      expect(signature).toMatch(/^[0-9a-f]{64}$/);
      for (const dump of [
        inspect(error, { depth: Infinity, showHidden: true }),
        JSON.stringify(error),
        String(error),
      ]) {
        expect(dump).not.toContain(SK);
        expect(dump).not.toContain(SECURITY_TOKEN);
        expect(dump).not.toContain(signature);
        expect(dump).not.toContain('SDK-HMAC-SHA256');
      }
      await server?.close();
      server = undefined;
    }
  });
});

describe('token auth', () => {
  /** A token source that hands out tok-1, tok-2, ... and remembers what was invalidated. */
  function tokens(): TokenProvider & { invalidated: string[] } {
    let issued = 0;
    let current: string | undefined;
    const invalidated: string[] = [];
    return {
      invalidated,
      getToken: async () => {
        current ??= `tok-${++issued}`;
        return current;
      },
      invalidate: (token) => {
        invalidated.push(token);
        if (token === current) current = undefined;
      },
    };
  }

  it('sends X-Auth-Token, and on a 401 invalidates it and retries once with a fresh one', async () => {
    const { url, requests } = await serve((request) =>
      request.headers['x-auth-token'] === 'tok-2'
        ? ok()
        : failure(401, 'ModelArts.50001000', 'token is invalid'),
    );
    const provider = tokens();
    const { api, time } = client(url, { auth: { type: 'token', provider } });
    await api.getPool(POOL_NAME);
    expect(requests.map((r) => r.headers['x-auth-token'])).toEqual(['tok-1', 'tok-2']);
    expect(provider.invalidated).toEqual(['tok-1']);
    expect(time.delays).toEqual([]);
  });
});

describe('options', () => {
  const base: ModelArtsClientOptions = { projectId: PROJECT, region: 'cn-north-4', auth: { type: 'none' } };

  it.each([
    [{ projectId: '' }, 'projectId: must be a non-empty string'],
    [{ projectId: 'a/b' }, 'projectId: must contain only'],
    [{ region: undefined }, 'endpoint: either endpoint or region is required'],
    [{ timeoutMs: 0 }, 'timeoutMs: must be > 0'],
    [{ retry: { limit: -1 } }, 'retry.limit: must be >= 0'],
    [{ retry: { budgetMs: 1.5 } }, 'retry.budgetMs: must be an integer'],
    [{ auth: { type: 'aksk', credentials: { ak: AK } } }, 'auth.credentials.sk'],
    [{ auth: { type: 'token', provider: {} } }, 'auth.provider: must have getToken() and invalidate(token)'],
    [{ auth: { type: 'password' } }, 'auth.type: must be { type: "aksk" | "token" | "none", ... }'],
    [{ sleep: 5 }, 'sleep: must be a sleep function'],
    [{ retries: 3 }, 'retries'],
  ])('rejects %j naming the option', (patch, message) => {
    const options = { ...base, ...patch } as ModelArtsClientOptions;
    expect(() => createModelArtsClient(options)).toThrow(ModelArtsOptionsError);
    expect(() => createModelArtsClient(options)).toThrow(message);
  });

  it('never echoes a secret from a bad credentials object', () => {
    const options = {
      ...base,
      auth: { type: 'aksk', credentials: { ak: 42, sk: SK } },
    } as unknown as ModelArtsClientOptions;
    const error = (() => {
      try {
        createModelArtsClient(options);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ModelArtsOptionsError);
    expect(inspect(error, { depth: Infinity })).not.toContain(SK);
  });

  it('derives the endpoint from the region', () => {
    expect(createModelArtsClient(base).endpoint).toBe('https://modelarts.cn-north-4.myhuaweicloud.com');
  });
});

import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { type Emulator, startEmulator } from '../../emulator/server';
import {
  createIamTokenProvider,
  IamTokenError,
  type IamTokenProviderOptions,
  iamEndpointForRegion,
} from '../../lib/modelarts/iam-token';
import { type BodyHandler, type LocalServer, startLocalServer } from '../fixtures/signer/local-server';

const PASSWORD = 'pa55-w0rd-never-shown';
const user = { name: 'scaler', password: PASSWORD, domain: 'acme' };
const projectId = 'project-1';
const MINUTE = 60_000;
const T0 = Date.UTC(2024, 0, 1);

/** Everything an error exposes to a logger: message, properties, cause chain. */
const rendered = (error: unknown) =>
  `${inspect(error, { depth: 10, showHidden: true })} ${JSON.stringify(error)}`;

async function caught(promise: Promise<unknown>): Promise<IamTokenError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(IamTokenError);
    return error as IamTokenError;
  }
  throw new Error('expected the promise to reject');
}

describe('iamEndpointForRegion', () => {
  test('builds the regional IAM endpoint', () => {
    expect(iamEndpointForRegion('cn-north-4')).toBe('https://iam.cn-north-4.myhuaweicloud.com');
    expect(iamEndpointForRegion('eu-west-101')).toBe('https://iam.eu-west-101.myhuaweicloud.com');
  });

  test('rejects something that is not a region id', () => {
    expect(() => iamEndpointForRegion('cn north')).toThrow(/region "cn north" is not a region id/);
  });
});

describe('createIamTokenProvider against a local IAM server', () => {
  let clock = T0;
  let issued = 0;
  let ttlMs = 60 * MINUTE;
  let reply: BodyHandler;
  const bodies: unknown[] = [];
  const issueToken: BodyHandler = (_req, res) => {
    issued += 1;
    res.writeHead(201, { 'Content-Type': 'application/json', 'X-Subject-Token': `token-${issued}` });
    res.end(
      JSON.stringify({
        token: { expires_at: new Date(clock + ttlMs).toISOString(), project: { id: projectId } },
      }),
    );
  };
  const json =
    (status: number, body: unknown, headers: Record<string, string> = {}): BodyHandler =>
    (_req, res) => {
      res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
  let server: LocalServer;
  let endpoint = '';
  beforeAll(async () => {
    server = await startLocalServer(async (req, res, body) => {
      const { method, url } = req;
      bodies.push({ method, url, contentType: req.headers['content-type'], json: JSON.parse(body) });
      await reply(req, res, body);
    });
    endpoint = server.url;
  });
  afterAll(() => server.close());
  beforeEach(() => {
    clock = T0;
    issued = 0;
    ttlMs = 60 * MINUTE;
    reply = issueToken;
    bodies.length = 0;
  });

  const provider = (extra: Partial<IamTokenProviderOptions> = {}) =>
    createIamTokenProvider({ iamEndpoint: endpoint, user, projectId, now: () => clock, ...extra });

  test('POSTs a password identity scoped to the project and returns X-Subject-Token', async () => {
    expect(await provider().getToken()).toBe('token-1');
    expect(bodies).toEqual([
      {
        method: 'POST',
        url: '/v3/auth/tokens',
        contentType: 'application/json',
        json: {
          auth: {
            identity: {
              methods: ['password'],
              password: { user: { name: 'scaler', password: PASSWORD, domain: { name: 'acme' } } },
            },
            scope: { project: { id: projectId } },
          },
        },
      },
    ]);
  });

  test('caches the token until refreshBeforeMs before it expires', async () => {
    const tokens = provider({ refreshBeforeMs: 5 * MINUTE });
    expect(await tokens.getToken()).toBe('token-1');
    clock = T0 + 55 * MINUTE - 1;
    expect(await tokens.getToken()).toBe('token-1');
    expect(issued).toBe(1);
    clock = T0 + 55 * MINUTE;
    expect(await tokens.getToken()).toBe('token-2');
    expect(issued).toBe(2);
  });

  test('refreshes at half the lifetime when the token lives shorter than refreshBeforeMs', async () => {
    ttlMs = 4 * MINUTE;
    const tokens = provider({ refreshBeforeMs: 5 * MINUTE });
    expect(await tokens.getToken()).toBe('token-1');
    clock = T0 + 2 * MINUTE - 1;
    expect(await tokens.getToken()).toBe('token-1');
    clock = T0 + 2 * MINUTE;
    expect(await tokens.getToken()).toBe('token-2');
  });

  test('concurrent getToken calls share one request', async () => {
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    reply = async (req, res, body) => {
      await held;
      issueToken(req, res, body);
    };
    const tokens = provider();
    const pending = Array.from({ length: 5 }, () => tokens.getToken());
    // All five are waiting on the one request the server is holding.
    await new Promise((resolve) => setImmediate(resolve));
    release();
    expect(await Promise.all(pending)).toEqual(Array(5).fill('token-1'));
    expect(bodies).toHaveLength(1);
  });

  test('invalidate drops the token so the next getToken fetches a new one', async () => {
    const tokens = provider();
    expect(await tokens.getToken()).toBe('token-1');
    tokens.invalidate('token-1');
    expect(await tokens.getToken()).toBe('token-2');
    expect(issued).toBe(2);
  });

  test('invalidating an older token does not drop the current one', async () => {
    const tokens = provider();
    await tokens.getToken();
    tokens.invalidate('token-1');
    await tokens.getToken();
    tokens.invalidate('token-1');
    expect(await tokens.getToken()).toBe('token-2');
    expect(issued).toBe(2);
  });

  test('an IAM rejection becomes an IamTokenError with status, code and message, without the password', async () => {
    reply = json(401, {
      error: { code: 401, message: 'The username or password is wrong.', title: 'Unauthorized' },
    });
    const error = await caught(provider().getToken());
    expect(error).toMatchObject({
      name: 'IamTokenError',
      status: 401,
      errorCode: '401',
      errorMsg: 'The username or password is wrong.',
    });
    expect(error.message).toBe('IAM token request failed: 401 401 The username or password is wrong.');
    expect(rendered(error)).not.toContain(PASSWORD);
  });

  test('reads the gateway error shape too', async () => {
    reply = json(403, { error_code: 'APIGW.0302', error_msg: 'The IAM user is forbidden' });
    expect(await caught(provider().getToken())).toMatchObject({ status: 403, errorCode: 'APIGW.0302' });
  });

  test('an IAM message that quotes the password is scrubbed', async () => {
    reply = json(400, { error: { code: 400, message: `bad password ${PASSWORD} given` } });
    const error = await caught(provider().getToken());
    expect(error.message).toContain('bad password *** given');
    expect(rendered(error)).not.toContain(PASSWORD);
  });

  test.each([
    [
      'no X-Subject-Token',
      json(201, { token: { expires_at: '2030-01-01T00:00:00.000000Z' } }),
      /without an X-Subject-Token/,
    ],
    [
      'no expires_at',
      json(201, { token: {} }, { 'X-Subject-Token': 'token-x' }),
      /without a valid token.expires_at/,
    ],
    [
      'an unparsable expires_at',
      json(201, { token: { expires_at: 'soon' } }, { 'X-Subject-Token': 'token-x' }),
      /without a valid token.expires_at/,
    ],
    [
      'an expires_at in the past',
      json(201, { token: { expires_at: '2023-12-31T23:00:00.000000Z' } }, { 'X-Subject-Token': 'token-x' }),
      /already expired at 2023-12-31T23:00:00.000Z/,
    ],
  ])('a 201 with %s is an IamTokenError that does not quote the token', async (_, answer, message) => {
    reply = answer;
    const error = await caught(provider().getToken());
    expect(error.message).toMatch(message);
    expect(rendered(error)).not.toContain('token-x');
  });

  test('reads IAM microsecond timestamps', async () => {
    reply = json(
      201,
      { token: { expires_at: '2024-01-01T10:00:00.123456Z' } },
      { 'X-Subject-Token': 'token-µs' },
    );
    const tokens = provider({ refreshBeforeMs: 0 });
    expect(await tokens.getToken()).toBe('token-µs');
    clock = Date.UTC(2024, 0, 1, 10) + 123;
    reply = issueToken;
    expect(await tokens.getToken()).toBe('token-1');
  });

  test('a failed request is not cached: the next getToken tries again', async () => {
    reply = json(503, { error: { code: 503, message: 'busy' } });
    const tokens = provider();
    expect((await caught(tokens.getToken())).status).toBe(503);
    reply = issueToken;
    expect(await tokens.getToken()).toBe('token-1');
  });

  test('a failed early refresh keeps serving the unexpired token; once it expires the error surfaces', async () => {
    const tokens = provider({ refreshBeforeMs: 5 * MINUTE });
    expect(await tokens.getToken()).toBe('token-1');
    reply = json(500, { error: { code: 500, message: 'boom' } });
    clock = T0 + 58 * MINUTE;
    expect(await tokens.getToken()).toBe('token-1');
    clock = T0 + 60 * MINUTE;
    expect((await caught(tokens.getToken())).status).toBe(500);
  });

  test('an unreachable IAM is an IamTokenError with the socket error as cause and no password', async () => {
    const closed = await startLocalServer(() => {});
    await closed.close();
    const port = new URL(closed.url).port;
    const error = await caught(provider({ iamEndpoint: `http://127.0.0.1:${port}` }).getToken());
    expect(error.message).toContain(`IAM token request to http://127.0.0.1:${port}/v3/auth/tokens failed`);
    expect(error.status).toBeUndefined();
    expect(error.cause).toBeDefined();
    expect(rendered(error)).not.toContain(PASSWORD);
  });

  test('a hanging IAM times out as an IamTokenError', async () => {
    reply = () => {};
    const error = await caught(provider({ timeoutMs: 100 }).getToken());
    expect(error.message).toMatch(/timed out/i);
    expect(rendered(error)).not.toContain(PASSWORD);
  });

  test('uses the injected fetch', async () => {
    const seen: string[] = [];
    const tokens = provider({
      fetch: (input, init) => {
        seen.push(input instanceof Request ? input.url : String(input));
        return fetch(input, init);
      },
    });
    expect(await tokens.getToken()).toBe('token-1');
    expect(seen).toEqual([`${endpoint}/v3/auth/tokens`]);
  });

  test('rejects bad options naming the field, never the password', () => {
    const attempt = () =>
      createIamTokenProvider({
        iamEndpoint: 'iam.example.com',
        user: { ...user, domain: '' },
        projectId: '',
        refreshBeforeMs: -1,
      });
    expect(attempt).toThrow(IamTokenError);
    expect(attempt).toThrow(
      'invalid IAM token provider options: iamEndpoint must be an absolute URL; user.domain must be a non-empty string; projectId must be a non-empty string; refreshBeforeMs must be a finite number >= 0',
    );
  });
});

describe('createIamTokenProvider against the emulator IAM route', () => {
  let emulator: Emulator;
  let clock = T0;

  beforeEach(async () => {
    clock = T0;
    emulator = await startEmulator({
      auth: { mode: 'verify', users: [user], tokenTtlMs: 60 * MINUTE },
      now: () => clock,
    });
  });
  afterEach(async () => {
    await emulator.close();
  });

  const provider = (extra: Partial<IamTokenProviderOptions> = {}) =>
    createIamTokenProvider({
      iamEndpoint: emulator.url,
      user,
      projectId: emulator.projectId,
      now: () => clock,
      ...extra,
    });
  const listPools = (token: string) =>
    fetch(`${emulator.url}/v2/${emulator.projectId}/pools`, { headers: { 'X-Auth-Token': token } });

  test('the token it gets opens the ModelArts routes', async () => {
    const token = await provider().getToken();
    expect((await listPools(token)).status).toBe(200);
    expect(emulator.requests.map((r) => [r.route, r.status])).toEqual([
      ['iamToken', 201],
      ['listPools', 200],
    ]);
  });

  test('after a 401 (tokens revoked), invalidate and retry once gets a working token', async () => {
    const tokens = provider();
    const first = await tokens.getToken();
    emulator.revokeTokens();
    expect((await listPools(first)).status).toBe(401);
    tokens.invalidate(first);
    const second = await tokens.getToken();
    expect(second).not.toBe(first);
    expect((await listPools(second)).status).toBe(200);
  });

  test('refreshes before the emulator expires the token', async () => {
    const tokens = provider({ refreshBeforeMs: 5 * MINUTE });
    const first = await tokens.getToken();
    clock = T0 + 56 * MINUTE;
    const second = await tokens.getToken();
    expect(second).not.toBe(first);
    clock = T0 + 61 * MINUTE;
    expect((await listPools(first)).status).toBe(401);
    expect((await listPools(second)).status).toBe(200);
  });

  test('a wrong password is a 401 IamTokenError that does not contain it', async () => {
    const wrong = 'wrong-password-123';
    const error = await caught(provider({ user: { ...user, password: wrong } }).getToken());
    expect(error).toMatchObject({ status: 401, errorMsg: 'The username or password is wrong.' });
    expect(rendered(error)).not.toContain(wrong);
  });

  test('an injected IAM fault surfaces with its status and the next call recovers', async () => {
    emulator.failNext('iamToken', 1, { status: 503 });
    const tokens = provider();
    expect((await caught(tokens.getToken())).status).toBe(503);
    expect((await listPools(await tokens.getToken())).status).toBe(200);
  });
});

import { describe, expect, it } from 'vitest';
import type { Emulator, EmulatorOptions } from '../../emulator/server';
import { signRequest } from '../../lib/modelarts/signer';
import { sdkSign } from '../fixtures/signer/sdk-oracle';
import { call, emulatorFor, type Json, listPools, poolsPath, resize, seedPool, testClock } from './harness';

const AK = 'EMULATORACCESSKEY001';
const SK = 'emulator-secret-key-0123456789abcdef';
const USER = { name: 'scaler', password: 'correct horse battery staple', domain: 'example-domain' };
const TTL = 60 * 60 * 1000;
const MINUTE = 60_000;

async function verifying(extra: EmulatorOptions = {}) {
  const clock = testClock();
  const emulator = await emulatorFor({
    now: clock.now,
    auth: { mode: 'verify', credentials: { [AK]: SK }, users: [USER], tokenTtlMs: TTL },
    ...extra,
  });
  return { clock, emulator };
}

/** Sends a request signed by our signer with the given credentials and signing time. */
async function signed(
  emulator: Emulator,
  method: string,
  path: string,
  options: { body?: string; contentType?: string; sk?: string; ak?: string; at: number; projectId?: string },
) {
  const url = `${emulator.url}${path}`;
  const headers = signRequest(
    {
      method,
      url,
      headers: { 'Content-Type': options.contentType ?? 'application/json' },
      ...(options.body ? { body: options.body } : {}),
    },
    {
      ak: options.ak ?? AK,
      sk: options.sk ?? SK,
      ...(options.projectId ? { projectId: options.projectId } : {}),
    },
    new Date(options.at),
  );
  const response = await fetch(url, { method, headers, ...(options.body ? { body: options.body } : {}) });
  return { status: response.status, body: (await response.json()) as Json };
}

const tokenRequest = (projectId: string, user = USER) => ({
  auth: {
    identity: {
      methods: ['password'],
      password: { user: { name: user.name, password: user.password, domain: { name: user.domain } } },
    },
    scope: { project: { id: projectId } },
  },
});

describe('verify mode: AK/SK signatures', () => {
  it('accepts a correctly signed GET, PATCH (merge-patch, unsigned payload) and POST (hashed body)', async () => {
    const { clock, emulator } = await verifying();
    const at = clock.now();
    expect(
      (await signed(emulator, 'GET', `${poolsPath(emulator)}?labelSelector=team%3Dnlp`, { at })).status,
    ).toBe(200);
    const patch = JSON.stringify(resize({ flavor: 'modelarts.vm.cpu.4ud', count: 4 }));
    const patched = await signed(emulator, 'PATCH', poolsPath(emulator, seedPool('single-flavor-pool')), {
      at,
      body: patch,
      contentType: 'application/merge-patch+json',
    });
    expect(patched.status).toBe(200);
    const create = JSON.stringify({
      apiVersion: 'v2',
      kind: 'Pool',
      metadata: { labels: { 'os.modelarts/name': 'signed-pool' } },
      spec: {
        type: 'Dedicate',
        scope: ['Train'],
        network: { name: 'net' },
        resources: [{ flavor: 'f', count: 1 }],
      },
    });
    expect((await signed(emulator, 'POST', poolsPath(emulator), { at, body: create })).status).toBe(200);
  });

  it('accepts a request signed by the official Huawei Cloud Node SDK', async () => {
    const { clock, emulator } = await verifying();
    const path = poolsPath(emulator, seedPool('single-flavor-pool'));
    const data = resize({ flavor: 'modelarts.vm.cpu.4ud', count: 4 });
    const sdkDate = new Date(clock.now())
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d{3}/, '');
    const { host: _host, ...headers } = await sdkSign(
      {
        method: 'PATCH',
        endpoint: emulator.url,
        path,
        queryParams: {},
        headers: { 'content-type': 'application/json', 'X-Sdk-Date': sdkDate },
        data,
      },
      { ak: AK, sk: SK, projectId: emulator.projectId },
    );
    const response = await fetch(`${emulator.url}${path}`, {
      method: 'PATCH',
      headers,
      body: JSON.stringify(data),
    });
    expect(response.status).toBe(200);
  });

  it.each([
    ['a wrong secret key', { sk: 'not-the-secret' }, 'signature does not match'],
    ['an unknown access key', { ak: 'UNKNOWNACCESSKEY0000' }, 'unknown access key'],
  ])('refuses %s with 401 APIGW.0301', async (_case, creds, reason) => {
    const { clock, emulator } = await verifying();
    const { status, body } = await signed(emulator, 'GET', poolsPath(emulator), {
      at: clock.now(),
      ...creds,
    });
    expect([status, body.error_code]).toEqual([401, 'APIGW.0301']);
    expect(body.error_msg).toContain(reason);
    expect(JSON.stringify(body)).not.toContain(SK);
  });

  it('refuses a body changed after signing', async () => {
    const { clock, emulator } = await verifying();
    const url = `${emulator.url}${poolsPath(emulator)}`;
    const headers = signRequest(
      { method: 'POST', url, headers: { 'Content-Type': 'application/json' }, body: '{"a":1}' },
      { ak: AK, sk: SK },
      new Date(clock.now()),
    );
    const response = await fetch(url, { method: 'POST', headers, body: '{"a":2}' });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error_code: string }).error_code).toBe('APIGW.0301');
  });

  it('refuses a request with no credentials at all', async () => {
    const { emulator } = await verifying();
    const { status, body } = await listPools(emulator);
    expect([status, body.error_code]).toEqual([401, 'APIGW.0301']);
  });

  it('refuses X-Sdk-Date more than 15 minutes off with 401 APIGW.0303, and accepts 14 minutes', async () => {
    const { clock, emulator } = await verifying();
    const late = await signed(emulator, 'GET', poolsPath(emulator), { at: clock.now() - 16 * MINUTE });
    expect([late.status, late.body.error_code]).toEqual([401, 'APIGW.0303']);
    expect(late.body.error_msg).toMatch(
      /signature expired, signature time:\d{8}T\d{6}Z, server time:\d{8}T\d{6}Z/,
    );
    const early = await signed(emulator, 'GET', poolsPath(emulator), { at: clock.now() + 16 * MINUTE });
    expect(early.body.error_code).toBe('APIGW.0303');
    expect(
      (await signed(emulator, 'GET', poolsPath(emulator), { at: clock.now() - 14 * MINUTE })).status,
    ).toBe(200);
  });

  it('refuses a signed X-Project-Id of another project with 403', async () => {
    const { clock, emulator } = await verifying();
    const { status, body } = await signed(emulator, 'GET', poolsPath(emulator), {
      at: clock.now(),
      projectId: 'someone-else',
    });
    expect([status, body.error_code]).toEqual([403, 'ModelArts.50003000']);
  });
});

describe('verify mode: IAM tokens', () => {
  async function token(emulator: Emulator) {
    const answer = await call(emulator, 'POST', '/v3/auth/tokens', {
      body: tokenRequest(emulator.projectId),
    });
    return { ...answer, token: answer.headers.get('x-subject-token') ?? '' };
  }
  const withToken = (emulator: Emulator, value: string) =>
    call(emulator, 'GET', poolsPath(emulator), { headers: { 'X-Auth-Token': value } });

  it('issues a token (201, X-Subject-Token) that ModelArts routes accept until it expires', async () => {
    const { clock, emulator } = await verifying();
    const issued = await token(emulator);
    expect(issued.status).toBe(201);
    expect(issued.token).toMatch(/^MII/);
    expect(issued.body.token).toMatchObject({
      expires_at: new Date(clock.now() + TTL).toISOString(),
      issued_at: new Date(clock.now()).toISOString(),
      project: { id: emulator.projectId },
    });
    expect((await withToken(emulator, issued.token)).status).toBe(200);

    clock.advance(TTL);
    const expired = await withToken(emulator, issued.token);
    expect([expired.status, expired.body]).toEqual([
      401,
      { error_code: 'ModelArts.50001000', error_msg: 'token is invalid' },
    ]);
  });

  it('refuses a revoked token, whether revoked through the API, the admin route or a reset', async () => {
    const { emulator } = await verifying();
    const revokers = [
      () => emulator.revokeTokens(),
      () => call(emulator, 'POST', '/__admin/revoke-tokens'),
      () => call(emulator, 'POST', '/__admin/reset'),
    ];
    for (const revoke of revokers) {
      const { token: value } = await token(emulator);
      expect((await withToken(emulator, value)).status).toBe(200);
      await revoke();
      expect((await withToken(emulator, value)).body.error_code).toBe('ModelArts.50001000');
    }
  });

  it('refuses a token it never issued', async () => {
    const { emulator } = await verifying();
    expect((await withToken(emulator, 'MIIforged')).status).toBe(401);
  });

  it('refuses a wrong password, Keystone-style', async () => {
    const { emulator } = await verifying();
    const { status, body, headers } = await call(emulator, 'POST', '/v3/auth/tokens', {
      body: tokenRequest(emulator.projectId, { ...USER, password: 'wrong' }),
    });
    expect(status).toBe(401);
    expect(body).toEqual({
      error: { code: 401, title: 'Unauthorized', message: 'The username or password is wrong.' },
    });
    expect(headers.get('x-subject-token')).toBeNull();
  });

  it('refuses a scope of another project and a malformed request', async () => {
    const { emulator } = await verifying();
    expect(
      (await call(emulator, 'POST', '/v3/auth/tokens', { body: tokenRequest('other-project') })).status,
    ).toBe(401);
    const malformed = await call(emulator, 'POST', '/v3/auth/tokens', {
      body: { auth: { identity: { methods: ['token'] } } },
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.message).toContain('auth.identity.methods: must include "password"');
  });
});

describe('open mode', () => {
  it('accepts requests whatever their credentials, and issues tokens for any user', async () => {
    const emulator = await emulatorFor();
    expect(
      (
        await call(emulator, 'GET', poolsPath(emulator), {
          headers: { Authorization: 'SDK-HMAC-SHA256 garbage' },
        })
      ).status,
    ).toBe(200);
    expect(
      (await call(emulator, 'GET', poolsPath(emulator), { headers: { 'X-Auth-Token': 'anything' } })).status,
    ).toBe(200);
    const issued = await call(emulator, 'POST', '/v3/auth/tokens', {
      body: tokenRequest(emulator.projectId, { ...USER, password: 'x' }),
    });
    expect(issued.status).toBe(201);
  });
});

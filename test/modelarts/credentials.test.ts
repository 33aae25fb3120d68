import { format, inspect } from 'node:util';
import { describe, expect, test } from 'vitest';
import { akSkCredentials, CredentialsError, credentialsFromEnv } from '../../lib/modelarts/credentials';
import { signRequest, verifySignature } from '../../lib/modelarts/signer';

const SK = 'sk-0123456789-secret';
const TOKEN = 'security-token-0123456789';
const env = {
  HUAWEICLOUD_SDK_AK: 'AK123',
  HUAWEICLOUD_SDK_SK: SK,
  HUAWEICLOUD_SDK_SECURITY_TOKEN: TOKEN,
  HUAWEICLOUD_SDK_PROJECT_ID: 'proj-1',
};

describe('credentialsFromEnv', () => {
  test('reads AK, SK, security token and project id', () => {
    const creds = credentialsFromEnv(env);
    expect([creds.ak, creds.sk, creds.securityToken, creds.projectId]).toEqual([
      'AK123',
      SK,
      TOKEN,
      'proj-1',
    ]);
  });

  test('token and project id are optional; values are trimmed', () => {
    const creds = credentialsFromEnv({ HUAWEICLOUD_SDK_AK: ' AK123\n', HUAWEICLOUD_SDK_SK: `${SK}\n` });
    expect([creds.ak, creds.sk, creds.securityToken, creds.projectId]).toEqual([
      'AK123',
      SK,
      undefined,
      undefined,
    ]);
  });

  test.each([
    [['HUAWEICLOUD_SDK_AK', 'HUAWEICLOUD_SDK_SK'], {}],
    [['HUAWEICLOUD_SDK_AK'], { HUAWEICLOUD_SDK_SK: SK }],
    [['HUAWEICLOUD_SDK_SK'], { HUAWEICLOUD_SDK_AK: 'AK123', HUAWEICLOUD_SDK_SK: '  ' }],
  ])('a CredentialsError names the missing %j', (missing, partial) => {
    let error: unknown;
    try {
      credentialsFromEnv(partial);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CredentialsError);
    expect((error as CredentialsError).missing).toEqual(missing);
    for (const name of missing) expect((error as Error).message).toContain(name);
    expect((error as Error).message).not.toContain(SK);
  });
});

describe('credentials never print their secrets', () => {
  const creds = credentialsFromEnv(env);

  test.each([
    ['JSON.stringify', () => JSON.stringify(creds)],
    ['JSON.stringify nested', () => JSON.stringify({ config: { creds } })],
    ['util.inspect', () => inspect(creds)],
    ['util.format %o', () => format('%o', creds)],
    ['template string of an object holding it', () => `${inspect({ creds }, { depth: 5 })}`],
    ['spread copy', () => JSON.stringify({ ...creds, projectId: 'other' })],
    ['inspected spread copy', () => inspect({ ...creds, projectId: 'other' })],
  ])('%s shows neither SK nor token', (_, render) => {
    const text = render();
    expect(text).toContain('AK123');
    expect(text).not.toContain(SK);
    expect(text).not.toContain(TOKEN);
  });

  test('the masked form says a secret is there', () => {
    expect(JSON.parse(JSON.stringify(creds))).toEqual({
      ak: 'AK123',
      sk: '***',
      securityToken: '***',
      projectId: 'proj-1',
    });
  });

  test('is frozen', () => {
    expect(Object.isFrozen(creds)).toBe(true);
  });

  test('still signs: the hidden fields are readable by the signer', () => {
    const req = { method: 'GET', url: 'https://modelarts.example.com/v2/proj-1/pools', headers: {} };
    const now = new Date(Date.UTC(2024, 0, 1));
    const headers = signRequest(req, creds, now);
    expect(headers['X-Security-Token']).toBe(TOKEN);
    const verdict = verifySignature(
      { ...req, headers, host: 'modelarts.example.com' },
      (ak) => (ak === 'AK123' ? SK : undefined),
      now,
    );
    expect(verdict).toEqual({ ok: true, ak: 'AK123' });
  });

  test('a spread copy still signs and still masks', () => {
    const copy = { ...creds, projectId: 'other' };
    const req = { method: 'GET', url: 'https://modelarts.example.com/', headers: {} };
    expect(signRequest(req, copy, new Date())['X-Project-Id']).toBe('other');
    expect(JSON.parse(JSON.stringify(copy))).toMatchObject({ sk: '***', projectId: 'other' });
  });

  test('akSkCredentials rejects a missing SK by field name', () => {
    expect(() => akSkCredentials({ ak: 'AK', sk: '' })).toThrow(CredentialsError);
    expect(() => akSkCredentials({ ak: 'AK', sk: '' })).toThrow(/\bsk\b/);
  });
});

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  type AkSkCredentials,
  canonicalUri,
  formatSdkDate,
  parseSdkDate,
  type SignableRequest,
  SigningError,
  signRequest,
  verifySignature,
} from '../../lib/modelarts/signer';
import { requestCase, signingCase } from '../fixtures/signer/arbitraries';
import { type LocalServer, startLocalServer } from '../fixtures/signer/local-server';

const creds: AkSkCredentials = { ak: 'AK-TEST', sk: 'sk-very-secret-value', projectId: 'p123' };
const now = new Date(Date.UTC(2024, 4, 6, 7, 8, 9));
const secrets = (ak: string) => (ak === creds.ak ? creds.sk : undefined);

const postReq: SignableRequest = {
  method: 'POST',
  url: 'https://modelarts.example.com/v2/p123/pools/pool-a/nodes/batch-delete?dry=1',
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify({ deleteNodeNames: ['n1'] }),
};

const signed = (req: SignableRequest, c: AkSkCredentials = creds) => ({
  ...req,
  headers: signRequest(req, c, now),
  host: new URL(req.url).host,
});

describe('signRequest', () => {
  test('returns the input headers plus X-Sdk-Date, X-Project-Id and Authorization, and not host', () => {
    const headers = signRequest(postReq, creds, now);
    expect(Object.keys(headers).sort()).toEqual([
      'Authorization',
      'Content-Type',
      'X-Project-Id',
      'X-Sdk-Date',
    ]);
    expect(headers['X-Sdk-Date']).toBe('20240506T070809Z');
    expect(headers.Authorization).toMatch(
      /^SDK-HMAC-SHA256 Access=AK-TEST, SignedHeaders=content-type;host;x-project-id;x-sdk-date, Signature=[0-9a-f]{64}$/,
    );
  });

  test('adds X-Security-Token for temporary credentials and signs it', () => {
    const headers = signRequest(postReq, { ...creds, securityToken: 'temp-token' }, now);
    expect(headers['X-Security-Token']).toBe('temp-token');
    expect(headers.Authorization).toContain(
      'SignedHeaders=content-type;host;x-project-id;x-sdk-date;x-security-token,',
    );
  });

  test.each([
    ['application/json', undefined],
    ['Application/JSON', undefined],
    ['application/json;charset=UTF-8', 'UNSIGNED-PAYLOAD'],
    ['application/merge-patch+json', 'UNSIGNED-PAYLOAD'],
  ])('Content-Type %s gives X-Sdk-Content-Sha256 %s', (contentType, expected) => {
    const headers = signRequest({ ...postReq, headers: { 'content-type': contentType } }, creds, now);
    expect(headers['X-Sdk-Content-Sha256']).toBe(expected);
  });

  test('a body without Content-Type is hashed, not marked unsigned', () => {
    const headers = signRequest({ ...postReq, headers: {} }, creds, now);
    expect(headers['X-Sdk-Content-Sha256']).toBeUndefined();
    const other = signRequest({ ...postReq, headers: {}, body: '{}' }, creds, now);
    expect(other.Authorization).not.toBe(headers.Authorization);
  });

  test('a given X-Sdk-Date, X-Project-Id or Host wins over the generated one (any case)', () => {
    const headers = signRequest(
      {
        ...postReq,
        headers: { 'x-sdk-date': '20240101T000000Z', 'x-project-id': 'other', host: 'gw.example.com' },
      },
      creds,
      now,
    );
    expect(headers['x-sdk-date']).toBe('20240101T000000Z');
    expect(headers['X-Sdk-Date']).toBeUndefined();
    expect(headers['x-project-id']).toBe('other');
    expect(headers['X-Project-Id']).toBeUndefined();
    expect(headers.host).toBeUndefined();
    const asSent = { ...postReq, headers, host: 'gw.example.com' };
    expect(verifySignature(asSent, secrets, new Date(Date.UTC(2024, 0, 1)))).toEqual({
      ok: true,
      ak: 'AK-TEST',
    });
    expect(
      verifySignature({ ...asSent, host: 'modelarts.example.com' }, secrets, new Date(Date.UTC(2024, 0, 1))),
    ).toEqual({
      ok: false,
      reason: 'signature does not match',
    });
  });

  test.each([
    ['a lower-case method', { ...postReq, method: 'post' }, /method "post" must be upper-case/],
    ['a relative URL', { ...postReq, url: '/v2/p/pools' }, /absolute URL/],
    ['a header given twice', { ...postReq, headers: { 'X-A': '1', 'x-a': '2' } }, /"x-a" is given twice/],
    ['a header value with CR/LF', { ...postReq, headers: { 'X-A': 'a\r\nX-B: b' } }, /header "X-A" must be/],
    [
      'a header value with a trailing blank',
      { ...postReq, headers: { 'X-A': 'a ' } },
      /header "X-A" must be/,
    ],
    ['an underscore header name', { ...postReq, headers: { X_A: '1' } }, /header name "X_A"/],
    ['a malformed X-Sdk-Date', { ...postReq, headers: { 'X-Sdk-Date': '2024-01-01' } }, /X-Sdk-Date must be/],
  ])('rejects %s with a SigningError', (_, req, message) => {
    expect(() => signRequest(req, creds, now)).toThrow(SigningError);
    expect(() => signRequest(req, creds, now)).toThrow(message);
  });

  test('rejects empty credentials without quoting them', () => {
    expect(() => signRequest(postReq, { ...creds, sk: '' }, now)).toThrow('credentials.sk is empty');
    expect(() => signRequest(postReq, { ...creds, ak: '' }, now)).toThrow('credentials.ak is empty');
  });
});

describe('canonical forms', () => {
  test('the path is decoded once, then every segment encoded; a stray % is kept literally', () => {
    expect(canonicalUri('/a%20b/%C3%A9/+/~/:@/100%/%2541')).toBe('/a%20b/%C3%A9/%2B/~/%3A%40/100%25/%2541/');
    // Decoding comes before splitting, as in the Go SDK and the gateway's reference signers.
    expect(canonicalUri('/a%2Fb')).toBe('/a/b/');
    expect(canonicalUri('')).toBe('/');
    expect(canonicalUri('//x')).toBe('//x/');
  });

  test('X-Sdk-Date round-trips and rejects impossible dates', () => {
    expect(parseSdkDate(formatSdkDate(now))).toBe(now.getTime());
    expect(parseSdkDate('20240230T000000Z')).toBeUndefined();
    expect(parseSdkDate('20240101T000000')).toBeUndefined();
  });
});

describe('verifySignature', () => {
  test('accepts what signRequest produced', () => {
    expect(verifySignature(signed(postReq), secrets, now)).toEqual({ ok: true, ak: 'AK-TEST' });
  });

  test('accepts a raw request target (path and query) as url', () => {
    const req = signed(postReq);
    const target = new URL(req.url);
    expect(verifySignature({ ...req, url: `${target.pathname}${target.search}` }, secrets, now).ok).toBe(
      true,
    );
  });

  const tampered: [string, (r: ReturnType<typeof signed>) => ReturnType<typeof signed>, string][] = [
    ['path', (r) => ({ ...r, url: r.url.replace('pool-a', 'pool-b') }), 'signature does not match'],
    ['query', (r) => ({ ...r, url: r.url.replace('dry=1', 'dry=0') }), 'signature does not match'],
    [
      'body',
      (r) => ({ ...r, body: JSON.stringify({ deleteNodeNames: ['n2'] }) }),
      'signature does not match',
    ],
    ['method', (r) => ({ ...r, method: 'PUT' }), 'signature does not match'],
    [
      'signed header',
      (r) => ({ ...r, headers: { ...r.headers, 'X-Project-Id': 'p999' } }),
      'signature does not match',
    ],
    ['host', (r) => ({ ...r, host: 'evil.example.com' }), 'signature does not match'],
  ];
  test.each(tampered)('rejects a tampered %s', (_, tamper, reason) => {
    expect(verifySignature(tamper(signed(postReq)), secrets, now)).toEqual({ ok: false, reason });
  });

  test('rejects a request URL that cannot be parsed', () => {
    expect(verifySignature({ ...signed(postReq), url: 'http://[::1' }, secrets, now)).toEqual({
      ok: false,
      reason: 'request URL cannot be parsed',
    });
  });

  test('ignores headers that were not signed', () => {
    const req = signed(postReq);
    expect(verifySignature({ ...req, headers: { ...req.headers, 'User-Agent': 'x' } }, secrets, now).ok).toBe(
      true,
    );
  });

  test('rejects a signature made with another SK', () => {
    const req = signed(postReq, { ...creds, sk: 'another-secret' });
    expect(verifySignature(req, secrets, now)).toEqual({ ok: false, reason: 'signature does not match' });
  });

  test('rejects an unknown AK', () => {
    const req = signed(postReq, { ...creds, ak: 'AK-OTHER' });
    expect(verifySignature(req, secrets, now)).toEqual({ ok: false, reason: 'unknown access key' });
  });

  test('rejects an X-Sdk-Date more than maxSkewMs away, in either direction', () => {
    const req = signed(postReq);
    const minutes = (m: number) => new Date(now.getTime() + m * 60_000);
    expect(verifySignature(req, secrets, minutes(15)).ok).toBe(true);
    expect(verifySignature(req, secrets, minutes(-15)).ok).toBe(true);
    expect(verifySignature(req, secrets, minutes(16))).toEqual({
      ok: false,
      reason: 'X-Sdk-Date 20240506T070809Z is more than 900s from server time 20240506T072409Z',
    });
    expect(verifySignature(req, secrets, minutes(-16)).ok).toBe(false);
    expect(verifySignature(req, secrets, minutes(2), 60_000).ok).toBe(false);
  });

  test('a body is not checked when the payload is UNSIGNED-PAYLOAD, but the marker itself is signed', () => {
    const req = signed({ ...postReq, headers: { 'Content-Type': 'application/merge-patch+json' } });
    expect(verifySignature({ ...req, body: '{"anything":1}' }, secrets, now).ok).toBe(true);
    const { 'X-Sdk-Content-Sha256': _, ...withoutMarker } = req.headers;
    expect(verifySignature({ ...req, headers: withoutMarker }, secrets, now)).toEqual({
      ok: false,
      reason: 'signed header x-sdk-content-sha256 is missing from the request',
    });
  });

  test('an unsigned X-Sdk-Content-Sha256 cannot switch off body checking', () => {
    const req = signed(postReq);
    const forged = {
      ...req,
      headers: { ...req.headers, 'X-Sdk-Content-Sha256': 'UNSIGNED-PAYLOAD' },
      body: '{}',
    };
    expect(verifySignature(forged, secrets, now)).toEqual({
      ok: false,
      reason: 'X-Sdk-Content-Sha256 is present but not signed',
    });
  });

  test.each([
    [
      'no Authorization',
      (h: Record<string, string>) => ({ ...h, Authorization: undefined }),
      'missing Authorization',
    ],
    [
      'another scheme',
      (h: Record<string, string>) => ({ ...h, Authorization: 'Bearer x' }),
      'Authorization header is not',
    ],
    [
      'x-sdk-date left unsigned',
      (h: Record<string, string>) => ({
        ...h,
        Authorization: (h.Authorization ?? '').replace(';x-sdk-date', ''),
      }),
      'x-sdk-date is not among the signed headers',
    ],
    [
      'no X-Sdk-Date',
      (h: Record<string, string>) => ({ ...h, 'X-Sdk-Date': undefined }),
      'X-Sdk-Date is missing',
    ],
  ])('rejects %s', (_, edit, reason) => {
    const req = signed(postReq);
    const headers = Object.fromEntries(
      Object.entries(edit(req.headers)).filter((e): e is [string, string] => e[1] !== undefined),
    );
    const result = verifySignature({ ...req, headers }, secrets, now);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.reason).toContain(reason);
  });

  test('reasons never contain the SK, the signature or the security token', () => {
    const withToken = { ...creds, securityToken: 'security-token-value' };
    const req = signed(postReq, withToken);
    const sig = /Signature=([0-9a-f]+)/.exec(req.headers.Authorization ?? '')?.[1] ?? '';
    const attempts = [
      verifySignature({ ...req, body: '{}' }, secrets, now),
      verifySignature(req, () => 'wrong-sk', now),
      verifySignature(req, secrets, new Date(0)),
      verifySignature(
        { ...req, headers: { ...req.headers, Authorization: `${req.headers.Authorization}x` } },
        secrets,
        now,
      ),
    ];
    for (const result of attempts) {
      expect(result.ok).toBe(false);
      const reason = result.ok ? '' : result.reason;
      for (const secret of [creds.sk, sig, 'security-token-value']) expect(reason).not.toContain(secret);
    }
  });

  test('accepts every generated signed request and rejects it once the path, query or body changes', () => {
    fc.assert(
      fc.property(requestCase, (c) => {
        const { creds: generated, req, now: at } = signingCase(c);
        const headers = signRequest(req, generated, at);
        const sdkDate = Object.entries(headers).find(([k]) => k.toLowerCase() === 'x-sdk-date')?.[1] ?? '';
        const verifyAt = new Date(parseSdkDate(sdkDate) ?? Number.NaN);
        const host = new URL(req.url).host;
        const lookup = (ak: string) => (ak === generated.ak ? generated.sk : undefined);
        const sent = { ...req, headers, host };
        expect(verifySignature(sent, lookup, verifyAt)).toEqual({ ok: true, ak: generated.ak });

        const url = new URL(req.url);
        url.pathname = `${url.pathname}x`;
        expect(verifySignature({ ...sent, url: url.href }, lookup, verifyAt).ok).toBe(false);
        const withQuery = new URL(req.url);
        withQuery.searchParams.append('extra', '1');
        expect(verifySignature({ ...sent, url: withQuery.href }, lookup, verifyAt).ok).toBe(false);
        const unsignedPayload = Object.values(headers).includes('UNSIGNED-PAYLOAD');
        const otherBody = verifySignature({ ...sent, body: `${req.body ?? ''} ` }, lookup, verifyAt);
        expect(otherBody.ok).toBe(unsignedPayload);
      }),
      { numRuns: 300 },
    );
  });
});

// What fetch actually puts on the wire (normalised URL, header casing, Host) must verify on the server.
describe('signRequest over real HTTP', () => {
  const received: ReturnType<typeof verifySignature>[] = [];
  let server: LocalServer;
  beforeAll(async () => {
    server = await startLocalServer((req, res, body) => {
      const headers = Object.fromEntries(
        Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]),
      );
      const host = req.headers.host ?? '';
      const verdict = verifySignature(
        { method: req.method ?? '', url: req.url ?? '', headers, body, host },
        secrets,
        now,
      );
      received.push(verdict);
      res.writeHead(verdict.ok ? 200 : 401).end();
    });
  });
  afterAll(() => server.close());

  test.each([
    [
      'GET with odd path and query',
      'GET',
      '/v2/p/pools/a%20b/%C3%A9+~:@/nodes?limit=2&continue=tok+en%2F%2B%3D&type=b&type=a',
      undefined,
      undefined,
    ],
    [
      'POST JSON',
      'POST',
      '/v2/p/pools/pool-a/nodes/batch-delete',
      'application/json',
      '{"deleteNodeNames":["n1"]}',
    ],
    [
      'PATCH merge-patch',
      'PATCH',
      '/v2/p/pools/pool-a',
      'application/merge-patch+json',
      '{"spec":{"resources":[]}}',
    ],
    ['DELETE without body', 'DELETE', '/v2/p/pools/pool-a', undefined, undefined],
  ])('%s verifies on the server', async (_, method, path, contentType, body) => {
    const req: SignableRequest = {
      method,
      url: `${server.url}${path}`,
      headers: contentType ? { 'Content-Type': contentType } : {},
      ...(body === undefined ? {} : { body }),
    };
    const headers = signRequest(req, { ...creds, securityToken: 'temp' }, now);
    const response = await fetch(req.url, { method, headers, ...(body === undefined ? {} : { body }) });
    expect(received.at(-1)).toEqual({ ok: true, ak: 'AK-TEST' });
    expect(response.status).toBe(200);
  });
});

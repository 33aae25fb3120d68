// Published AK/SK test vectors (related-apis.md 7.2). V1-V4 are official; V5-V9 were produced by the Node
// SDK core 3.1.211 and are also re-derived here from the SDK oracle, so a wrong expected value cannot hide.

import { describe, expect, test } from 'vitest';
import {
  type AkSkCredentials,
  canonicalQueryString,
  canonicalRequest,
  canonicalUri,
  EMPTY_BODY_SHA256,
  type SignableRequest,
  sha256Hex,
  signature,
  signRequest,
} from '../../lib/modelarts/signer';
import { sdkSign } from '../fixtures/signer/sdk-oracle';

const authParts = (authorization: string | undefined) => {
  const m = /^SDK-HMAC-SHA256 Access=(\S+), SignedHeaders=(\S+), Signature=([0-9a-f]{64})$/.exec(
    authorization ?? '',
  );
  if (!m) throw new Error(`not an SDK-HMAC-SHA256 Authorization header: ${authorization}`);
  return { access: m[1], signedHeaders: m[2], signature: m[3] };
};

describe('V1: the signing guide example', () => {
  const creds: AkSkCredentials = {
    ak: 'QTWAOYTTINDUT2QVKYUC',
    sk: 'MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc',
  };
  const req: SignableRequest = {
    method: 'GET',
    url: 'https://service.region.example.com/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs?limit=2&marker=13551d6b-755d-4757-b956-536f674975c0',
    headers: {
      'Content-Type': 'application/json',
      Host: 'service.region.example.com',
      'X-Sdk-Date': '20191115T033655Z',
    },
  };

  test('canonical URI gets a trailing slash', () => {
    expect(canonicalUri('/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs')).toBe(
      '/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs/',
    );
  });

  test('canonical request hashes to the published value', () => {
    const url = new URL(req.url);
    const { canonicalRequest: canonical, signedHeaders } = canonicalRequest({
      method: 'GET',
      pathname: url.pathname,
      search: url.search,
      headers: [
        ['content-type', 'application/json'],
        ['host', 'service.region.example.com'],
        ['x-sdk-date', '20191115T033655Z'],
      ],
      payloadHash: EMPTY_BODY_SHA256,
    });
    expect(signedHeaders).toBe('content-type;host;x-sdk-date');
    expect(sha256Hex(canonical)).toBe('b25362e603ee30f4f25e7858e8a7160fd36e803bb2dfe206278659d71a9bcd7a');
  });

  test('signRequest produces the published signature', () => {
    const auth = authParts(signRequest(req, creds).Authorization);
    expect(auth).toEqual({
      access: 'QTWAOYTTINDUT2QVKYUC',
      signedHeaders: 'content-type;host;x-sdk-date',
      signature: '7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe',
    });
  });
});

// V2 and V3 come from the Go SDK, which signs neither `host` nor `content-type` nor names with `_`, so no
// Node-compatible request can reproduce their SignedHeaders. What must still match is everything below the
// header choice: canonical URI, query, empty-body hash, canonical request layout, StringToSign and HMAC.
describe('V2/V3: the Go SDK vectors, from the canonical request down', () => {
  const sk = 'SecretKey';
  const date = '20060102T150405Z';

  test('V2: GET with only x-sdk-date signed', () => {
    const { canonicalRequest: canonical } = canonicalRequest({
      method: 'GET',
      pathname: '/path',
      search: '?limit=1',
      headers: [['x-sdk-date', date]],
      payloadHash: EMPTY_BODY_SHA256,
    });
    expect(canonical).toBe(`GET\n/path/\nlimit=1\nx-sdk-date:${date}\n\nx-sdk-date\n${EMPTY_BODY_SHA256}`);
    expect(signature(sk, date, canonical)).toBe(
      '5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624',
    );
  });

  test('V3: POST whose body is hashed byte for byte (Go appends a newline)', () => {
    const bodyHash = sha256Hex('{"Name":"test","Id":1}\n');
    expect(bodyHash).toBe('a29d7b4c5efd1a22011d69fd7b7aee76fe51e4083c609244228de258afd61289');
    const { canonicalRequest: canonical } = canonicalRequest({
      method: 'POST',
      pathname: '/path',
      search: '?key=value',
      headers: [['x-sdk-date', date]],
      payloadHash: bodyHash,
    });
    expect(signature(sk, date, canonical)).toBe(
      'cecc2af119b18ab70b4d094c0750f3b42c02f254903179a0fc2cc72fc9db4f59',
    );
  });
});

describe('V4: canonical query string', () => {
  test('sorts keys, expands and sorts repeated keys, encodes reserved and non-ASCII characters', () => {
    const query = new URLSearchParams([
      ['limit', '1'],
      ['enable', 'true'],
      ['test', '一 (&=?!#%.*)'],
      ['path', '/tmp/123'],
      ['multi', '3'],
      ['multi', '1'],
      ['multi', '2'],
    ]);
    expect(canonicalQueryString(`?${query}`)).toBe(
      'enable=true&limit=1&multi=1&multi=2&multi=3&path=%2Ftmp%2F123&test=%E4%B8%80%20%28%26%3D%3F%21%23%25.%2A%29',
    );
  });

  test('is empty without a query', () => {
    expect(canonicalQueryString('')).toBe('');
  });
});

describe('V5-V9: ModelArts pool requests signed by the Node SDK', () => {
  const host = 'modelarts.example-region.myhuaweicloud.com';
  const projectId = '0123456789abcdef0123456789abcdef';
  const pool = `/v2/${projectId}/pools/pool-abc`;
  const date = '20240101T000000Z';
  const now = new Date(Date.UTC(2024, 0, 1));
  const base: AkSkCredentials = { ak: 'AccessKey', sk: 'SecretKey', projectId };

  interface Vector {
    name: string;
    method: string;
    path: string;
    query: [string, string][];
    contentType: string;
    body?: unknown;
    securityToken?: string;
    signedHeaders: string;
    signature: string;
  }
  const signed4 = 'content-type;host;x-project-id;x-sdk-date';
  const signed5 = 'content-type;host;x-project-id;x-sdk-content-sha256;x-sdk-date';
  const vectors: Vector[] = [
    {
      name: 'V5 list nodes with an odd continue token',
      method: 'GET',
      path: `${pool}/nodes`,
      query: [
        ['limit', '2'],
        ['continue', 'tok en/+='],
      ],
      contentType: 'application/json',
      signedHeaders: signed4,
      signature: 'b3073441e90d11579ed638616572d775dbc2b9e5d15ebacc10947af07976b1a5',
    },
    {
      name: 'V6 batch-delete nodes with a JSON body',
      method: 'POST',
      path: `${pool}/nodes/batch-delete`,
      query: [],
      contentType: 'application/json',
      body: { deleteNodeNames: ['os-node-created-mnmcf'] },
      signedHeaders: signed4,
      signature: 'd083805074b667e2b792fe0755d21384a15d3df38767dab8b4b669a35053ccab',
    },
    {
      name: 'V7 PATCH pool as merge-patch+json (unsigned payload)',
      method: 'PATCH',
      path: pool,
      query: [],
      contentType: 'application/merge-patch+json',
      body: { spec: { resources: [{ flavor: 'modelarts.vm.cpu.8u', count: 3 }] } },
      signedHeaders: signed5,
      signature: 'ae2a361fced968081b1a8fc9cf63ff11b921571603096e105f347c007d76c765',
    },
    {
      name: 'V8 workloads with a repeated type filter',
      method: 'GET',
      path: `${pool}/workloads`,
      query: [
        ['type', 'train'],
        ['type', 'infer'],
        ['status', 'Queue'],
        ['limit', '10'],
      ],
      contentType: 'application/json',
      signedHeaders: signed4,
      signature: '67a43f9fbbfb5061e55a010215260903ac53788f086ad93ff78b29a5b7045d40',
    },
    {
      name: 'V9 V7 with a temporary security token',
      method: 'PATCH',
      path: pool,
      query: [],
      contentType: 'application/merge-patch+json',
      body: { spec: { resources: [{ flavor: 'modelarts.vm.cpu.8u', count: 3 }] } },
      securityToken: 'tok',
      signedHeaders: `${signed5};x-security-token`,
      signature: '7ea4de35b9d9b6fb5d8ef5c4760a9f95b7f34659d6254609ff9c98085f3d15e3',
    },
  ];

  test('V6 body hash is the published one', () => {
    expect(sha256Hex(JSON.stringify({ deleteNodeNames: ['os-node-created-mnmcf'] }))).toBe(
      '6e1a38ec0b2791c96b04f45fe8bae41caa64a6a994dc1265b1b3e070ff350508',
    );
  });

  test.each(vectors)('$name', async (v) => {
    const creds = v.securityToken === undefined ? base : { ...base, securityToken: v.securityToken };
    const search = v.query.length === 0 ? '' : `?${new URLSearchParams(v.query)}`;
    const ours = signRequest(
      {
        method: v.method,
        url: `https://${host}${v.path}${search}`,
        headers: { 'Content-Type': v.contentType },
        ...(v.body === undefined ? {} : { body: JSON.stringify(v.body) }),
      },
      creds,
      now,
    );
    expect(authParts(ours.Authorization)).toEqual({
      access: 'AccessKey',
      signedHeaders: v.signedHeaders,
      signature: v.signature,
    });
    expect(ours['X-Sdk-Date']).toBe(date);
    expect(ours['X-Project-Id']).toBe(projectId);

    const queryParams: Record<string, string | string[]> = {};
    for (const [key, value] of v.query) {
      const prev = queryParams[key];
      queryParams[key] = prev === undefined ? value : [prev, value].flat();
    }
    const sdk = await sdkSign(
      {
        method: v.method,
        endpoint: `https://${host}`,
        path: v.path,
        queryParams,
        headers: { 'content-type': v.contentType, 'X-Sdk-Date': date },
        data: v.body,
      },
      creds,
    );
    expect(sdk.Authorization).toBe(ours.Authorization);
  });
});

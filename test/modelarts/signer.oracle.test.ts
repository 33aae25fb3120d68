// Our signer against the official Node SDK signer (@huaweicloud/huaweicloud-sdk-core) on generated requests.

import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { signRequest } from '../../lib/modelarts/signer';
import { requestCase, signingCase } from '../fixtures/signer/arbitraries';
import { sdkSign } from '../fixtures/signer/sdk-oracle';

const RUNS = 1000;

const lowerKeys = (headers: Record<string, string>) =>
  Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));

describe('signRequest vs the Node SDK signer', () => {
  test(`matches the official SDK signer on ${RUNS} generated requests`, async () => {
    await fc.assert(
      fc.asyncProperty(requestCase, async (c) => {
        const { creds, req, now, oracle } = signingCase(c);
        const ours = signRequest(req, creds, now);
        const sdk = await sdkSign(oracle, creds);
        const { host, ...sdkSent } = lowerKeys(sdk);
        expect(host).toBe(new URL(`https://${c.host}`).host);
        expect(lowerKeys(ours)).toEqual(sdkSent);
        expect(ours.Authorization).toBe(sdk.Authorization);
      }),
      { numRuns: RUNS },
    );
    // About a second on an idle machine; the margin is for a shared 2-core box under load.
  }, 120_000);

  test('diverges only where url.parse pre-escapes: a space is signed as %20, the SDK signs %2520', async () => {
    const creds = { ak: 'AccessKey', sk: 'SecretKey' };
    const headers = { 'X-Sdk-Date': '20240101T000000Z' };
    const sdk = await sdkSign(
      { method: 'GET', endpoint: 'https://h.example.com', path: '/pools/a b', queryParams: {}, headers },
      creds,
    );
    const ours = signRequest({ method: 'GET', url: 'https://h.example.com/pools/a%20b', headers }, creds);
    // The SDK's signature is the one for a path whose decoded segment is the literal text `a%20b`.
    const sdkEquivalent = signRequest(
      { method: 'GET', url: 'https://h.example.com/pools/a%2520b', headers },
      creds,
    );
    expect(sdk.Authorization).toBe(sdkEquivalent.Authorization);
    expect(ours.Authorization).not.toBe(sdk.Authorization);
  });
});

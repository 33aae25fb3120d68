import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  parseWebhookSecrets,
  SIGNATURE_HEADER,
  signWebhook,
  TIMESTAMP_HEADER,
  verifyWebhook,
  webhookSignature,
} from '../../lib/aws/webhook-signature';

const NOW = Date.UTC(2025, 0, 15, 12, 0, 0);
const SECRET = 'demo-webhook-secret';

describe('webhook signature', () => {
  it('is HMAC-SHA256 over "<timestamp>.<raw body>" as documented', () => {
    const body = '{"pool":"p","flavor":"f","backlog":3}';
    const expected = createHmac('sha256', SECRET).update(`1736942400.${body}`).digest('hex');
    expect(webhookSignature(SECRET, '1736942400', body)).toBe(`sha256=${expected}`);
  });

  it('accepts what signWebhook produced, for any body and any clock skew within 5 minutes', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 512 }),
        fc.string({ minLength: 1, maxLength: 40 }),
        fc.integer({ min: -299_000, max: 299_000 }),
        (body, secret, skew) => {
          const headers = signWebhook(secret, body, NOW + skew);
          expect(verifyWebhook({ headers, rawBody: body, secrets: [secret], now: NOW })).toEqual({
            ok: true,
          });
        },
      ),
    );
  });

  it('refuses a body changed in any byte', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 256 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (body, at, flip) => {
          const headers = signWebhook(SECRET, body, NOW);
          const tampered = Uint8Array.from(body);
          const index = at % tampered.length;
          tampered[index] = (tampered[index] ?? 0) ^ flip;
          const check = verifyWebhook({ headers, rawBody: tampered, secrets: [SECRET], now: NOW });
          expect(check).toMatchObject({ ok: false, reason: 'signature-mismatch' });
        },
      ),
    );
  });

  it('refuses timestamps more than 5 minutes old or ahead (replays)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 301, max: 10 ** 7 }), fc.boolean(), (seconds, ahead) => {
        const signedAt = NOW + (ahead ? 1 : -1) * seconds * 1000;
        const headers = signWebhook(SECRET, '{}', signedAt);
        expect(verifyWebhook({ headers, rawBody: '{}', secrets: [SECRET], now: NOW })).toMatchObject({
          ok: false,
          reason: 'expired-timestamp',
        });
      }),
    );
  });

  it('refuses a re-signed timestamp with the old signature', () => {
    const headers = signWebhook(SECRET, '{}', NOW - 60_000);
    const moved = { ...headers, [TIMESTAMP_HEADER]: String(NOW / 1000) };
    expect(verifyWebhook({ headers: moved, rawBody: '{}', secrets: [SECRET], now: NOW })).toMatchObject({
      reason: 'signature-mismatch',
    });
  });

  it('refuses a signature made with another secret, and accepts either secret while rotating', () => {
    const headers = signWebhook('new-secret', '{}', NOW);
    expect(verifyWebhook({ headers, rawBody: '{}', secrets: [SECRET], now: NOW })).toMatchObject({
      reason: 'signature-mismatch',
    });
    expect(verifyWebhook({ headers, rawBody: '{}', secrets: [SECRET, 'new-secret'], now: NOW })).toEqual({
      ok: true,
    });
  });

  it('names the missing or malformed header', () => {
    const good = signWebhook(SECRET, '{}', NOW);
    const check = (headers: Record<string, string>) =>
      verifyWebhook({ headers, rawBody: '{}', secrets: [SECRET], now: NOW });
    expect(check({ [SIGNATURE_HEADER]: good[SIGNATURE_HEADER] ?? '' })).toMatchObject({
      reason: 'missing-timestamp',
      message: expect.stringContaining(TIMESTAMP_HEADER),
    });
    expect(check({ ...good, [TIMESTAMP_HEADER]: '2025-01-15T12:00:00Z' })).toMatchObject({
      reason: 'malformed-timestamp',
    });
    expect(check({ [TIMESTAMP_HEADER]: good[TIMESTAMP_HEADER] ?? '' })).toMatchObject({
      reason: 'missing-signature',
    });
    expect(check({ ...good, [SIGNATURE_HEADER]: 'sha1=abc' })).toMatchObject({
      reason: 'malformed-signature',
    });
    expect(check({ ...good, [SIGNATURE_HEADER]: `sha256=${'0'.repeat(63)}` })).toMatchObject({
      reason: 'malformed-signature',
    });
  });

  it('reads header names case-insensitively', () => {
    const headers = Object.fromEntries(
      Object.entries(signWebhook(SECRET, '{}', NOW)).map(([name, value]) => [name.toUpperCase(), value]),
    );
    expect(verifyWebhook({ headers, rawBody: '{}', secrets: [SECRET], now: NOW })).toEqual({ ok: true });
  });

  it('refuses everything when no secret is configured', () => {
    const headers = signWebhook('', '{}', NOW);
    expect(verifyWebhook({ headers, rawBody: '{}', secrets: [''], now: NOW })).toMatchObject({
      reason: 'no-secret',
    });
  });

  it('reads one secret per line, ignoring blank lines and surrounding space', () => {
    expect(parseWebhookSecrets(' old \n\nnew\r\n')).toEqual(['old', 'new']);
  });
});

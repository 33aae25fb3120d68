// Webhook request authentication: HMAC-SHA256 over `${timestamp}.${rawBody}` with a shared secret, the
// scheme Stripe and Slack use. The timestamp is signed too, so a captured request cannot be replayed
// outside the freshness window with a new timestamp.
//
//   X-Autoscaler-Timestamp: 1732435200                   (Unix seconds)
//   X-Autoscaler-Signature: sha256=<64 lowercase hex>    (HMAC-SHA256(secret, `${timestamp}.` + raw body bytes))

import { createHmac, timingSafeEqual } from 'node:crypto';

export const TIMESTAMP_HEADER = 'x-autoscaler-timestamp';
export const SIGNATURE_HEADER = 'x-autoscaler-signature';
export const SIGNATURE_PREFIX = 'sha256=';
/** Requests signed more than this long ago, or this far in the future, are refused. */
export const DEFAULT_MAX_SKEW_MS = 5 * 60_000;

export type SignatureFailure =
  | 'missing-timestamp'
  | 'malformed-timestamp'
  | 'expired-timestamp'
  | 'missing-signature'
  | 'malformed-signature'
  | 'signature-mismatch'
  | 'no-secret';

export type SignatureCheck = { ok: true } | { ok: false; reason: SignatureFailure; message: string };

const MESSAGES: Record<SignatureFailure, string> = {
  'missing-timestamp': `the ${TIMESTAMP_HEADER} header is missing`,
  'malformed-timestamp': `the ${TIMESTAMP_HEADER} header must be Unix seconds`,
  'expired-timestamp': `the ${TIMESTAMP_HEADER} header is more than 5 minutes from the server's clock`,
  'missing-signature': `the ${SIGNATURE_HEADER} header is missing`,
  'malformed-signature': `the ${SIGNATURE_HEADER} header must be "${SIGNATURE_PREFIX}<64 hex digits>"`,
  'signature-mismatch': 'the signature does not match',
  'no-secret': 'no webhook secret is configured',
};

const fail = (reason: SignatureFailure): SignatureCheck => ({ ok: false, reason, message: MESSAGES[reason] });

const toBytes = (body: string | Uint8Array): Buffer =>
  typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body);

function digest(secret: string, timestamp: string, body: string | Uint8Array): Buffer {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(toBytes(body)).digest();
}

/** The header value for a body signed at `timestamp` (Unix seconds). */
export function webhookSignature(secret: string, timestamp: string, body: string | Uint8Array): string {
  return `${SIGNATURE_PREFIX}${digest(secret, timestamp, body).toString('hex')}`;
}

/** Both headers a client sends, for a body signed at `now` (epoch ms). */
export function signWebhook(secret: string, body: string | Uint8Array, now: number): Record<string, string> {
  const timestamp = String(Math.floor(now / 1000));
  return { [TIMESTAMP_HEADER]: timestamp, [SIGNATURE_HEADER]: webhookSignature(secret, timestamp, body) };
}

/** A header by case-insensitive name (HTTP API v2 lowercases them, other callers may not). */
export function headerValue(headers: Record<string, string | undefined>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}

export interface VerifyWebhookInput {
  headers: Record<string, string | undefined>;
  /** The body exactly as received (already base64-decoded when the event said so). */
  rawBody: string | Uint8Array;
  /** Accepted secrets: more than one while a secret is being rotated. */
  secrets: readonly string[];
  now: number;
  maxSkewMs?: number;
}

/** Checks freshness first (cheap, and it bounds replays), then the HMAC in constant time against each secret. */
export function verifyWebhook(input: VerifyWebhookInput): SignatureCheck {
  const timestamp = headerValue(input.headers, TIMESTAMP_HEADER)?.trim();
  if (!timestamp) return fail('missing-timestamp');
  if (!/^\d{1,12}$/.test(timestamp)) return fail('malformed-timestamp');
  if (Math.abs(input.now - Number(timestamp) * 1000) > (input.maxSkewMs ?? DEFAULT_MAX_SKEW_MS)) {
    return fail('expired-timestamp');
  }
  const signature = headerValue(input.headers, SIGNATURE_HEADER)?.trim();
  if (!signature) return fail('missing-signature');
  const hex = signature.startsWith(SIGNATURE_PREFIX) ? signature.slice(SIGNATURE_PREFIX.length) : '';
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) return fail('malformed-signature');
  const given = Buffer.from(hex, 'hex');
  const secrets = input.secrets.filter((secret) => secret.length > 0);
  if (secrets.length === 0) return fail('no-secret');
  // Every secret is tried, so the time taken does not tell which one (if any) matched.
  let matched = false;
  for (const secret of secrets) {
    if (timingSafeEqual(digest(secret, timestamp, input.rawBody), given)) matched = true;
  }
  return matched ? { ok: true } : fail('signature-mismatch');
}

/** A secret parameter holds one secret per line; two lines while rotating. */
export function parseWebhookSecrets(value: string): string[] {
  return value
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
}

// Webhook request authentication: HMAC-SHA256 over `${timestamp}.${rawBody}` with a shared secret, the
// scheme Stripe and Slack use. The timestamp is signed too, so a captured request cannot be replayed
// outside the freshness window with a new timestamp; inside it, the webhook accepts each signature once
// (lib/state/replay.ts).
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

function hmac(secret: string, timestamp: string, body: string | Uint8Array): Buffer {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(toBytes(body)).digest();
}

/** The header value for a body signed at `timestamp` (Unix seconds). */
export function webhookSignature(secret: string, timestamp: string, body: string | Uint8Array): string {
  return `${SIGNATURE_PREFIX}${hmac(secret, timestamp, body).toString('hex')}`;
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

type Read<T> = { ok: true; value: T } | { ok: false; reason: SignatureFailure };

function readTimestamp(headers: Record<string, string | undefined>): Read<string> {
  const timestamp = headerValue(headers, TIMESTAMP_HEADER)?.trim();
  if (!timestamp) return { ok: false, reason: 'missing-timestamp' };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'malformed-timestamp' };
  return { ok: true, value: timestamp };
}

/** The digest as lowercase hex: the header accepts either case, and a replay must not pass as new by it. */
function readDigest(headers: Record<string, string | undefined>): Read<string> {
  const signature = headerValue(headers, SIGNATURE_HEADER)?.trim();
  if (!signature) return { ok: false, reason: 'missing-signature' };
  const hex = signature.startsWith(SIGNATURE_PREFIX) ? signature.slice(SIGNATURE_PREFIX.length) : '';
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) return { ok: false, reason: 'malformed-signature' };
  return { ok: true, value: hex.toLowerCase() };
}

/** What identifies a signed request, for the replay ledger: its digest, and when it was signed (epoch ms). */
export interface SignedRequest {
  digest: string;
  signedAt: number;
}

/** The signed request the headers carry (undefined when they are malformed); call after verifyWebhook. */
export function signedRequest(headers: Record<string, string | undefined>): SignedRequest | undefined {
  const timestamp = readTimestamp(headers);
  const digest = readDigest(headers);
  if (!timestamp.ok || !digest.ok) return undefined;
  return { digest: digest.value, signedAt: Number(timestamp.value) * 1000 };
}

/** Checks freshness first (cheap, and it bounds replays), then the HMAC in constant time against each secret. */
export function verifyWebhook(input: VerifyWebhookInput): SignatureCheck {
  const timestamp = readTimestamp(input.headers);
  if (!timestamp.ok) return fail(timestamp.reason);
  if (Math.abs(input.now - Number(timestamp.value) * 1000) > (input.maxSkewMs ?? DEFAULT_MAX_SKEW_MS)) {
    return fail('expired-timestamp');
  }
  const digest = readDigest(input.headers);
  if (!digest.ok) return fail(digest.reason);
  const given = Buffer.from(digest.value, 'hex');
  const secrets = input.secrets.filter((secret) => secret.length > 0);
  if (secrets.length === 0) return fail('no-secret');
  // Every secret is tried, so the time taken does not tell which one (if any) matched.
  let matched = false;
  for (const secret of secrets) {
    if (timingSafeEqual(hmac(secret, timestamp.value, input.rawBody), given)) matched = true;
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

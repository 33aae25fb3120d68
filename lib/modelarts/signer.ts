// AK/SK request signing (SDK-HMAC-SHA256), byte-compatible with the Node SDK core's
// BasicCredentials.processAuthRequest + AKSKSigner.sign (related-apis.md section 7), plus the matching
// verifier the emulator uses. node:crypto only.
//
// Where we deliberately differ from the Node SDK (each difference is a case where the SDK signs something
// other than what goes on the wire; the Go SDK and the API gateway's reference signers agree with us):
// - Path: we sign the decoded path, as the Go SDK and the APIG reference signers do. The Node SDK runs the
//   path through legacy url.parse first, which pre-escapes space " ' < > \ ^ ` { | } so they end up
//   double-encoded (a space is signed as %2520 although %20 is sent). For every other character the two
//   agree (test/modelarts/signer.oracle.test.ts).
// - Body: we hash the body string we send. The SDK hashes JSON.stringify(data), so a string body is
//   quoted twice and a falsy body (null, 0, false) is hashed as empty.
// - Host: WHATWG URL drops a default port (https://h:443 -> h), as the Host header fetch sends does; the
//   SDK's url.parse keeps it.
// - Header names are matched case-insensitively (Content-Type, Host, X-Sdk-Date, X-Sdk-Content-Sha256);
//   the SDK looks up some of them under one exact spelling only.

import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { ModelArtsError } from './errors';

export interface AkSkCredentials {
  ak: string;
  sk: string;
  securityToken?: string;
  projectId?: string;
}

export interface SignableRequest {
  method: string;
  /** Absolute URL, with the query. */
  url: string;
  headers: Record<string, string>;
  body?: string;
}

export const ALGORITHM = 'SDK-HMAC-SHA256';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
export const EMPTY_BODY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
export const DEFAULT_MAX_SKEW_MS = 15 * 60 * 1000;

const HEADER_DATE = 'X-Sdk-Date';
const HEADER_CONTENT_SHA256 = 'X-Sdk-Content-Sha256';
const HEADER_PROJECT_ID = 'X-Project-Id';
const HEADER_SECURITY_TOKEN = 'X-Security-Token';
const SDK_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const METHOD = /^[A-Z]+$/;
// HTTP token characters; the Node SDK sorts signed names with `<` but canonical headers with
// localeCompare, which only agree for [a-z0-9-], so that is what a header name may contain here.
const HEADER_NAME = /^[A-Za-z0-9-]+$/;
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

export class SigningError extends ModelArtsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('signing', message, options);
    this.name = 'SigningError';
  }
}

export const sha256Hex = (data: string) => createHash('sha256').update(data, 'utf8').digest('hex');

const hmacSha256Hex = (key: string, data: string) =>
  createHmac('sha256', Buffer.from(key, 'utf8')).update(data, 'utf8').digest('hex');

/** Percent-encodes everything except `A-Z a-z 0-9 - _ . ~`, as UTF-8 with upper-case hex. */
export function signerEncode(value: string): string {
  try {
    return encodeURIComponent(value).replace(
      /[!'()*]/g,
      (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
    );
  } catch (cause) {
    throw new SigningError('cannot encode a value containing an unpaired UTF-16 surrogate', { cause });
  }
}

// Decodes %XX runs as UTF-8 (invalid sequences become U+FFFD) and leaves a stray `%` alone, like Python's
// unquote in the gateway's reference signer; decodeURIComponent would throw on `100%`.
const decodePercent = (value: string) =>
  value.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) =>
    Buffer.from(run.replaceAll('%', ''), 'hex').toString('utf8'),
  );

/** CanonicalURI: the decoded path, each segment encoded, always ending in `/`. */
export function canonicalUri(pathname: string): string {
  const path = decodePercent(pathname || '/')
    .split('/')
    .map(signerEncode)
    .join('/');
  return path.endsWith('/') ? path : `${path}/`;
}

// Code-unit order, as Array.prototype.sort does in the SDK.
const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** CanonicalQueryString from a URL's `search` (`?a=1&b=2`): keys sorted, repeated keys' values sorted. */
export function canonicalQueryString(search: string): string {
  const grouped = new Map<string, string[]>();
  for (const [key, value] of new URLSearchParams(search)) {
    const values = grouped.get(key);
    if (values) values.push(value);
    else grouped.set(key, [value]);
  }
  return [...grouped.keys()]
    .sort(byCodeUnit)
    .flatMap((key) =>
      (grouped.get(key) ?? []).sort(byCodeUnit).map((v) => `${signerEncode(key)}=${signerEncode(v)}`),
    )
    .join('&');
}

export interface CanonicalParts {
  method: string;
  pathname: string;
  search: string;
  /** Signed headers as [lower-case name, value], in the order they are signed. */
  headers: ReadonlyArray<readonly [string, string]>;
  payloadHash: string;
}

/** The canonical request and the SignedHeaders list it commits to. */
export function canonicalRequest(parts: CanonicalParts): { canonicalRequest: string; signedHeaders: string } {
  const signedHeaders = parts.headers.map(([name]) => name).join(';');
  const canonicalHeaders = parts.headers.map(([name, value]) => `${name}:${value}\n`).join('');
  return {
    signedHeaders,
    canonicalRequest: [
      parts.method,
      canonicalUri(parts.pathname),
      canonicalQueryString(parts.search),
      canonicalHeaders,
      signedHeaders,
      parts.payloadHash,
    ].join('\n'),
  };
}

export const stringToSign = (sdkDate: string, canonical: string) =>
  `${ALGORITHM}\n${sdkDate}\n${sha256Hex(canonical)}`;

/** Hex HMAC-SHA256 of the StringToSign, keyed with the SK. */
export const signature = (sk: string, sdkDate: string, canonical: string) =>
  hmacSha256Hex(sk, stringToSign(sdkDate, canonical));

/** `YYYYMMDDTHHmmssZ` in UTC. */
export function formatSdkDate(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new SigningError('signing time is an invalid Date');
  return date
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
}

/** Epoch ms of a `YYYYMMDDTHHmmssZ` value, or undefined when it is not one (including 20240230T...). */
export function parseSdkDate(value: string): number | undefined {
  const m = SDK_DATE.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  return formatSdkDate(new Date(ms)) === value ? ms : undefined;
}

const findHeader = (headers: Record<string, string>, name: string) => {
  const lower = name.toLowerCase();
  return Object.keys(headers).find((key) => key.toLowerCase() === lower);
};

function parseUrl(url: string): URL {
  try {
    return new URL(url);
  } catch (cause) {
    throw new SigningError('request url must be an absolute URL', { cause });
  }
}

function checkHeaders(headers: Record<string, string>): void {
  const seen = new Set<string>();
  for (const [name, value] of Object.entries(headers)) {
    if (!HEADER_NAME.test(name)) {
      throw new SigningError(`header name "${name}" may only contain letters, digits and "-"`);
    }
    const lower = name.toLowerCase();
    if (seen.has(lower)) {
      throw new SigningError(`header "${name}" is given twice (names are case-insensitive)`);
    }
    seen.add(lower);
    // What Node's HTTP stack can send, minus leading/trailing blanks (fetch strips them, so they would be
    // signed but not sent).
    if (typeof value !== 'string' || !HEADER_VALUE.test(value) || /^[ \t]|[ \t]$/.test(value)) {
      throw new SigningError(
        `header "${name}" must be tab, printable ASCII or Latin-1 characters, without leading or trailing blanks`,
      );
    }
  }
}

function checkCredentials(creds: AkSkCredentials): void {
  if (!creds || typeof creds.ak !== 'string' || creds.ak === '') {
    throw new SigningError('credentials.ak is empty');
  }
  if (typeof creds.sk !== 'string' || creds.sk === '') throw new SigningError('credentials.sk is empty');
}

const isJsonContentType = (value: string | undefined) => !value || value.toLowerCase() === 'application/json';

const sortedSignedHeaders = (headers: Record<string, string>, host: string) =>
  Object.entries({ ...headers, host })
    .map(([name, value]) => [name.toLowerCase(), value] as const)
    .sort(([a], [b]) => byCodeUnit(a, b));

/**
 * Signs a request the way the Huawei Cloud Node SDK does and returns the headers to send: the input
 * headers plus X-Sdk-Date (from `now`, unless given), X-Project-Id and X-Security-Token (from the
 * credentials, unless given), X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD (Content-Type present and not exactly
 * application/json) and Authorization. `host` is signed (a given Host header wins over the URL's
 * host[:port]) but not returned: fetch sets it. Throws SigningError on input it cannot sign faithfully.
 */
export function signRequest(
  req: SignableRequest,
  creds: AkSkCredentials,
  now?: Date,
): Record<string, string> {
  checkCredentials(creds);
  if (!METHOD.test(req.method)) throw new SigningError(`method "${req.method}" must be upper-case letters`);
  const url = parseUrl(req.url);
  checkHeaders(req.headers);

  const headers: Record<string, string> = { ...req.headers };
  const addUnlessGiven = (name: string, value: string | undefined) => {
    if (value !== undefined && value !== '' && findHeader(headers, name) === undefined) headers[name] = value;
  };
  addUnlessGiven(HEADER_SECURITY_TOKEN, creds.securityToken);
  addUnlessGiven(HEADER_PROJECT_ID, creds.projectId);
  const contentTypeKey = findHeader(headers, 'content-type');
  if (!isJsonContentType(contentTypeKey && headers[contentTypeKey])) {
    addUnlessGiven(HEADER_CONTENT_SHA256, UNSIGNED_PAYLOAD);
  }
  addUnlessGiven(HEADER_DATE, formatSdkDate(now ?? new Date()));
  checkHeaders(headers); // again, for the values taken from the credentials

  const dateKey = findHeader(headers, HEADER_DATE) ?? HEADER_DATE;
  const sdkDate = headers[dateKey] ?? '';
  if (parseSdkDate(sdkDate) === undefined) {
    throw new SigningError(`header ${HEADER_DATE} must be a UTC time like 20240101T000000Z`);
  }
  const hostKey = findHeader(headers, 'host');
  const host = hostKey === undefined ? url.host : (headers[hostKey] ?? '');
  if (hostKey !== undefined) delete headers[hostKey];

  const contentShaKey = findHeader(headers, HEADER_CONTENT_SHA256);
  // No body hashes as the empty string, which is the SDK's EMPTY_BODY_SHA256.
  const payloadHash = contentShaKey ? (headers[contentShaKey] ?? '') : sha256Hex(req.body ?? '');
  const canonical = canonicalRequest({
    method: req.method,
    pathname: url.pathname,
    search: url.search,
    headers: sortedSignedHeaders(headers, host),
    payloadHash,
  });
  const sig = signature(creds.sk, sdkDate, canonical.canonicalRequest);
  headers.Authorization = `${ALGORITHM} Access=${creds.ak}, SignedHeaders=${canonical.signedHeaders}, Signature=${sig}`;
  return headers;
}

export type VerifyResult = { ok: true; ak: string } | { ok: false; reason: string };

const AUTHORIZATION =
  /^SDK-HMAC-SHA256 Access=([^,\s]+), ?SignedHeaders=([a-z0-9-]+(?:;[a-z0-9-]+)*), ?Signature=([0-9a-f]{64})$/;

const reject = (reason: string): VerifyResult => ({ ok: false, reason });

/**
 * Checks an SDK-HMAC-SHA256 signature the way the API gateway does: recomputes it over the headers the
 * request says it signed, with the request's own X-Sdk-Date, and compares in constant time. Refuses an
 * X-Sdk-Date more than maxSkewMs away from `now`. `host` is the Host the request arrived with. Reasons
 * name what failed and never contain the SK, the signature or a token.
 */
export function verifySignature(
  req: SignableRequest & { host: string },
  lookupSecret: (ak: string) => string | undefined,
  now: Date,
  maxSkewMs: number = DEFAULT_MAX_SKEW_MS,
): VerifyResult {
  const header = (name: string) => {
    const key = findHeader(req.headers, name);
    return key === undefined ? undefined : req.headers[key];
  };
  const authorization = header('authorization');
  if (authorization === undefined) return reject('missing Authorization header');
  const match = AUTHORIZATION.exec(authorization.trim());
  if (!match) {
    return reject(`Authorization header is not "${ALGORITHM} Access=..., SignedHeaders=..., Signature=..."`);
  }
  const [, ak = '', signedList = '', claimed = ''] = match;
  const signedNames = signedList.split(';');
  if (!signedNames.includes('x-sdk-date')) return reject('x-sdk-date is not among the signed headers');

  const sdkDate = header(HEADER_DATE) ?? '';
  const signedAt = parseSdkDate(sdkDate);
  if (signedAt === undefined) return reject('X-Sdk-Date is missing or not a UTC time like 20240101T000000Z');
  if (Math.abs(now.getTime() - signedAt) > maxSkewMs) {
    return reject(
      `X-Sdk-Date ${sdkDate} is more than ${Math.round(maxSkewMs / 1000)}s from server time ${formatSdkDate(now)}`,
    );
  }

  const sk = lookupSecret(ak);
  if (sk === undefined || sk === '') return reject('unknown access key');

  const signedHeaders: [string, string][] = [];
  for (const name of signedNames) {
    const value = name === 'host' ? req.host : header(name);
    if (value === undefined) return reject(`signed header ${name} is missing from the request`);
    signedHeaders.push([name, value]);
  }

  const contentSha = header(HEADER_CONTENT_SHA256);
  let payloadHash = sha256Hex(req.body ?? '');
  if (contentSha !== undefined) {
    if (!signedNames.includes('x-sdk-content-sha256')) {
      return reject('X-Sdk-Content-Sha256 is present but not signed');
    }
    if (contentSha !== UNSIGNED_PAYLOAD && contentSha !== payloadHash) {
      return reject('body does not match X-Sdk-Content-Sha256');
    }
    payloadHash = contentSha;
  }

  // The emulator may pass the raw request target (`/v2/...`); a fixed base keeps `//x` a path, not a host.
  const url = URL.parse(/^[a-z][a-z0-9+.-]*:/i.test(req.url) ? req.url : `http://verifier.invalid${req.url}`);
  if (url === null) return reject('request URL cannot be parsed');
  const { canonicalRequest: canonical } = canonicalRequest({
    method: req.method,
    pathname: url.pathname,
    search: url.search,
    headers: signedHeaders,
    payloadHash,
  });
  const expected = Buffer.from(signature(sk, sdkDate, canonical), 'hex');
  if (!timingSafeEqual(expected, Buffer.from(claimed, 'hex'))) return reject('signature does not match');
  return { ok: true, ak };
}

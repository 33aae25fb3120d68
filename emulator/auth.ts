import { ErrorCodes } from '../lib/modelarts/error-codes';
import { DEFAULT_MAX_SKEW_MS, formatSdkDate, parseSdkDate, verifySignature } from '../lib/modelarts/signer';
import type { AuthOptions } from './auth-options';
import { ApiError } from './route';
import type { TokenStore } from './tokens';

/** What the gateway sees of a request. */
export interface AuthRequest {
  method: string;
  /** The request target as received: path and query. */
  target: string;
  host: string;
  headers: Record<string, string>;
  body: string | undefined;
}

/**
 * Checks a ModelArts request in verify mode: an IAM token (X-Auth-Token) or an AK/SK signature. Returns the error
 * to answer with, or undefined when the caller is authenticated. Open mode accepts everything.
 */
export function authenticate(
  request: AuthRequest,
  auth: AuthOptions,
  tokens: TokenStore,
  now: number,
): ApiError | undefined {
  if (auth.mode === 'open') return undefined;
  const token = request.headers['x-auth-token'];
  if (token !== undefined) {
    return tokens.check(token, now)
      ? undefined
      : new ApiError(401, ErrorCodes.invalidToken, 'token is invalid');
  }
  const authorization = request.headers.authorization;
  if (authorization === undefined) {
    return new ApiError(
      401,
      ErrorCodes.signatureFailed,
      'Incorrect IAM authentication information: no Authorization or X-Auth-Token header',
    );
  }
  const sdkDate = request.headers['x-sdk-date'] ?? '';
  const signedAt = parseSdkDate(sdkDate);
  if (signedAt !== undefined && Math.abs(now - signedAt) > DEFAULT_MAX_SKEW_MS) {
    return new ApiError(
      401,
      ErrorCodes.signatureExpired,
      `Incorrect IAM authentication information: signature expired, signature time:${sdkDate}, server time:${formatSdkDate(new Date(now))}`,
    );
  }
  const credentials = auth.credentials ?? {};
  const result = verifySignature(
    {
      method: request.method,
      url: `http://${request.host}${request.target}`,
      host: request.host,
      headers: request.headers,
      ...(request.body !== undefined ? { body: request.body } : {}),
    },
    (ak) => (Object.hasOwn(credentials, ak) ? credentials[ak] : undefined),
    new Date(now),
  );
  if (result.ok) return undefined;
  return new ApiError(
    401,
    ErrorCodes.signatureFailed,
    `Incorrect IAM authentication information: verify aksk signature fail: ${result.reason}`,
  );
}

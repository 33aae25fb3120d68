// Each signed webhook request is accepted once. The signature covers the timestamp and the body, so a
// request seen again within its freshness window is a copy (a replay, or a client retrying without
// signing again): refused with 409 before any ModelArts call, and remembered only as long as the
// signature could pass the freshness check.

import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { ReplayGuard } from '../state/replay';
import { jsonResponse } from './http-response';
import { DEFAULT_MAX_SKEW_MS, signedRequest } from './webhook-signature';

/** Claims the request's signature; false when it was used before. Call once verifyWebhook accepted it. */
export async function firstUse(
  guard: ReplayGuard,
  headers: Record<string, string | undefined>,
  maxSkewMs = DEFAULT_MAX_SKEW_MS,
): Promise<boolean> {
  const signed = signedRequest(headers);
  // Verified headers are well-formed; anything else is refused all the same.
  if (!signed) return false;
  return guard.claim(signed.digest, signed.signedAt + maxSkewMs);
}

export const replayResponse = (): APIGatewayProxyStructuredResultV2 =>
  jsonResponse(409, {
    error: 'replayed',
    message: 'this signature was already used: sign each request afresh, with a new timestamp',
  });

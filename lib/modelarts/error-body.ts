// Turns a non-2xx response into a ModelArtsApiError. ModelArts answers `{"error_code","error_msg"}`; the
// Node SDK also accepts `{"error":{"code","message"}}`; the API gateway adds `request_id` to the body.

import { z } from 'zod';
import { ModelArtsApiError, type RequestLine } from './errors';
import { parseRetryAfter } from './retry';

// Built on first use (z.lazy): only an error response needs it.
const ErrorBodySchema = z.lazy(() =>
  z.looseObject({
    error_code: z.string().optional(),
    error_msg: z.string().optional(),
    request_id: z.string().optional(),
    // IAM (Keystone) puts a numeric code here.
    error: z
      .looseObject({ code: z.union([z.string(), z.number()]).optional(), message: z.string().optional() })
      .optional(),
  }),
);

const MAX_MESSAGE = 300;

/** Code, message (cut to 300 characters) and request id of an error body, whichever shape it has. */
export function readErrorBody(text: string): { errorCode?: string; errorMsg?: string; requestId?: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // A non-JSON body (a proxy's HTML page) is not quoted: it says nothing useful and might echo a request.
    return {};
  }
  const parsed = ErrorBodySchema.safeParse(json);
  if (!parsed.success) return {};
  const body = parsed.data;
  return {
    errorCode: body.error_code ?? (body.error?.code === undefined ? undefined : String(body.error.code)),
    errorMsg: (body.error_msg ?? body.error?.message)?.slice(0, MAX_MESSAGE),
    requestId: body.request_id,
  };
}

export interface ErrorResponse {
  status: number;
  statusText: string;
  headers: Headers;
  text: string;
}

export function apiErrorFromResponse(request: RequestLine, response: ErrorResponse, nowMs: number) {
  const body = readErrorBody(response.text);
  const requestId = response.headers.get('x-request-id') ?? body.requestId;
  const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), nowMs);
  return new ModelArtsApiError(request, {
    status: response.status,
    statusText: response.statusText,
    errorCode: body.errorCode,
    errorMsg: body.errorMsg,
    requestId: requestId ?? undefined,
    retryAfterMs,
  });
}

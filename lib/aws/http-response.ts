// JSON answers for the HTTP API: every answer, errors included, is a small JSON document; a stack
// trace or an internal message never reaches the caller.

import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { Rejection } from './webhook-request';

export function jsonResponse(statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
    body: JSON.stringify(body),
  };
}

export const rejectionResponse = ({ status, ...body }: Rejection): APIGatewayProxyStructuredResultV2 =>
  jsonResponse(status, body);

/** For the unexpected: the request id lets an operator find the logged error. */
export const internalErrorResponse = (requestId: string): APIGatewayProxyStructuredResultV2 =>
  jsonResponse(500, { error: 'internal-error', message: 'the request could not be processed', requestId });

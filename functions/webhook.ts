// HTTP API (POST /scale): a signed scale-up request for a pool and flavor. Checks run cheapest first:
// size (413), content type (415), signature and freshness (401), body (400); then one cycle for that
// pool, in which the request can raise the flavor's target but never lower it. See lib/aws/webhook-*.ts.

import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { onFirstInvocation } from '../lib/aws/cold-start';
import { internalErrorResponse, jsonResponse, rejectionResponse } from '../lib/aws/http-response';
import { eventDryRun, invocationCycleDeps, killSwitchEngaged } from '../lib/aws/invocation';
import { configForConnection } from '../lib/aws/managed-pools';
import { observe } from '../lib/aws/observability';
import { buildWebhookDeps, type WebhookDeps } from '../lib/aws/runtime';
import { scaleUpOptions, webhookAnswer } from '../lib/aws/webhook-answer';
import {
  checkContentType,
  parseScaleRequest,
  readRawBody,
  resolveConnection,
} from '../lib/aws/webhook-request';
import { verifyWebhook } from '../lib/aws/webhook-signature';
import { runCycle } from '../lib/cycle';

type Response = APIGatewayProxyStructuredResultV2;

export function makeHandler(deps: WebhookDeps) {
  const scale = async (event: APIGatewayProxyEventV2, context: Context): Promise<Response> => {
    const raw = readRawBody(event);
    if (!raw.ok) return rejectionResponse(raw.rejection);
    const contentType = checkContentType(event);
    if (!contentType.ok) return rejectionResponse(contentType.rejection);
    const signature = verifyWebhook({
      headers: event.headers ?? {},
      rawBody: raw.value,
      secrets: await deps.webhookSecrets(),
      now: deps.cycle.now(),
    });
    if (!signature.ok) {
      deps.logger.warn('webhook refused', { reason: signature.reason });
      return jsonResponse(401, { error: 'unauthorized', message: signature.message });
    }
    const request = parseScaleRequest(raw.value);
    if (!request.ok) return rejectionResponse(request.rejection);
    const connection = resolveConnection(deps.config.connections, request.value.connection);
    if (!connection.ok) return rejectionResponse(connection.rejection);
    const killSwitch = await killSwitchEngaged(deps);
    const result = await runCycle(
      connection.value ? configForConnection(deps.config, connection.value) : deps.config,
      invocationCycleDeps(deps, context),
      scaleUpOptions(request.value, eventDryRun(request.value.dryRun), killSwitch),
    );
    return webhookAnswer(request.value, result);
  };

  return middy(async (event: APIGatewayProxyEventV2, context: Context): Promise<Response> => {
    try {
      const response = await scale(event, context);
      deps.metrics.addMetric(response.statusCode === 202 ? 'WebhookAccepted' : 'WebhookRefused', 'Count', 1);
      return response;
    } catch (error) {
      deps.logger.error('webhook failed', error as Error);
      deps.metrics.addMetric('WebhookRefused', 'Count', 1);
      return internalErrorResponse(context.awsRequestId);
    }
  }).use(observe<APIGatewayProxyEventV2>(deps, (event) => event.requestContext?.requestId));
}

export const handler = onFirstInvocation(async () => makeHandler(await buildWebhookDeps()));

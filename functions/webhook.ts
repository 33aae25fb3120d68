// HTTP API (POST /scale): a signed scale-up request for a pool and flavor. Checks run cheapest first:
// size (413), content type (415), signature and freshness (401), body (400), a pool the config cannot
// manage (404), a signature used before (409); then one cycle for that pool, in which the request can
// raise the flavor's target but never lower it. See lib/aws/webhook-*.ts.

import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { onFirstInvocation } from '../lib/aws/cold-start';
import { internalErrorResponse, jsonResponse, rejectionResponse } from '../lib/aws/http-response';
import { decisionMetrics, eventDryRun, invocationCycleDeps, killSwitchEngaged } from '../lib/aws/invocation';
import { configForConnection } from '../lib/aws/managed-pools';
import { METRICS } from '../lib/aws/metric-catalogue';
import { addCatalogued, decisionLog, observe } from '../lib/aws/observability';
import { buildWebhookDeps, type WebhookDeps } from '../lib/aws/runtime';
import { scaleUpOptions, unknownPoolResponse, webhookAnswer } from '../lib/aws/webhook-answer';
import { heldDecisions, type PoolStanding, poolStanding } from '../lib/aws/webhook-pool';
import { firstUse, replayResponse } from '../lib/aws/webhook-replay';
import {
  checkContentType,
  parseScaleRequest,
  readRawBody,
  resolveConnection,
  type ScaleRequest,
} from '../lib/aws/webhook-request';
import { verifyWebhook } from '../lib/aws/webhook-signature';
import type { Config } from '../lib/config/types';
import { runCycle } from '../lib/cycle';

type Response = APIGatewayProxyStructuredResultV2;

type Admission =
  | { ok: false; response: Response }
  | { ok: true; request: ScaleRequest; config: Config; standing: PoolStanding };

export function makeHandler(deps: WebhookDeps) {
  const refuse = (response: Response): Admission => ({ ok: false, response });

  /** Every check before the cycle, cheapest first: a refusal, or the request and the config it runs on. */
  const admit = async (event: APIGatewayProxyEventV2): Promise<Admission> => {
    const raw = readRawBody(event);
    if (!raw.ok) return refuse(rejectionResponse(raw.rejection));
    const contentType = checkContentType(event);
    if (!contentType.ok) return refuse(rejectionResponse(contentType.rejection));
    const headers = event.headers ?? {};
    const signature = verifyWebhook({
      headers,
      rawBody: raw.value,
      secrets: await deps.webhookSecrets(),
      now: deps.cycle.now(),
    });
    if (!signature.ok) {
      deps.logger.warn('webhook refused', { reason: signature.reason });
      return refuse(jsonResponse(401, { error: 'unauthorized', message: signature.message }));
    }
    const request = parseScaleRequest(raw.value);
    if (!request.ok) return refuse(rejectionResponse(request.rejection));
    const connection = resolveConnection(deps.config.connections, request.value.connection);
    if (!connection.ok) return refuse(rejectionResponse(connection.rejection));
    const config = connection.value ? configForConnection(deps.config, connection.value) : deps.config;
    const standing = poolStanding(config, request.value.pool);
    if (standing === 'unknown') return refuse(unknownPoolResponse());
    if (!(await firstUse(deps.replay, headers))) {
      deps.logger.warn('webhook refused', { reason: 'replayed' });
      return refuse(replayResponse());
    }
    return { ok: true, request: request.value, config, standing };
  };

  const scale = async (event: APIGatewayProxyEventV2, context: Context): Promise<Response> => {
    const admitted = await admit(event);
    if (!admitted.ok) return admitted.response;
    const { request, config, standing } = admitted;
    const killSwitch = await killSwitchEngaged(deps);
    const decisions = heldDecisions(decisionLog(deps, decisionMetrics(deps.config)), (message, fields) =>
      deps.logger.warn(message, fields),
    );
    const result = await runCycle(
      config,
      { ...invocationCycleDeps(deps, context), log: decisions.log },
      scaleUpOptions(request, eventDryRun(request.dryRun), killSwitch),
    );
    decisions.release(request.pool, standing, result);
    return webhookAnswer(request, result);
  };

  return middy(async (event: APIGatewayProxyEventV2, context: Context): Promise<Response> => {
    try {
      const response = await scale(event, context);
      addCatalogued(
        deps.metrics,
        response.statusCode === 202 ? METRICS.webhookAccepted : METRICS.webhookRefused,
        1,
      );
      return response;
    } catch (error) {
      deps.logger.error('webhook failed', error as Error);
      addCatalogued(deps.metrics, METRICS.webhookRefused, 1);
      return internalErrorResponse(context.awsRequestId);
    }
  }).use(observe<APIGatewayProxyEventV2>(deps, (event) => event.requestContext?.requestId));
}

export const handler = onFirstInvocation(async () => makeHandler(await buildWebhookDeps()));

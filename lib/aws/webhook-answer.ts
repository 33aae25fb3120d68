// The webhook's answer once the cycle ran: 202 with what was done for the pool and flavor, or why not.

import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { type CycleOptions, type CycleResult, NOT_MANAGED } from '../cycle';
import { jsonResponse } from './http-response';
import type { ScaleRequest } from './webhook-request';

/** The cycle options for a scale-up request: a pushed backlog and/or minimum count that can only raise. */
export function scaleUpOptions(request: ScaleRequest, dryRun: boolean, killSwitch: boolean): CycleOptions {
  const { pool, flavor, backlog, minCount } = request;
  return {
    pools: [pool],
    dryRun,
    killSwitch,
    push: {
      origin: 'webhook',
      raiseOnly: true,
      ...(backlog === undefined ? {} : { backlogs: [{ pool, flavor, value: backlog }] }),
      ...(minCount === undefined ? {} : { minCounts: [{ pool, flavor, minCount }] }),
    },
  };
}

export const unknownPoolResponse = (): APIGatewayProxyStructuredResultV2 =>
  jsonResponse(404, { error: 'unknown-pool', message: 'the pool is not managed by this autoscaler' });

export function webhookAnswer(request: ScaleRequest, result: CycleResult): APIGatewayProxyStructuredResultV2 {
  const outcome = result.outcomes.find((candidate) => candidate.pool === request.pool);
  // No outcome: the pool exists but no config entry selects it.
  if (
    !outcome ||
    (outcome.status === 'failed' && (outcome.errorCode === NOT_MANAGED || outcome.httpStatus === 404))
  )
    return unknownPoolResponse();
  if (outcome.status === 'failed') {
    return jsonResponse(502, {
      error: 'scale-failed',
      message: outcome.error ?? 'the pool could not be scaled',
    });
  }
  // Busy: another invocation holds the lease; lost: it took the lease over before this one could write.
  if (outcome.status === 'lease-busy' || outcome.status === 'lease-lost') {
    return jsonResponse(409, {
      error: 'pool-busy',
      message: 'another invocation is scaling the pool; retry shortly',
    });
  }
  const poolPlan = result.plan.pools.find((candidate) => candidate.pool === request.pool);
  const decision = poolPlan?.flavors.find((candidate) => candidate.flavor === request.flavor);
  return jsonResponse(202, {
    status: 'accepted',
    pool: request.pool,
    flavor: request.flavor,
    dryRun: result.dryRun,
    outcome: outcome.status,
    ...(decision
      ? {
          current: decision.current,
          target: decision.target,
          action: decision.action,
          reasons: decision.reasons.map((reason) => reason.code),
        }
      : {}),
    poolReasons: poolPlan?.reasons.map((reason) => reason.code) ?? [],
    ...(outcome.patch ? { patch: outcome.patch } : {}),
  });
}

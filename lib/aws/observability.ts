// Powertools logger and metrics for the functions: JSON logs with the Lambda context and a correlation
// id, one decision record per pool and flavor, and CloudWatch EMF metrics per pool and flavor.

import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { MiddlewareObj } from '@middy/core';
import type { DecisionRecord } from '../cycle';

export const SERVICE_NAME = 'modelarts-autoscaler';
export const METRICS_NAMESPACE = 'ModelArtsAutoscaler';

export interface Observability {
  logger: Logger;
  metrics: Metrics;
}

/** POWERTOOLS_* environment variables (service name, namespace, log level) override these defaults. */
export function createObservability(
  options: { logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' } = {},
): Observability {
  const logger = new Logger({
    serviceName: SERVICE_NAME,
    ...(options.logLevel ? { logLevel: options.logLevel } : {}),
  });
  // Metrics' own warnings (no metrics to publish, a dimension overwritten) go through the logger: without
  // it they are plain console text, the only lines of the function that are not JSON.
  const metrics = new Metrics({ serviceName: SERVICE_NAME, namespace: METRICS_NAMESPACE, logger });
  return { logger, metrics };
}

/**
 * Middy middlewares: Lambda context and a fresh set of keys in every log line, the correlation id the
 * event carries, and the invocation's metrics flushed at the end (with a cold-start metric).
 */
export function observe<E>(
  { logger, metrics }: Observability,
  correlationId: (event: E) => string | undefined,
): MiddlewareObj<E>[] {
  const correlate: MiddlewareObj<E> = {
    before: (request) => {
      const id = correlationId(request.event);
      if (id) logger.setCorrelationId(id);
    },
  };
  return [
    injectLambdaContext(logger, { resetKeys: true }) as MiddlewareObj<E>,
    correlate,
    logMetrics(metrics, { captureColdStartMetric: true }) as MiddlewareObj<E>,
  ];
}

const SCALING_ACTIONS = new Set(['scale-up', 'scale-down']);

/**
 * The CycleDeps.log sink: the record as one structured log line, and its figures as one EMF document
 * with the pool (and flavor) as dimensions, so a dashboard can chart each flavor on its own.
 */
export function decisionLog({ logger, metrics }: Observability): (record: DecisionRecord) => void {
  return (record) => {
    if (record.outcome === 'failed') logger.warn('pool decision', { decision: record });
    else logger.info('pool decision', { decision: record });

    metrics.addDimension('pool', record.pool);
    if (record.flavor !== undefined) metrics.addDimension('flavor', record.flavor);
    if (record.current !== undefined) metrics.addMetric('CurrentNodes', MetricUnit.Count, record.current);
    if (record.target !== undefined) metrics.addMetric('TargetNodes', MetricUnit.Count, record.target);
    if (record.backlog !== undefined) metrics.addMetric('Backlog', MetricUnit.Count, record.backlog);
    const acted = SCALING_ACTIONS.has(record.action);
    metrics.addMetric('ScaleActions', MetricUnit.Count, acted && record.outcome === 'patched' ? 1 : 0);
    metrics.addMetric('DryRunScaleActions', MetricUnit.Count, acted && record.outcome === 'dry-run' ? 1 : 0);
    metrics.addMetric(
      'GuardSkips',
      MetricUnit.Count,
      record.action === 'skip' && record.outcome !== 'failed' ? 1 : 0,
    );
    metrics.addMetric('Errors', MetricUnit.Count, record.outcome === 'failed' ? 1 : 0);
    // Idle-node scale-in: nodes drained and deleted by name, and its two alarms.
    if (record.drained !== undefined)
      metrics.addMetric('NodesDrained', MetricUnit.Count, record.drained.length);
    if (record.deleted !== undefined)
      metrics.addMetric('NodesDeleted', MetricUnit.Count, record.deleted.length);
    if (record.reasons.includes('count-not-lowered'))
      metrics.addMetric('CountNotLowered', MetricUnit.Count, 1);
    if (record.reasons.includes('node-api-unavailable'))
      metrics.addMetric('NodeApiUnavailable', MetricUnit.Count, 1);
    metrics.publishStoredMetrics();
  };
}

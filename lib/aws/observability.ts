// Powertools logger and metrics for the functions: JSON logs with the Lambda context and a correlation
// id, one decision record per pool and flavor, and CloudWatch EMF metrics per connection and flavor
// (see metric-catalogue.ts).

import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { MiddlewareObj } from '@middy/core';
import type { DecisionRecord } from '../cycle';
import {
  METRICS,
  METRICS_NAMESPACE,
  type MetricDefinition,
  SERVICE_NAME,
  STAGE_DIMENSION,
  STAGE_ENV,
  UNDEPLOYED_STAGE,
} from './metric-catalogue';

export interface Observability {
  logger: Logger;
  metrics: Metrics;
}

/** The stage dimension's value: the deploy stage serverless.yml passes, or `local` outside a deployment. */
export const metricsStage = (env: Readonly<Record<string, string | undefined>>): string =>
  env[STAGE_ENV]?.trim() || UNDEPLOYED_STAGE;

/**
 * POWERTOOLS_* environment variables (service name, namespace, log level) override these defaults; the
 * stage dimension comes from AUTOSCALER_STAGE (metricsStage).
 */
export function createObservability(
  options: { logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' } = {},
  env: Readonly<Record<string, string | undefined>> = process.env,
): Observability {
  const logger = new Logger({
    serviceName: SERVICE_NAME,
    ...(options.logLevel ? { logLevel: options.logLevel } : {}),
  });
  // Metrics' own warnings (no metrics to publish, a dimension overwritten) go through the logger: without
  // it they are plain console text, the only lines of the function that are not JSON.
  const metrics = new Metrics({
    serviceName: SERVICE_NAME,
    namespace: METRICS_NAMESPACE,
    defaultDimensions: { [STAGE_DIMENSION]: metricsStage(env) },
    logger,
  });
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

/** How decision metrics are dimensioned: per connection and flavor, and per pool only when asked for. */
export interface DecisionMetricsOptions {
  perPool: boolean;
  /** The connection name of a pool key (`projectId/pool`). */
  connectionOf: (key: string) => string;
}

/** The connection of each pool key, from the connections' project ids (the key's first part). */
export function connectionByKey(connections: readonly { name: string; projectId: string }[]) {
  const byProject = new Map<string, string>();
  for (const connection of connections)
    if (!byProject.has(connection.projectId)) byProject.set(connection.projectId, connection.name);
  return (key: string): string => {
    const projectId = key.slice(0, key.indexOf('/'));
    return byProject.get(projectId) ?? projectId;
  };
}

/** One catalogued metric added to the invocation's (or the record's) EMF document. */
export function addCatalogued(metrics: Metrics, metric: MetricDefinition, value: number): void {
  metrics.addMetric(metric.name, metric.unit, value);
}

/** A decision record's figures, by catalogue entry (undefined: not emitted for this record). */
function decisionFigures(record: DecisionRecord): [MetricDefinition, number | undefined][] {
  const acted = SCALING_ACTIONS.has(record.action);
  const has = (reason: string) => (record.reasons.includes(reason) ? 1 : undefined);
  return [
    [METRICS.currentNodes, record.current],
    [METRICS.availableNodes, record.available],
    [METRICS.targetNodes, record.target],
    [METRICS.backlog, record.backlog],
    [METRICS.scaleActions, acted && record.outcome === 'patched' ? 1 : 0],
    [METRICS.dryRunScaleActions, acted && record.outcome === 'dry-run' ? 1 : 0],
    [METRICS.guardSkips, record.action === 'skip' && record.outcome !== 'failed' ? 1 : 0],
    [METRICS.errors, record.outcome === 'failed' ? 1 : 0],
    [METRICS.backoffs, has('scale-in-backoff') ?? has('patch-conflict')],
    // Capacity (issue #15): a backoff by cause, and the pool an operator must repair.
    [METRICS.soldOutBackoffs, has('patch-sold-out')],
    [METRICS.quotaBackoffs, has('patch-quota')],
    [METRICS.stuckCreatingBackoffs, has('stuck-creating')],
    [METRICS.poolScalingFailed, has('pool-scaling-failed')],
    // Idle-node scale-in: nodes drained and deleted by name, and its two alarms.
    [METRICS.nodesDrained, record.drained?.length],
    [METRICS.nodesDeleted, record.deleted?.length],
    [METRICS.countNotLowered, has('count-not-lowered')],
    [METRICS.nodeApiUnavailable, has('node-api-unavailable')],
  ];
}

/**
 * The CycleDeps.log sink: the record as one structured log line, and its figures as one EMF document with
 * the connection and flavor (and, opted in, the pool) as dimensions, so a dashboard can chart each flavor.
 * Per-pool dimensions multiply the custom metrics billed (README "Watching it").
 */
export function decisionLog(
  { logger, metrics }: Observability,
  options: DecisionMetricsOptions,
): (record: DecisionRecord) => void {
  return (record) => {
    if (record.outcome === 'failed') logger.warn('pool decision', { decision: record });
    else logger.info('pool decision', { decision: record });

    metrics.addDimension('connection', options.connectionOf(record.key));
    // A record of a pool that could not be read names no flavor; CloudWatch needs every dimension of the set.
    metrics.addDimension('flavor', record.flavor ?? '-');
    if (options.perPool) metrics.addDimension('pool', record.pool);
    for (const [metric, value] of decisionFigures(record))
      if (value !== undefined) addCatalogued(metrics, metric, value);
    metrics.publishStoredMetrics();
  };
}

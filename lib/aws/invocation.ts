// What every function does per invocation before a cycle: the cycle's dependencies for this invocation
// (lease owner = request id, decisions to the logger and metrics) and the kill switch's current state.

import type { Context } from 'aws-lambda';
import type { Config } from '../config';
import type { CycleDeps, CycleResult } from '../cycle';
import { METRICS } from './metric-catalogue';
import { addCatalogued, connectionByKey, type DecisionMetricsOptions, decisionLog } from './observability';
import type { FunctionDeps } from './runtime';

export function invocationCycleDeps(
  deps: FunctionDeps,
  context: Pick<Context, 'awsRequestId'> & Partial<Pick<Context, 'getRemainingTimeInMillis'>>,
): CycleDeps {
  const { killSwitch } = deps;
  const remaining = context.getRemainingTimeInMillis?.();
  return {
    ...deps.cycle,
    owner: context.awsRequestId,
    ...(remaining === undefined ? {} : { invocationEndsAt: deps.cycle.now() + remaining }),
    log: decisionLog(deps, decisionMetrics(deps.config)),
    // Read again before every write; the reader's cache keeps that to one SSM call per 5 s.
    ...(killSwitch ? { killSwitch: async () => (await killSwitch.read()).engaged } : {}),
  };
}

/** true when the kill switch parameter says stop (or cannot be read); logged with its reason. */
/** The decision metrics' dimensions for this config (per connection and flavor, per pool when opted in). */
export const decisionMetrics = (config: Pick<Config, 'metrics' | 'connections'>): DecisionMetricsOptions => ({
  perPool: config.metrics.perPool,
  connectionOf: connectionByKey(config.connections),
});

/**
 * The heartbeat: a cycle (or pool message) that finished with no failed pool counts 1. Expired keys or a
 * broken endpoint fail every pool, and the no-successful-cycle alarm fires on its absence.
 */
export function reportCycleHeartbeat(deps: FunctionDeps, result: CycleResult): void {
  const failed = result.outcomes.some((outcome) => outcome.status === 'failed');
  addCatalogued(deps.metrics, METRICS.cyclesSucceeded, failed ? 0 : 1);
}

export async function killSwitchEngaged(deps: FunctionDeps): Promise<boolean> {
  if (!deps.killSwitch) return false;
  const state = await deps.killSwitch.read();
  if (state.engaged)
    deps.logger.warn('kill switch engaged: planning only, changing nothing', { reason: state.reason });
  return state.engaged;
}

/** The dry-run flag an event may carry: only `true` turns it on (config dryRun applies regardless). */
export const eventDryRun = (value: unknown): boolean => value === true;

/** Warnings that fail nothing (a selector matching no pool): a log line each, and a metric to alarm on. */
export function reportCycleWarnings(deps: FunctionDeps, result: CycleResult): void {
  for (const warning of result.warnings) deps.logger.warn(warning.message, { code: warning.code });
  const idle = result.warnings.filter((warning) => warning.code === 'selector-matches-no-pool').length;
  if (idle > 0) addCatalogued(deps.metrics, METRICS.selectorsMatchingNoPool, idle);
}

/** A cycle's outcomes in a few fields, for responses and the invocation log line. */
export function summarizeCycle(result: CycleResult) {
  const counts: Record<string, number> = {};
  for (const outcome of result.outcomes) counts[outcome.status] = (counts[outcome.status] ?? 0) + 1;
  return {
    at: new Date(result.at).toISOString(),
    dryRun: result.dryRun,
    pools: result.outcomes.length,
    counts,
    outcomes: result.outcomes.map((outcome) => ({
      pool: outcome.pool,
      connection: outcome.connection,
      status: outcome.status,
      ...(outcome.error ? { error: outcome.error } : {}),
    })),
  };
}

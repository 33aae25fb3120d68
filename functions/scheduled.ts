// EventBridge schedule: one cycle over the managed pools, or, above config.fanOutAbovePools, one FIFO
// message per pool for the worker. An event may carry `detail.dryRun: true`.

import { EventBridgeSchema } from '@aws-lambda-powertools/parser/schemas/eventbridge';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { onFirstInvocation } from '../lib/aws/cold-start';
import { parsedEvent } from '../lib/aws/event-parser';
import { FanOutError } from '../lib/aws/fan-out';
import {
  eventDryRun,
  invocationCycleDeps,
  killSwitchEngaged,
  reportCycleHeartbeat,
  reportCycleWarnings,
  summarizeCycle,
} from '../lib/aws/invocation';
import { managedPools, poolMessages, shouldFanOut } from '../lib/aws/managed-pools';
import { METRICS } from '../lib/aws/metric-catalogue';
import { addCatalogued, observe } from '../lib/aws/observability';
import { buildScheduledDeps, type ScheduledDeps } from '../lib/aws/runtime';
import { runCycle } from '../lib/cycle';

export const ScheduledEventSchema = EventBridgeSchema.extend({
  detail: z.looseObject({ dryRun: z.boolean().optional() }),
});

export type ScheduledEvent = z.output<typeof ScheduledEventSchema>;

export function makeHandler(deps: ScheduledDeps) {
  return middy(async (event: ScheduledEvent, context: Context) => {
    const dryRun = eventDryRun(event.detail.dryRun);
    // Without a queue (local runs) the cycle runs here whatever the pool count: nothing to count.
    if (deps.queue) {
      const { pools, failures } = await managedPools(deps.config, deps.cycle.clients, {
        now: deps.cycle.now,
        // A cycle run here lists the pools itself: listing named pools only pays when fanning out.
        listNamed: (count) => shouldFanOut(deps.config, count),
      });
      if (shouldFanOut(deps.config, pools.length)) {
        const result = await deps.queue.send(poolMessages(pools, event.time, dryRun));
        addCatalogued(deps.metrics, METRICS.fanOutMessages, result.sent.length);
        deps.logger.info('fanned out', {
          tick: event.time,
          sent: result.sent.length,
          listFailures: failures,
        });
        // A failed invocation is retried by EventBridge; the deduplication ids make re-sent messages harmless.
        if (result.failed.length > 0) throw new FanOutError(result.failed, result.sent.length);
        return {
          mode: 'fan-out' as const,
          tick: event.time,
          sent: result.sent.length,
          listFailures: failures,
        };
      }
    }
    const killSwitch = await killSwitchEngaged(deps);
    const result = await runCycle(deps.config, invocationCycleDeps(deps, context), { dryRun, killSwitch });
    const summary = summarizeCycle(result);
    reportCycleWarnings(deps, result);
    reportCycleHeartbeat(deps, result);
    addCatalogued(deps.metrics, METRICS.poolsEvaluated, summary.pools);
    deps.logger.info('cycle done', { summary: { ...summary, outcomes: undefined } });
    return { mode: 'cycle' as const, ...summary };
  })
    .use(observe<ScheduledEvent>(deps, (event) => event.id))
    .use(parsedEvent(ScheduledEventSchema));
}

export const handler = onFirstInvocation(async () => makeHandler(await buildScheduledDeps()));

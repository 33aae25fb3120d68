// Manual invocation: the dry-run plan for every managed pool, or the pools named, as JSON. Always a
// dry run, whatever the config or the event says: it sends no PATCH and writes no state.
//   {}   or   {"pools": ["pool-a", "pool-b"]}   or   {"connection": "prod", "pools": ["pool-a"]}

import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { onFirstInvocation } from '../lib/aws/cold-start';
import { parsedEvent } from '../lib/aws/event-parser';
import { invocationCycleDeps, reportCycleWarnings, summarizeCycle } from '../lib/aws/invocation';
import { configForConnection } from '../lib/aws/managed-pools';
import { METRICS } from '../lib/aws/metric-catalogue';
import { addCatalogued, observe } from '../lib/aws/observability';
import { buildFunctionDeps, type FunctionDeps } from '../lib/aws/runtime';
import { runCycle } from '../lib/cycle';

export const PlanEventSchema = z.strictObject({
  pools: z
    .array(z.string().min(1))
    .min(1)
    .optional()
    .describe('Only these pools (metadata.name); default all.'),
  connection: z.string().min(1).optional().describe("Only this connection's pools."),
});

export type PlanEvent = z.output<typeof PlanEventSchema>;

export function makeHandler(deps: FunctionDeps) {
  return middy(async (event: PlanEvent, context: Context) => {
    const config = event.connection ? configForConnection(deps.config, event.connection) : deps.config;
    const result = await runCycle(config, invocationCycleDeps(deps, context), {
      dryRun: true,
      ...(event.pools ? { pools: event.pools } : {}),
    });
    const summary = summarizeCycle(result);
    reportCycleWarnings(deps, result);
    addCatalogued(deps.metrics, METRICS.poolsEvaluated, summary.pools);
    return { ...summary, plan: result.plan };
  })
    .use(observe<PlanEvent>(deps, () => undefined))
    .use(parsedEvent(PlanEventSchema));
}

export const handler = onFirstInvocation(async () => makeHandler(await buildFunctionDeps()));

// One scaling cycle: read pools, read backlogs, prepare, plan, then settle each pool (apply under its lease,
// or a dry run) and report. Everything with I/O arrives in CycleDeps; the decisions themselves are
// lib/scaling's pure plan(). The steps are in lib/cycle/.

// Imported from the modules, not the config index: that one also loads the YAML parser, which Lambda bundles
// (config inlined at build time) do not need.
import { forEachBounded } from './bounded';
import type { Config } from './config/types';
import { mayChange, settle } from './cycle/apply-pool';
import { prepare } from './cycle/prepare';
import { readAllBacklogs } from './cycle/read-backlogs';
import { readPools } from './cycle/read-pools';
import { withStockWhereGrowing } from './cycle/read-stock';
import { notifySettled, report, reportFailure } from './cycle/report';
import { watchCreating } from './cycle/stuck-creating';
import type { CycleDeps, CycleOptions, CycleResult, Prepared, Settled } from './cycle/types';
import { type PoolPlan, plan } from './scaling/plan';

export { CLOCK_SKEW_ALLOWANCE_MS, LEASE_TTL_MS } from './cycle/apply-pool';
export { NOT_MANAGED } from './cycle/outcomes';
export { MAX_LISTED_AGE_MS } from './cycle/read-pools';
export type {
  CycleDeps,
  CycleNotice,
  CycleOptions,
  CycleResult,
  CycleWarning,
  DecisionRecord,
  ListedPool,
  MinCount,
  NoticePool,
  PoolOutcome,
  PoolStatus,
  Push,
} from './cycle/types';

/**
 * History saves of unchanged pools in flight at once. DynamoDB, not the ModelArts gateway, answers them: at
 * about 5 ms each, 16 at once save 900 pools in about 0.3 s, well within the time the pools that change take.
 * More would only queue the changing pools' own state requests behind them where the state store, or the
 * function's CPU, is the bound (dynalite in the bench; a 512 MB Lambda has about a third of a vCPU).
 */
export const STATE_WRITE_CONCURRENCY = 16;

/**
 * Indexes of the plans that send ModelArts requests (a PATCH or a scale-in, a GET first), and of those that
 * only save their history.
 */
function byRequests(plans: readonly PoolPlan[]): { changing: number[]; keepOnly: number[] } {
  const changing: number[] = [];
  const keepOnly: number[] = [];
  for (const [index, poolPlan] of plans.entries()) (mayChange(poolPlan) ? changing : keepOnly).push(index);
  return { changing, keepOnly };
}

export async function runCycle(
  config: Config,
  deps: CycleDeps,
  options: CycleOptions = {},
): Promise<CycleResult> {
  const at = deps.now();
  const dryRun = Boolean(options.dryRun || config.dryRun);
  const killSwitch = Boolean(options.killSwitch || config.killSwitch.enabled);

  const read = await readPools(config, deps, options.pools, options.listed);
  const backlogs = await readAllBacklogs(config, deps, read.snapshots, options, at);
  const { prepared, failures } = await prepare(config, deps, read.snapshots, backlogs, options);
  const creating = await watchCreating(deps, prepared, at);
  const planned = plan({ now: at, killSwitch, pools: prepared.map((p) => p.input) });
  const stock = await withStockWhereGrowing(deps, prepared, planned, dryRun, killSwitch, at);

  const settled: Settled[] = new Array(prepared.length);
  const ctx = { deps, dryRun, killSwitch };
  // Decisions are reported in the order the pools were read, each once it and every pool before it are
  // settled: a thousand records are written while the last PATCHes are in flight, not after them.
  let reported = 0;
  const reportSettled = () => {
    for (let next = settled[reported]; next; next = settled[++reported])
      report(deps, at, dryRun, next.plan, next.outcome);
  };
  const settleAt = async (index: number) => {
    const done = await settle(ctx, prepared[index] as Prepared, planned.pools[index] as PoolPlan);
    // What the cycle found before planning (stuck nodes) belongs to whichever plan the pool settled on.
    const found = creating.reasons.get(index);
    settled[index] = found
      ? { ...done, plan: { ...done.plan, reasons: [...done.plan.reasons, ...found] } }
      : done;
    reportSettled();
  };
  // Pools the snapshot plan leaves alone cost no ModelArts request, only their history save: they run at the
  // state store's concurrency, beside (not behind) the pools that may change, which keep config.concurrency,
  // the bound on requests in flight to the ModelArts gateway.
  const { changing, keepOnly } = byRequests(planned.pools);
  await Promise.all([
    forEachBounded(changing, config.concurrency, settleAt),
    forEachBounded(keepOnly, STATE_WRITE_CONCURRENCY, settleAt),
  ]);

  const unread = [...read.failures, ...failures];
  for (const outcome of unread) reportFailure(deps, at, dryRun, outcome);
  if (!dryRun) await notifySettled(deps, at, settled, prepared, unread);
  return {
    at,
    dryRun,
    plan: { ...planned, pools: settled.map((s) => s.plan) },
    outcomes: [...settled.map((s) => s.outcome), ...unread],
    warnings: [...read.warnings, ...stock.warnings, ...creating.warnings],
  };
}

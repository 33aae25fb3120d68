// Step 5: settle each pool. A pool the snapshot plan leaves alone costs no ModelArts request. A pool that may
// change is read again (GET) and re-planned on that answer before anything is written: under its lease for
// apply, without one for a dry run, so that a dry run shows what apply would do. Every write is preceded by a
// fresh kill-switch reading and a fence on the lease, and the transport starts no attempt past the pool's
// deadline, which ends before the lease does.

import { recordOrder } from '../capacity/order';
import type { Pool } from '../modelarts/schemas';
import type { Deadline } from '../modelarts/transport';
import { type PoolPlan, plan } from '../scaling/plan';
import type { PoolHistory } from '../state/store';
import { capacityOf, refusedPatch, withCapacity } from './capacity-outcome';
import { CLOCK_SKEW_ALLOWANCE_MS, INVOCATION_SAVE_MARGIN_MS, LEASE_TTL_MS } from './lease-timing';
import { failure } from './outcomes';
import { saveHistory } from './save-history';
import { runScaleIn, type ScaleInResult, type WriteGate } from './scale-in';
import type { CycleDeps, PoolOutcome, Prepared, Settled } from './types';

export { CLOCK_SKEW_ALLOWANCE_MS, LEASE_TTL_MS };

/** The last moment an attempt may start under a lease: one attempt's timeout and the skew before it ends. */
export const leaseDeadline = (expiresAt: number, attemptTimeoutMs: number, now: () => number): Deadline => ({
  at: expiresAt - attemptTimeoutMs - CLOCK_SKEW_ALLOWANCE_MS,
  now,
});

/**
 * The pool's deadline: the lease's, and, when the invocation itself ends sooner (a webhook's 29 s), early enough
 * that its last attempt and the history save after it finish before the platform stops the function.
 */
export function poolDeadline(
  expiresAt: number,
  invocationEndsAt: number | undefined,
  attemptTimeoutMs: number,
  now: () => number,
): Deadline {
  const lease = leaseDeadline(expiresAt, attemptTimeoutMs, now);
  if (invocationEndsAt === undefined) return lease;
  return { at: Math.min(lease.at, invocationEndsAt - attemptTimeoutMs - INVOCATION_SAVE_MARGIN_MS), now };
}

export interface SettleContext {
  deps: CycleDeps;
  dryRun: boolean;
  /** The kill switch as read at the start of the cycle. */
  killSwitch: boolean;
}

const outcomeBase = (prepared: Prepared) => ({
  key: prepared.snapshot.key,
  pool: prepared.snapshot.pool.metadata.name,
  connection: prepared.snapshot.connection.name,
});

const quietStatus = (poolPlan: PoolPlan): PoolOutcome['status'] =>
  poolPlan.action === 'skip' ? 'skipped' : 'unchanged';

function replan(
  ctx: SettleContext,
  prepared: Prepared,
  pool: Pool,
  history: PoolHistory,
  killSwitch: boolean,
) {
  const input = { ...prepared.input, pool, history };
  return plan({ now: ctx.deps.now(), killSwitch, pools: [input] }).pools[0] as PoolPlan;
}

/** The switch as it is now; a reader that fails counts as engaged (the port's rule). */
const killSwitchNow = async (ctx: SettleContext): Promise<boolean> =>
  ctx.killSwitch || ((await ctx.deps.killSwitch?.()) ?? false);

/** Recommendations must accumulate even when nothing changes, or stabilization windows never fill. */
async function keep(ctx: SettleContext, prepared: Prepared, poolPlan: PoolPlan): Promise<Settled> {
  const base = outcomeBase(prepared);
  if (ctx.dryRun) return { outcome: { ...base, status: quietStatus(poolPlan) }, plan: poolPlan };
  try {
    const history = withCapacity(poolPlan.history, capacityOf(poolPlan, prepared.input.history));
    await saveHistory(ctx.deps.store, base.key, history, prepared.revision);
    return { outcome: { ...base, status: quietStatus(poolPlan) }, plan: poolPlan };
  } catch (error) {
    return { outcome: { ...base, ...failure(error) }, plan: poolPlan };
  }
}

/** What apply would do, on a fresh read; nothing is written. */
async function preview(ctx: SettleContext, prepared: Prepared, poolPlan: PoolPlan): Promise<Settled> {
  const base = outcomeBase(prepared);
  try {
    const fresh = await ctx.deps.clients(base.connection).getPool(base.pool);
    const current = replan(ctx, prepared, fresh, prepared.input.history, ctx.killSwitch);
    if (!current.patch && current.scaleIn !== undefined) {
      const client = ctx.deps.clients(base.connection);
      const result = await runScaleIn({
        client,
        pool: fresh,
        plan: current,
        memory: prepared.input.history.scaleIn,
        now: ctx.deps.now,
      });
      return scaleInSettled(base, current, result);
    }
    const outcome: PoolOutcome = current.patch
      ? { ...base, status: 'dry-run', patch: current.patch }
      : { ...base, status: quietStatus(current) };
    return { outcome, plan: current };
  } catch (error) {
    return { outcome: { ...base, ...failure(error) }, plan: poolPlan };
  }
}

async function applyUnderLease(ctx: SettleContext, prepared: Prepared, poolPlan: PoolPlan): Promise<Settled> {
  const { deps } = ctx;
  const base = outcomeBase(prepared);
  const lease = await deps.store
    .acquireLease(base.key, deps.owner, LEASE_TTL_MS, deps.now())
    .catch((error: unknown) => failure(error));
  if (lease && 'status' in lease) return { outcome: { ...base, ...lease }, plan: poolPlan };
  if (!lease) return { outcome: { ...base, status: 'lease-busy' }, plan: poolPlan };
  const client = deps.clients(base.connection);
  const deadline = poolDeadline(lease.expiresAt, deps.invocationEndsAt, client.attemptTimeoutMs, deps.now);
  let current = poolPlan;
  try {
    const stored = await deps.store.load(base.key);
    if (prepared.capacityUpdate !== undefined)
      stored.history = withCapacity(stored.history, prepared.capacityUpdate(stored.history.capacity));
    const fresh = await client.getPool(base.pool, { deadline });
    current = replan(ctx, prepared, fresh, stored.history, ctx.killSwitch);
    if (current.patch && (await killSwitchNow(ctx)))
      current = replan(ctx, prepared, fresh, stored.history, true);
    if (!current.patch && current.scaleIn !== undefined) {
      const mayWrite = async (): Promise<WriteGate> => {
        if (await killSwitchNow(ctx)) return 'kill-switch';
        const fenced = await deps.store.fenceLease(base.key, lease, LEASE_TTL_MS, deps.now());
        return fenced ? 'go' : 'lease-lost';
      };
      const result = await runScaleIn({
        client,
        pool: fresh,
        plan: current,
        memory: stored.history.scaleIn,
        deadline,
        now: deps.now,
        mayWrite,
      });
      const history = withCapacity(
        { ...current.history, scaleIn: result.memory },
        capacityOf(current, stored.history),
      );
      await saveHistory(deps.store, base.key, history, stored.revision);
      return scaleInSettled(base, { ...current, history }, result);
    }
    if (!current.patch) {
      const history = withCapacity(current.history, capacityOf(current, stored.history));
      await saveHistory(deps.store, base.key, history, stored.revision);
      return { outcome: { ...base, status: quietStatus(current) }, plan: current };
    }
    if (!(await deps.store.fenceLease(base.key, lease, LEASE_TTL_MS, deps.now())))
      return { outcome: { ...base, status: 'lease-lost', patch: current.patch }, plan: current };
    let answer: Pool;
    try {
      answer = await client.patchPool(base.pool, current.patch, { deadline });
    } catch (error) {
      // A PATCH that timed out may still have been applied: record the attempt, and what a refusal says about
      // capacity (a backoff, or the conflict wait), in the same save.
      const at = deps.now();
      const refused = refusedPatch(error, current, prepared, stored.history.capacity, at);
      const attempted = withCapacity({ ...stored.history, lastPatchAt: at }, refused?.capacity);
      await saveHistory(deps.store, base.key, attempted, stored.revision).catch(() => undefined);
      if (refused === undefined) throw error;
      const plan = { ...current, reasons: [...current.reasons, refused.reason] };
      return { outcome: { ...base, ...failure(error), status: 'backed-off', patch: current.patch }, plan };
    }
    const at = deps.now();
    const capacity = recordOrder(capacityOf(current, stored.history), current.patch, answer, at);
    await saveHistory(
      deps.store,
      base.key,
      withCapacity({ ...current.history, lastPatchAt: at }, capacity),
      stored.revision,
    );
    return { outcome: { ...base, status: 'patched', patch: current.patch }, plan: current };
  } catch (error) {
    const patch = current.patch ? { patch: current.patch } : {};
    return { outcome: { ...base, ...failure(error), ...patch }, plan: current };
  } finally {
    await deps.store.releaseLease(base.key, deps.owner).catch(() => undefined);
  }
}

/** The outcome of a scale-in: the nodes named, and its reasons added to the pool's plan. */
function scaleInSettled(
  base: ReturnType<typeof outcomeBase>,
  current: PoolPlan,
  result: ScaleInResult,
): Settled {
  const plan =
    result.reasons.length === 0 ? current : { ...current, reasons: [...current.reasons, ...result.reasons] };
  const status = result.error === undefined ? { status: result.status } : failure(result.error);
  return { outcome: { ...base, ...status, scaleIn: result.report }, plan };
}

/** Whether settling the plan sends ModelArts requests (a PATCH, or node reads and writes for a scale-in). */
export const mayChange = (poolPlan: PoolPlan): boolean =>
  poolPlan.patch !== undefined || poolPlan.scaleIn !== undefined;

export async function settle(ctx: SettleContext, prepared: Prepared, poolPlan: PoolPlan): Promise<Settled> {
  if (!mayChange(poolPlan)) return keep(ctx, prepared, poolPlan);
  return ctx.dryRun ? preview(ctx, prepared, poolPlan) : applyUnderLease(ctx, prepared, poolPlan);
}

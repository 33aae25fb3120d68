// Step 6: one decision record per pool and flavor, and one per pool that could not be read.

import type { PoolPlan } from '../scaling/plan';
import type { CycleDeps, DecisionRecord, PoolOutcome, Prepared, ScaleInReport, Settled } from './types';

export function report(
  deps: CycleDeps,
  at: number,
  dryRun: boolean,
  poolPlan: PoolPlan,
  outcome: PoolOutcome,
) {
  if (!deps.log) return;
  const common = { at, key: poolPlan.key, pool: poolPlan.pool, outcome: outcome.status, dryRun };
  const poolReasons = poolPlan.reasons.map((r) => r.code);
  const error = outcome.error ? { error: outcome.error } : {};
  if (poolPlan.flavors.length === 0)
    deps.log({ ...common, action: poolPlan.action, reasons: poolReasons, ...error });
  for (const flavor of poolPlan.flavors) {
    deps.log({
      ...common,
      flavor: flavor.flavor,
      current: flavor.current,
      available: flavor.available,
      target: flavor.target,
      ...(flavor.desired === undefined ? {} : { desired: flavor.desired }),
      ...(flavor.backlog === undefined ? {} : { backlog: flavor.backlog }),
      ...(flavor.backlogSource === undefined ? {} : { backlogSource: flavor.backlogSource }),
      action: flavor.action,
      reasons: [...poolReasons, ...flavor.reasons.map((r) => r.code)],
      ...error,
      ...scaleInFields(outcome.scaleIn, flavor.flavor),
    });
  }
}

/** The nodes a scale-in named for `flavor`, as record fields (none when it named none). */
export function scaleInFields(
  report: ScaleInReport | undefined,
  flavor: string,
): Pick<DecisionRecord, 'drained' | 'deleted' | 'undrained' | 'kept'> {
  if (report === undefined) return {};
  const names = (nodes: readonly { name: string; flavor: string }[]) =>
    nodes.filter((node) => node.flavor === flavor).map((node) => node.name);
  const fields: Pick<DecisionRecord, 'drained' | 'deleted' | 'undrained' | 'kept'> = {};
  const drained = names([...report.drained, ...report.picked]);
  const deleted = names(report.deleted);
  const undrained = names(report.undrained);
  const kept = report.kept.filter((node) => node.flavor === flavor).map(({ name, why }) => ({ name, why }));
  if (drained.length > 0) fields.drained = drained;
  if (deleted.length > 0) fields.deleted = deleted;
  if (undrained.length > 0) fields.undrained = undrained;
  if (kept.length > 0) fields.kept = kept;
  return fields;
}

export function reportFailure(deps: CycleDeps, at: number, dryRun: boolean, outcome: PoolOutcome) {
  deps.log?.({
    at,
    key: outcome.key,
    pool: outcome.pool,
    action: 'skip',
    reasons: ['read-failed'],
    outcome: 'failed',
    dryRun,
    ...(outcome.error ? { error: outcome.error } : {}),
  });
}

/**
 * The notifier's turn (lib/notify), once every outcome is known: a notifier that fails or hangs past its own
 * budget changes no outcome (it is not supposed to reject; this catch is the cycle's own guarantee).
 */
export async function notifySettled(
  deps: CycleDeps,
  at: number,
  settled: readonly Settled[],
  prepared: readonly Prepared[],
  unread: readonly PoolOutcome[],
): Promise<void> {
  if (!deps.notify) return;
  const pools = [
    ...settled.map((s, index) => ({ ...s, loaded: (prepared[index] as Prepared).input.history })),
    ...unread.map((outcome) => ({ outcome })),
  ];
  const endsAt = deps.invocationEndsAt === undefined ? {} : { endsAt: deps.invocationEndsAt };
  await deps.notify({ at, pools, ...endsAt }).catch(() => undefined);
}

// Backlog that arrives with the invocation (an SQS message, a webhook payload) instead of being read:
// it overlays the read values for that invocation only, stamped `pushed:<origin>`.

import { z } from 'zod';
import type { Backlog, BacklogValue } from './backlog';
import type { BacklogTarget } from './source';

// Built on first use (z.lazy): the functions overlay pushed values they have already checked, so a bundle
// that never parses one neither keeps nor builds it.
export const PushedBacklogSchema = z.lazy(() => {
  const backlogCount = z.number().nonnegative().finite();
  const name = z.string().min(1);
  return z.strictObject({
    pool: name,
    flavor: name,
    az: name.optional(),
    value: backlogCount,
    perAz: z.record(name, backlogCount).optional(),
    /** Epoch ms; default the invocation's time. */
    observedAt: z.number().int().positive().optional(),
  });
});

export type PushedBacklog = z.infer<typeof PushedBacklogSchema>;

export interface OverlayOptions {
  /** Names the carrier in decision records: `pushed:webhook`, `pushed:sqs`. */
  origin: string;
  /** Epoch ms, for pushed values without their own time. */
  now: number;
  /**
   * `replace` (default): the pushed value wins. `raise`: it wins only over a failed read or a lower
   * value, for carriers that may raise a flavor's backlog but never lower it.
   */
  mode?: 'replace' | 'raise';
}

/** The pushed value for `target`, or undefined when `pushed` says nothing about it. */
function valueFor(
  pushed: PushedBacklog,
  target: BacklogTarget,
): Pick<BacklogValue, 'value' | 'perAz'> | undefined {
  if (pushed.pool !== target.pool || pushed.flavor !== target.flavor) return undefined;
  if (target.az === undefined) {
    if (pushed.az !== undefined) return undefined;
    return pushed.perAz ? { value: pushed.value, perAz: pushed.perAz } : { value: pushed.value };
  }
  if (pushed.az === target.az) return { value: pushed.value };
  if (pushed.az === undefined && pushed.perAz) return { value: pushed.perAz[target.az] ?? 0 };
  return undefined;
}

export function overlayPushed<R extends BacklogTarget>(
  backlogs: ReadonlyMap<R, Backlog>,
  pushed: readonly PushedBacklog[],
  options: OverlayOptions,
): Map<R, Backlog> {
  const source = `pushed:${options.origin}`;
  const result = new Map(backlogs);
  for (const [target, read] of backlogs) {
    let latest: BacklogValue | undefined;
    for (const entry of pushed) {
      const value = valueFor(entry, target);
      const observedAt = entry.observedAt ?? options.now;
      if (value && (!latest || observedAt >= latest.observedAt))
        latest = { ok: true, ...value, observedAt, source };
    }
    if (!latest) continue;
    if (options.mode === 'raise' && read.ok && read.value > latest.value) continue;
    result.set(target, latest);
  }
  return result;
}

/**
 * Pushed values for flavors no read covers, as backlogs of their own: a push for a flavor the config does not
 * manage still reaches the planner, which records why it is refused (flavors are never added) instead of the
 * push being silently dropped.
 */
export function unreadPushed(
  pushed: readonly PushedBacklog[],
  covered: (pool: string, flavor: string) => boolean,
  options: Pick<OverlayOptions, 'origin' | 'now'>,
): { pool: string; flavor: string; backlog: Backlog }[] {
  return pushed
    .filter((entry) => !covered(entry.pool, entry.flavor))
    .map((entry) => ({
      pool: entry.pool,
      flavor: entry.flavor,
      backlog: {
        ok: true,
        value: entry.value,
        observedAt: entry.observedAt ?? options.now,
        source: `pushed:${options.origin}`,
      },
    }));
}

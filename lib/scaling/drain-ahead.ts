import type { FlavorHistory } from '../state/store';
import { recommendationsOrSeed } from './history';
import type { FlavorPolicy } from './policy';
import { stepLimit } from './target';

// Drain ahead, as Escalator taints a node before it deletes it: while the scale-down window holds a flavor's
// count above what its backlog asks, the idle nodes the window will release within one drain are drained now,
// so that the drain has stood by the time the window lets them go. Nothing is deleted early: a drained node is
// deleted only once the planner's own target drops, and when the backlog comes back first it is the first
// capacity put back (undrain), as any node the scaler drained. Without it every node leaving pays the window
// and then a whole drain, one after the other.

const MS = 1000;

export interface DrainAheadInput {
  policy: FlavorPolicy;
  history: FlavorHistory | undefined;
  current: number;
  /** The count the planner holds or sends down to this cycle. */
  target: number;
  /** This cycle's recommendation (clamped to the minimum in force). */
  desired: number;
  /** The count the windows leave this cycle (computeTarget's `stabilized`). */
  stabilized: number;
  now: number;
}

/**
 * The count to drain down to now, below `target`, or undefined when nothing is drained ahead: the flavor is not
 * on idle-nodes with drainAhead, its backlog asks for no fewer nodes, or something other than the scale-down
 * window holds the count (a cooldown, a step policy). What it drains is what the window, the step policies and
 * the cooldown will let go one drain from now. The caller checks guards and the backlog's validity.
 */
export function drainAheadCount(input: DrainAheadInput): number | undefined {
  const { policy, history, current, target, desired, stabilized, now } = input;
  const down = policy.scaleDown;
  if (!down.enabled || down.selectPolicy === 'Disabled') return undefined;
  if (down.method !== 'idle-nodes' || down.drainAhead === false) return undefined;
  if (down.drainSeconds === undefined || desired >= target || target > current) return undefined;
  if (stabilized !== target) return undefined;
  // The window's highest recommendation once drainSeconds have passed, if the backlog stays as it is now...
  const then = now + down.drainSeconds * MS;
  const cutoff = then - down.stabilizationWindowSeconds * MS;
  let soon = desired;
  for (const { at, count } of recommendationsOrSeed(history, current, now)) {
    if (at > cutoff && count > soon) soon = count;
  }
  // ...no lower than the step policies will let the count go by then, and nothing while a cooldown still runs.
  const events = history?.events ?? [];
  if (down.cooldownSeconds > 0 && events.some((e) => e.at + down.cooldownSeconds * MS > then))
    return undefined;
  soon = Math.max(soon, stepLimit(down, events, current, then, -1));
  return soon < target ? soon : undefined;
}

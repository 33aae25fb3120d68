import type { FlavorHistory, Recommendation } from '../state/store';
import type { DirectionRules, FlavorPolicy } from './policy';

// What one flavor's history must keep, and how a cycle extends it. An entry counts inside a window of W seconds
// when `at > now - W` (HPA's timestamp.After(cutoff)), so an entry exactly W old is already out.

const MS = 1000;

export interface HistoryHorizon {
  /** Recommendations older than this (ms) can no longer fall inside a stabilization window. */
  recommendationsMs: number;
  /** Scale events older than this (ms) can no longer fall inside a step-policy period or a cooldown. */
  eventsMs: number;
}

export function historyHorizon(policy: FlavorPolicy): HistoryHorizon {
  return {
    recommendationsMs:
      Math.max(policy.scaleUp.stabilizationWindowSeconds, policy.scaleDown.stabilizationWindowSeconds) * MS,
    eventsMs: Math.max(eventSeconds(policy.scaleUp), eventSeconds(policy.scaleDown)) * MS,
  };
}

function eventSeconds(rules: DirectionRules): number {
  let seconds = rules.cooldownSeconds;
  for (const step of rules.policies) if (step.periodSeconds > seconds) seconds = step.periodSeconds;
  return seconds;
}

/**
 * The recommendations stabilization reads. A flavor with none inside its longest window (first seen, or the
 * scaler was away for longer than the window) starts from the current count, as a fresh HPA does: the scaler
 * has not watched the backlog for a whole window, so it cannot know the backlog stayed low for one, and does
 * not scale down until it has. An empty list and a missing one mean the same, so a store may drop either.
 */
export function recommendationsOrSeed(
  history: FlavorHistory | undefined,
  current: number,
  now: number,
  horizonMs: number,
): readonly Recommendation[] {
  const stored = history?.recommendations;
  if (stored !== undefined) {
    const cutoff = now - horizonMs;
    for (const { at } of stored) if (at > cutoff) return stored;
  }
  return [{ at: now, count: current }];
}

export interface CycleRecord {
  now: number;
  current: number;
  /** The recommendation of this cycle (before stabilization and rate limits). */
  desired: number;
  /** The count this cycle sends; an event is recorded when it differs from `current`. */
  target: number;
}

/** The history to save once this cycle's plan is applied: its recommendation and change added, old entries gone. */
export function nextFlavorHistory(
  previous: FlavorHistory | undefined,
  policy: FlavorPolicy,
  cycle: CycleRecord,
): FlavorHistory {
  const { now, current, desired, target } = cycle;
  const horizon = historyHorizon(policy);
  const recommendations = since(
    recommendationsOrSeed(previous, current, now, horizon.recommendationsMs),
    now - horizon.recommendationsMs,
  );
  // With every window at 0 this cycle's entry would already be out of range: keep nothing.
  if (horizon.recommendationsMs > 0) recommendations.push({ at: now, count: desired });
  const events = since(previous?.events ?? [], now - horizon.eventsMs);
  if (target !== current && horizon.eventsMs > 0) events.push({ at: now, from: current, to: target });
  return { recommendations, events };
}

/** The same history with only what some window, period or cooldown can still read. */
export function pruneFlavorHistory(history: FlavorHistory, policy: FlavorPolicy, now: number): FlavorHistory {
  const horizon = historyHorizon(policy);
  return {
    recommendations: since(history.recommendations, now - horizon.recommendationsMs),
    events: since(history.events, now - horizon.eventsMs),
  };
}

/**
 * The entries newer than `cutoff`, as a new array that shares the entry objects (plans are not mutated, and
 * at 10,000 pools copying every entry each cycle would be most of the planner's time). Entries are stored
 * oldest first, so this is usually one slice; a list out of order is filtered instead.
 */
function since<T extends { at: number }>(entries: readonly T[], cutoff: number): T[] {
  let first = 0;
  while (first < entries.length && !((entries[first] as T).at > cutoff)) first++;
  for (let i = first + 1; i < entries.length; i++) {
    if (!((entries[i] as T).at > cutoff)) return entries.filter((entry) => entry.at > cutoff);
  }
  return entries.slice(first);
}

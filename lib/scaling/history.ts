import { bucketsToKeep } from '../forecast/seasonal';
import { recordBacklog } from '../forecast/series';
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
  return { recommendationsMs: recommendationHorizonMs(policy), eventsMs: eventHorizonMs(policy) };
}

const recommendationHorizonMs = (policy: FlavorPolicy): number =>
  Math.max(policy.scaleUp.stabilizationWindowSeconds, policy.scaleDown.stabilizationWindowSeconds) * MS;

const eventHorizonMs = (policy: FlavorPolicy): number =>
  Math.max(eventSeconds(policy.scaleUp), eventSeconds(policy.scaleDown)) * MS;

function eventSeconds(rules: DirectionRules): number {
  let seconds = rules.cooldownSeconds;
  for (const step of rules.policies) if (step.periodSeconds > seconds) seconds = step.periodSeconds;
  return seconds;
}

/**
 * The recommendations stabilization reads. A flavor with none stored starts from the current count, as a fresh
 * HPA does: the scaler has not watched the backlog for a whole window, so it cannot know the backlog stayed low
 * for one, and does not scale down until it has. A flavor has none when first seen, when its history was lost,
 * or when its pool was skipped for longer than its longest window (a skipped pool's history is pruned every
 * cycle). Stored entries that are all older than the window do not make a flavor fresh (HPA reads them the same
 * way): with a window no longer than the cycle interval, the previous cycle's entry is always out of the window,
 * and seeding again every cycle would hold the count forever. An empty list and a missing one mean the same, so
 * a store may drop either.
 */
export function recommendationsOrSeed(
  history: FlavorHistory | undefined,
  current: number,
  now: number,
): readonly Recommendation[] {
  const stored = history?.recommendations;
  return stored !== undefined && stored.length > 0 ? stored : [{ at: now, count: current }];
}

export interface CycleRecord {
  now: number;
  current: number;
  /** The recommendation of this cycle (before stabilization and rate limits). */
  desired: number;
  /** The count this cycle sends; an event is recorded when it differs from `current`. */
  target: number;
  /** The usable backlog reading of this cycle, recorded for the forecast when the policy has one. */
  backlog?: number | undefined;
}

/** The history to save once this cycle's plan is applied: its recommendation and change added, old entries gone. */
export function nextFlavorHistory(
  previous: FlavorHistory | undefined,
  policy: FlavorPolicy,
  cycle: CycleRecord,
  horizon: HistoryHorizon = historyHorizon(policy),
): FlavorHistory {
  const { now, current, desired, target } = cycle;
  const { recommendationsMs, eventsMs } = horizon;
  // With every window at 0 this cycle's entry would already be out of range: keep nothing.
  const recommendations =
    recommendationsMs > 0
      ? windowExtremes(recommendationsOrSeed(previous, current, now), now - recommendationsMs, {
          at: now,
          count: desired,
        })
      : [];
  const previousEvents = previous?.events ?? [];
  const events =
    previousEvents.length === 0 && target === current
      ? previousEvents
      : since(
          previousEvents,
          now - eventsMs,
          target !== current && eventsMs > 0 ? { at: now, from: current, to: target } : undefined,
        );
  return withSeries({ recommendations, events }, previous, policy, now, cycle.backlog);
}

/** The backlog series carried over, with this cycle's reading added when the policy forecasts. */
function withSeries(
  next: FlavorHistory,
  previous: FlavorHistory | undefined,
  policy: FlavorPolicy,
  now: number,
  backlog: number | undefined,
): FlavorHistory {
  const series = previous?.backlogSeries;
  if (policy.forecast === undefined) return next;
  if (backlog === undefined) return series === undefined ? next : { ...next, backlogSeries: series };
  return { ...next, backlogSeries: recordBacklog(series, now, backlog, bucketsToKeep(policy.forecast)) };
}

/**
 * The recommendations newer than `cutoff`, then `latest`, without those no window can ever need. Windows are
 * always "the last W seconds", and read only the lowest (scale-up) or the highest (scale-down) count in them;
 * an entry with a newer entry at or below its count AND a newer entry at or above it never decides either,
 * for any W, so it is dropped (the sliding-window minimum/maximum idea). What remains is exact, and small:
 * a flavor that recommends the same count cycle after cycle keeps one entry, not one per cycle.
 */
export function windowExtremes(
  entries: readonly Recommendation[],
  cutoff: number,
  latest: Recommendation,
): Recommendation[] {
  const ordered = isChronological(entries) ? entries : [...entries].sort((a, b) => a.at - b.at);
  const newest = ordered[ordered.length - 1];
  if (newest !== undefined && newest.at > latest.at) {
    // Entries from the future (a clock set back): which entry outlives which is unclear, so keep them all.
    return [...ordered.filter((entry) => entry.at > cutoff), latest].sort((a, b) => a.at - b.at);
  }
  // Newest first: keep an entry when it is a new lowest or a new highest so far. Two passes, so that the
  // array is allocated at its final length (a plan holds one per flavor; grown arrays carry spare slots).
  let kept = 1;
  let lowest = latest.count;
  let highest = latest.count;
  for (let i = ordered.length - 1; i >= 0; i--) {
    const entry = ordered[i] as Recommendation;
    if (!(entry.at > cutoff)) continue;
    if (entry.count < lowest) lowest = entry.count;
    else if (entry.count > highest) highest = entry.count;
    else continue;
    kept++;
  }
  const result = new Array<Recommendation>(kept);
  result[--kept] = latest;
  lowest = latest.count;
  highest = latest.count;
  for (let i = ordered.length - 1; kept > 0; i--) {
    const entry = ordered[i] as Recommendation;
    if (!(entry.at > cutoff)) continue;
    if (entry.count < lowest) lowest = entry.count;
    else if (entry.count > highest) highest = entry.count;
    else continue;
    result[--kept] = entry;
  }
  return result;
}

function isChronological(entries: readonly { at: number }[]): boolean {
  for (let i = 1; i < entries.length; i++)
    if ((entries[i] as { at: number }).at < (entries[i - 1] as { at: number }).at) return false;
  return true;
}

/** The same history with only what some window, period or cooldown can still read. */
export function pruneFlavorHistory(
  history: FlavorHistory,
  policy: FlavorPolicy,
  now: number,
  horizon: HistoryHorizon = historyHorizon(policy),
): FlavorHistory {
  const pruned: FlavorHistory = {
    recommendations: since(history.recommendations, now - horizon.recommendationsMs),
    events: since(history.events, now - horizon.eventsMs),
  };
  return withSeries(pruned, history, policy, now, undefined);
}

/**
 * The entries newer than `cutoff`, then `added`. The entry objects are shared (plans and their inputs are
 * read-only data, and at 10,000 pools copying every entry each cycle costs more than the planning), and so is
 * the array itself when nothing changes. Entries are stored oldest first, so the kept ones are one run; a list
 * out of order is filtered instead. A new array is allocated at its final length: growing it by a push would
 * allocate it twice.
 */
function since<T extends { at: number }>(entries: readonly T[], cutoff: number, added?: T): T[] {
  let first = 0;
  while (first < entries.length && !((entries[first] as T).at > cutoff)) first++;
  for (let i = first + 1; i < entries.length; i++) {
    if (!((entries[i] as T).at > cutoff)) {
      const kept = entries.filter((entry) => entry.at > cutoff);
      if (added !== undefined) kept.push(added);
      return kept;
    }
  }
  // Nothing aged out and nothing to add: the same entries, the same (read-only) array.
  if (first === 0 && added === undefined) return entries as T[];
  const length = entries.length - first + (added === undefined ? 0 : 1);
  const kept = new Array<T>(length);
  for (let i = first; i < entries.length; i++) kept[i - first] = entries[i] as T;
  if (added !== undefined) kept[length - 1] = added;
  return kept;
}

// Histories are saved on the revision they were loaded at. When another invocation saved in between (a
// webhook and a cron run on the same pool), both sets of recommendations and scale events are kept: the
// stored ones are merged with ours and the save is tried again.

import { HistoryConflictError } from '../state/errors';
import type { FlavorHistory, PoolHistory, StateStore } from '../state/store';
import { mergeCapacity } from './capacity-memory';

/**
 * Conflicting saves need invocations on one pool within one save; each round of them lets at least one
 * through, and a pause drawn from a doubling range spreads the rest, so even a burst settles (the reliability
 * suite races 50 invocations on a loaded machine). At most about 10 s of pauses in all.
 */
const SAVE_ATTEMPTS = 20;
const jitter = (attempt: number) =>
  new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(1_000, 10 * 2 ** attempt)));

const byTime = <T extends { at: number }>(a: T, b: T) => a.at - b.at;

function union<T extends { at: number }>(a: readonly T[], b: readonly T[]): T[] {
  const seen = new Map<string, T>();
  for (const entry of [...a, ...b]) seen.set(JSON.stringify(entry), entry);
  return [...seen.values()].sort(byTime);
}

/** Both histories' recommendations and events; the later lastPatchAt; the saver's scale-in memory; both capacity memories (capacity-memory.ts). */
export function mergeConcurrentHistories(stored: PoolHistory, mine: PoolHistory): PoolHistory {
  const flavors: Record<string, FlavorHistory> = {};
  for (const flavor of new Set([...Object.keys(stored.flavors), ...Object.keys(mine.flavors)])) {
    const a = stored.flavors[flavor] ?? { recommendations: [], events: [] };
    const b = mine.flavors[flavor] ?? { recommendations: [], events: [] };
    flavors[flavor] = {
      recommendations: union(a.recommendations, b.recommendations),
      events: union(a.events, b.events),
    };
  }
  const lastPatchAt = Math.max(stored.lastPatchAt ?? -Infinity, mine.lastPatchAt ?? -Infinity);
  const merged: PoolHistory = Number.isFinite(lastPatchAt) ? { flavors, lastPatchAt } : { flavors };
  // Node memory is written under the lease, after the saver's own node reads: the saver's is the newer.
  const scaleIn = mine.scaleIn ?? stored.scaleIn;
  if (scaleIn !== undefined) merged.scaleIn = scaleIn;
  const capacity = mergeCapacity(stored.capacity, mine.capacity);
  if (capacity !== undefined) merged.capacity = capacity;
  // The notifier saves after the cycle's own saves: the saver's is the newer.
  const notified = mine.notified ?? stored.notified;
  if (notified !== undefined) merged.notified = notified;
  return merged;
}

export async function saveHistory(
  store: StateStore,
  key: string,
  history: PoolHistory,
  revision: number,
): Promise<void> {
  let mine = history;
  let expected = revision;
  for (let attempt = 1; ; attempt++) {
    try {
      await store.save(key, mine, expected);
      return;
    } catch (error) {
      if (!(error instanceof HistoryConflictError) || attempt >= SAVE_ATTEMPTS) throw error;
      await jitter(attempt);
      const stored = await store.load(key);
      mine = mergeConcurrentHistories(stored.history, mine);
      expected = stored.revision;
    }
  }
}

// Step 3: each pool's planner input: its policy, backlogs and stored history. A history that cannot be read
// fails its pool alone, naming the item.

import { forEachBounded } from '../bounded';
import { resolvePoolPolicy } from '../config/pools';
import type { Config } from '../config/types';
import type { PoolInput } from '../scaling/plan';
import type { PoolHistory } from '../state/store';
import { failed } from './outcomes';
import type { BacklogsByPool } from './read-backlogs';
import type { CycleDeps, CycleOptions, PoolOutcome, Prepared, Snapshot } from './types';

function minCountsFor(options: CycleOptions, pool: string): Record<string, number> | undefined {
  const entries = (options.push?.minCounts ?? []).filter((entry) => entry.pool === pool);
  if (entries.length === 0) return undefined;
  const result: Record<string, number> = {};
  for (const entry of entries) result[entry.flavor] = Math.max(result[entry.flavor] ?? 0, entry.minCount);
  return result;
}

export function toInput(
  config: Config,
  snapshot: Snapshot,
  backlogs: BacklogsByPool,
  history: PoolHistory,
  options: CycleOptions,
): PoolInput {
  const minCounts = minCountsFor(options, snapshot.pool.metadata.name);
  const policy = resolvePoolPolicy(config, snapshot.poolConfig, snapshot.pool);
  // A raise-only push (the webhook) never scales in, whatever the regular cycle would do.
  if (options.push?.raiseOnly)
    policy.paused = policy.paused === false || policy.paused === 'scale-in' ? 'scale-in' : 'all';
  return {
    key: snapshot.key,
    pool: snapshot.pool,
    policy,
    backlogs: backlogs.get(snapshot.key) ?? {},
    history,
    ...(minCounts ? { minCounts: minCounts } : {}),
  };
}

export async function prepare(
  config: Config,
  deps: CycleDeps,
  snapshots: Snapshot[],
  backlogs: BacklogsByPool,
  options: CycleOptions,
): Promise<{ prepared: Prepared[]; failures: PoolOutcome[] }> {
  const prepared: Prepared[] = [];
  const failures: PoolOutcome[] = [];
  await forEachBounded(snapshots, config.concurrency, async (snapshot) => {
    try {
      const { history, revision } = await deps.store.load(snapshot.key);
      prepared.push({ snapshot, input: toInput(config, snapshot, backlogs, history, options), revision });
    } catch (error) {
      failures.push(failed(snapshot.connection, snapshot.pool.metadata.name, error));
    }
  });
  // Bounded concurrency finishes in any order; plans and reports keep the order pools were read in.
  const order = new Map(snapshots.map((snapshot, index) => [snapshot, index]));
  prepared.sort((a, b) => (order.get(a.snapshot) ?? 0) - (order.get(b.snapshot) ?? 0));
  return { prepared, failures };
}

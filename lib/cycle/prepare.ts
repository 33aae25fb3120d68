// Step 3: each pool's planner input: its policy, backlogs and stored history, all histories read in one
// loadMany. A history that cannot be read fails its pool alone, naming the item.

import { resolvePoolPolicy } from '../config/pools';
import type { Config } from '../config/types';
import type { PoolInput } from '../scaling/plan';
import { StateStoreError } from '../state/errors';
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
  // One loadMany for all: the DynamoDB store reads 100 histories per request instead of one.
  const loaded = await deps.store.loadMany(snapshots.map((snapshot) => snapshot.key));
  for (const snapshot of snapshots) {
    const stored =
      loaded.get(snapshot.key) ?? new StateStoreError(`no history loaded for pool ${snapshot.key}`);
    if (stored instanceof Error)
      failures.push(failed(snapshot.connection, snapshot.pool.metadata.name, stored));
    else
      prepared.push({
        snapshot,
        input: toInput(config, snapshot, backlogs, stored.history, options),
        revision: stored.revision,
      });
  }
  return { prepared, failures };
}

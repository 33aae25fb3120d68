// Step 2: every managed flavor's backlog, read once with bounded concurrency, overlaid with what the
// invocation pushed. Keyed by pool key: two projects may have pools of the same name.

import { resolveBacklogSettings } from '../config/pools';
import type { Config } from '../config/types';
import type { Backlog } from '../metrics/backlog';
import { overlayPushed, unreadPushed } from '../metrics/pushed';
import { type BacklogRequest, readBacklogs } from '../metrics/read';
import type { CycleDeps, CycleOptions, Snapshot } from './types';

export type BacklogsByPool = Map<string, Record<string, Backlog>>;

interface KeyedRequest extends BacklogRequest {
  key: string;
}

function backlogRequests(config: Config, snapshot: Snapshot): KeyedRequest[] {
  const settings = resolveBacklogSettings(config, snapshot.poolConfig, snapshot.pool);
  return Object.entries(settings).map(([flavor, backlog]) => ({
    key: snapshot.key,
    connection: snapshot.connection.name,
    pool: snapshot.pool.metadata.name,
    flavor,
    source: backlog.source,
    unit: backlog.unit,
    staleAfterSeconds: backlog.staleAfterSeconds,
  }));
}

export async function readAllBacklogs(
  config: Config,
  deps: CycleDeps,
  snapshots: Snapshot[],
  options: CycleOptions,
  now: number,
): Promise<BacklogsByPool> {
  const requests = snapshots.flatMap((snapshot) => backlogRequests(config, snapshot));
  const read = await readBacklogs(requests, {
    now: deps.now,
    concurrency: config.concurrency,
    ...(deps.sources ? { deps: deps.sources } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const push = options.push;
  const pushed = push?.backlogs ?? [];
  const overlay = { origin: push?.origin ?? 'invocation', now };
  const backlogs = pushed.length
    ? overlayPushed(read, pushed, { ...overlay, mode: push?.raiseOnly ? 'raise' : 'replace' })
    : read;
  const byPool: BacklogsByPool = new Map();
  const set = (key: string, flavor: string, backlog: Backlog) =>
    byPool.set(key, { ...byPool.get(key), [flavor]: backlog });
  for (const [request, backlog] of backlogs) set(request.key, request.flavor, backlog);
  const keysOf = (pool: string) =>
    snapshots.filter((snapshot) => snapshot.pool.metadata.name === pool).map((snapshot) => snapshot.key);
  const covered = (pool: string, flavor: string) =>
    keysOf(pool).some((key) => byPool.get(key)?.[flavor] !== undefined);
  for (const entry of unreadPushed(pushed, covered, overlay))
    for (const key of keysOf(entry.pool)) set(key, entry.flavor, entry.backlog);
  return byPool;
}

import { randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { StateStoreError } from './errors';
import {
  canTakeLease,
  checkLeaseRequest,
  checkRevision,
  type HistoryItem,
  readHistoryItem,
  stillHeld,
  takeLease,
} from './lease';
import { asStateStoreError, loadEach } from './load-many';
import {
  emptyHistory,
  HISTORY_FORMAT,
  mergeHistory,
  readSharedItem,
  type StateStore,
  type StoredHistory,
} from './store';

// The local default: one JSON file holding every pool's history and lease. Writers replace the file by
// rename, so a reader never sees half a file. Read-modify-write runs under a lock file, so several processes
// (two CLI runs, say) sharing the file still get exclusive leases.

export interface FileStateStoreOptions {
  path: string;
  /** Give up waiting for the lock file after this long. Default 10 s. */
  lockTimeoutMs?: number;
  /** A lock file older than this was left by a crashed process and is removed. Default 30 s. */
  staleLockMs?: number;
}

// Each pool's history is checked when that pool is loaded, not with the file: one bad or newer item fails its
// pool alone, and is written back as it was when other pools change.
const StateFileSchema = z.object({
  version: z.literal(1),
  pools: z.record(
    z.string(),
    z.looseObject({
      history: z.unknown().optional(),
      format: z.number().optional(),
      revision: z.number().int().nonnegative().optional(),
      lease: z
        .object({ owner: z.string(), expiresAt: z.number(), version: z.number().int().optional() })
        .optional(),
    }),
  ),
  /** Shared items (flavor stock per connection), checked when read. */
  shared: z.record(z.string(), z.unknown()).optional(),
});

type StateFile = z.infer<typeof StateFileSchema>;

const errorCode = (error: unknown): string | undefined => (error as NodeJS.ErrnoException | undefined)?.code;

async function readStateFile(path: string): Promise<StateFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    if (errorCode(cause) === 'ENOENT') return { version: 1, pools: {} };
    throw new StateStoreError(`cannot read state file ${path}`, { cause });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (cause) {
    throw new StateStoreError(`state file ${path} is not valid JSON`, { cause });
  }
  const parsed = StateFileSchema.safeParse(data);
  if (!parsed.success) {
    throw new StateStoreError(`state file ${path} has an unexpected shape`, { cause: parsed.error });
  }
  return parsed.data;
}

async function writeStateFile(path: string, state: StateFile): Promise<void> {
  const temp = `${path}.${process.pid}.${randomUUID()}.tmp`;
  try {
    const handle = await open(temp, 'w');
    try {
      await handle.writeFile(`${JSON.stringify(state, null, 2)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (cause) {
    await unlink(temp).catch(() => undefined);
    throw new StateStoreError(`cannot write state file ${path}`, { cause });
  }
}

async function withLockFile<T>(
  lockPath: string,
  timeoutMs: number,
  staleMs: number,
  action: () => Promise<T>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const handle = await open(lockPath, 'wx');
      await handle.writeFile(`${hostname()} ${process.pid}\n`).finally(() => handle.close());
      break;
    } catch (cause) {
      if (errorCode(cause) !== 'EEXIST')
        throw new StateStoreError(`cannot create lock file ${lockPath}`, { cause });
    }
    const age = await stat(lockPath).then(
      (stats) => Date.now() - stats.mtimeMs,
      () => 0,
    );
    if (age > staleMs) {
      await unlink(lockPath).catch(() => undefined);
      continue;
    }
    if (Date.now() > deadline)
      throw new StateStoreError(`state file is locked (${lockPath}); gave up waiting`);
    await sleep(2 + Math.random() * 8);
  }
  try {
    return await action();
  } finally {
    await unlink(lockPath).catch(() => undefined);
  }
}

export function createFileStateStore(options: FileStateStoreOptions): StateStore {
  const { path, lockTimeoutMs = 10_000, staleLockMs = 30_000 } = options;
  const lockPath = `${path}.lock`;
  // Calls through this handle queue up here first, so they do not contend for the lock file with each other.
  let queue: Promise<unknown> = Promise.resolve();

  const update = <T>(change: (state: StateFile) => { result: T; write: boolean }): Promise<T> => {
    const run = async () => {
      await mkdir(dirname(path), { recursive: true });
      return withLockFile(lockPath, lockTimeoutMs, staleLockMs, async () => {
        const state = await readStateFile(path);
        const { result, write } = change(state);
        if (write) await writeStateFile(path, state);
        return result;
      });
    };
    const next = queue.then(run, run);
    queue = next.catch(() => undefined);
    return next;
  };

  const historyItem = (entry: StateFile['pools'][string] | undefined): HistoryItem | undefined =>
    entry?.history === undefined
      ? undefined
      : { format: entry.format, revision: entry.revision, history: entry.history };
  const storedHistory = (state: StateFile, poolKey: string): StoredHistory => {
    const item = historyItem(state.pools[poolKey]);
    if (!item) return { history: emptyHistory(), revision: 0 };
    return { history: readHistoryItem(poolKey, item), revision: item.revision ?? 0 };
  };
  const leaseOf = (entry: StateFile['pools'][string] | undefined) =>
    entry?.lease ? { version: 0, ...entry.lease } : undefined;

  return {
    async load(poolKey) {
      return storedHistory(await readStateFile(path), poolKey);
    },
    // One read of the file for all of them; a file that cannot be read fails every key with its error.
    async loadMany(poolKeys) {
      let state: StateFile;
      try {
        state = await readStateFile(path);
      } catch (error) {
        return new Map(poolKeys.map((key) => [key, asStateStoreError(key, error)]));
      }
      return loadEach(poolKeys, (key) => storedHistory(state, key));
    },
    async save(poolKey, history, revision) {
      return update((state) => {
        const entry = state.pools[poolKey];
        const item = historyItem(entry);
        checkRevision(poolKey, item, revision);
        const stored = item ? readHistoryItem(poolKey, item) : undefined;
        const next = (item?.revision ?? 0) + 1;
        state.pools[poolKey] = {
          ...entry,
          format: HISTORY_FORMAT,
          revision: next,
          history: structuredClone(mergeHistory(stored, history)),
        };
        return { result: next, write: true };
      });
    },
    async reset(poolKey) {
      return update((state) => {
        const entry = state.pools[poolKey];
        if (entry?.history === undefined) return { result: undefined, write: false };
        const { history: _h, format: _f, revision: _r, ...rest } = entry;
        state.pools[poolKey] = rest;
        return { result: undefined, write: true };
      });
    },
    async acquireLease(poolKey, owner, ttlMs, now) {
      checkLeaseRequest(owner, ttlMs, now);
      return update((state) => {
        const entry = state.pools[poolKey];
        const lease = leaseOf(entry);
        if (!canTakeLease(lease, owner, now)) return { result: undefined, write: false };
        const taken = takeLease(lease, owner, ttlMs, now);
        state.pools[poolKey] = { ...entry, lease: taken };
        return { result: taken, write: true };
      });
    },
    async fenceLease(poolKey, held, ttlMs, now) {
      checkLeaseRequest(held.owner, ttlMs, now);
      return update((state) => {
        const entry = state.pools[poolKey];
        if (!stillHeld(leaseOf(entry), held, now)) return { result: undefined, write: false };
        const renewed = { ...held, expiresAt: now + ttlMs };
        state.pools[poolKey] = { ...entry, lease: renewed };
        return { result: renewed, write: true };
      });
    },
    async releaseLease(poolKey, owner) {
      return update((state) => {
        const entry = state.pools[poolKey];
        const lease = leaseOf(entry);
        if (!entry || lease?.owner !== owner) return { result: undefined, write: false };
        // The version stays behind, so the next holder's lease is a newer one.
        state.pools[poolKey] = { ...entry, lease: { ...lease, expiresAt: 0 } };
        return { result: undefined, write: true };
      });
    },
    async loadShared(key) {
      return readSharedItem((await readStateFile(path)).shared?.[key]);
    },
    async saveShared(key, value, at) {
      return update((state) => {
        state.shared = { ...state.shared, [key]: structuredClone({ value, at }) };
        return { result: undefined, write: true };
      });
    },
  };
}

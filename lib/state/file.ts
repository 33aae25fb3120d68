import { randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { StateStoreError } from './errors';
import { PoolHistorySchema } from './history-schema';
import { canTakeLease, checkLeaseRequest } from './lease';
import { emptyHistory, mergeHistory, type StateStore } from './store';

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

const StateFileSchema = z.object({
  version: z.literal(1),
  pools: z.record(
    z.string(),
    z.object({
      history: PoolHistorySchema.optional(),
      lease: z.object({ owner: z.string(), expiresAt: z.number() }).optional(),
    }),
  ),
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

  return {
    async load(poolKey) {
      const state = await readStateFile(path);
      return state.pools[poolKey]?.history ?? emptyHistory();
    },
    async save(poolKey, history) {
      return update((state) => {
        const entry = state.pools[poolKey];
        state.pools[poolKey] = { ...entry, history: structuredClone(mergeHistory(entry?.history, history)) };
        return { result: undefined, write: true };
      });
    },
    async acquireLease(poolKey, owner, ttlMs, now) {
      checkLeaseRequest(owner, ttlMs, now);
      return update((state) => {
        const entry = state.pools[poolKey];
        if (!canTakeLease(entry?.lease, owner, now)) return { result: false, write: false };
        state.pools[poolKey] = { ...entry, lease: { owner, expiresAt: now + ttlMs } };
        return { result: true, write: true };
      });
    },
    async releaseLease(poolKey, owner) {
      return update((state) => {
        const entry = state.pools[poolKey];
        if (entry?.lease?.owner !== owner) return { result: undefined, write: false };
        const { lease: _released, ...rest } = entry;
        state.pools[poolKey] = rest;
        return { result: undefined, write: true };
      });
    },
  };
}

// One `run` per file state. The file store's lock file makes each write exclusive, but pool leases last a
// cycle: two long-running processes on one state file would take turns scaling the same pools on different
// views. So `run` holds a holder file next to the state (pid, host, heartbeat) and refuses to start while
// another live process holds it. A holder whose heartbeat stopped (a crashed process, a dead container) is
// taken over. The holder is a convention between runs on one filesystem: it does not span replicas on
// separate volumes, which is why the container runs as a single replica.

import { randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { z } from 'zod';
import { CliError } from '../errors';

/** How often the holder writes its heartbeat. */
export const HEARTBEAT_MS = 10_000;
/** A heartbeat older than this is a dead holder's (three missed beats). */
export const STALE_AFTER_MS = 3 * HEARTBEAT_MS;

const HolderSchema = z.object({
  id: z.string(),
  pid: z.number().int(),
  host: z.string(),
  startedAt: z.number(),
  heartbeatAt: z.number(),
});
export type Holder = z.infer<typeof HolderSchema>;

/** Another live `run` holds the state, or the holder file cannot be used. */
export class RunHolderError extends CliError {
  override readonly name = 'RunHolderError';
}

export interface HolderOptions {
  /** The holder file: the state file's path + `.holder`. */
  path: string;
  now?: () => number;
  heartbeatMs?: number;
  staleAfterMs?: number;
  pid?: number;
  host?: string;
  /** Is this process alive? (Only asked about processes on this host.) */
  alive?: (pid: number) => boolean;
  /** Called once when another process has taken the holder file over (this one must stop). */
  onLost?: (by: Holder | undefined) => void;
}

export interface HeldState {
  holder: Holder;
  /** The stale holder this run replaced, if any. */
  tookOverFrom?: Holder;
  /** Writes a heartbeat now (the timer does it every heartbeatMs); false when the file is no longer ours. */
  beat(): Promise<boolean>;
  release(): Promise<void>;
}

export const holderPathFor = (statePath: string) => `${statePath}.holder`;

const errorCode = (error: unknown) => (error as NodeJS.ErrnoException | undefined)?.code;

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, it is someone else's.
    return errorCode(error) === 'EPERM';
  }
}

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

type Found = { holder: Holder } | { unreadable: true; ageMs: number } | undefined;

async function readHolder(path: string, now: number): Promise<Found> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    if (errorCode(cause) === 'ENOENT') return undefined;
    throw new RunHolderError(`cannot read the run holder file ${path}`, { cause });
  }
  const parsed = HolderSchema.safeParse(parseJson(text));
  if (parsed.success) return { holder: parsed.data };
  // Being written right now, or left half-written by a crash: its age tells which.
  const mtime = await stat(path).then(
    (stats) => stats.mtimeMs,
    () => now,
  );
  return { unreadable: true, ageMs: now - mtime };
}

const seconds = (ms: number) => `${Math.max(0, Math.round(ms / 1000))} s`;

async function writeAtomically(path: string, holder: Holder): Promise<void> {
  const temp = `${path}.${process.pid}.${randomUUID()}.tmp`;
  await writeFile(temp, `${JSON.stringify(holder)}\n`);
  await rename(temp, path).catch(async (error) => {
    await unlink(temp).catch(() => undefined);
    throw error;
  });
}

/** Takes the holder file, or throws RunHolderError naming the live holder. Starts the heartbeat timer. */
export async function takeRunHolder(options: HolderOptions): Promise<HeldState> {
  const {
    path,
    now = Date.now,
    heartbeatMs = HEARTBEAT_MS,
    staleAfterMs = STALE_AFTER_MS,
    pid = process.pid,
    host = hostname(),
    alive = processAlive,
  } = options;
  // A holder on this host whose process is gone, or whose pid is ours (a restarted container is pid 1
  // again), is a previous life of this process: no need to wait for its heartbeat to go stale.
  const dead = (other: Holder) =>
    now() - other.heartbeatAt > staleAfterMs ||
    (other.host === host && (other.pid === pid || !alive(other.pid)));

  await mkdir(dirname(path), { recursive: true });
  const holder: Holder = { id: randomUUID(), pid, host, startedAt: now(), heartbeatAt: now() };
  let tookOverFrom: Holder | undefined;
  for (let attempt = 0; ; attempt++) {
    const created = await open(path, 'wx').then(
      async (handle) => {
        await handle.writeFile(`${JSON.stringify(holder)}\n`).finally(() => handle.close());
        return true;
      },
      (cause) => {
        if (errorCode(cause) === 'EEXIST') return false;
        throw new RunHolderError(`cannot create the run holder file ${path}`, { cause });
      },
    );
    if (created) break;
    const found = await readHolder(path, now());
    if (found && 'holder' in found && !dead(found.holder)) {
      const other = found.holder;
      throw new RunHolderError(
        `another run holds this state: pid ${other.pid} on host ${other.host}, heartbeat ${seconds(now() - other.heartbeatAt)} ago (${path}); ` +
          `stop it first, or wait ${seconds(other.heartbeatAt + staleAfterMs - now())} for its heartbeat to go stale if it is dead`,
      );
    }
    if (found && 'unreadable' in found && found.ageMs <= staleAfterMs)
      throw new RunHolderError(`the run holder file ${path} is being written by another run (or is damaged)`);
    if (attempt >= 2)
      throw new RunHolderError(`cannot take the run holder file ${path}: others keep taking it`);
    if (found && 'holder' in found) tookOverFrom = found.holder;
    await unlink(path).catch(() => undefined);
  }

  let lost = false;
  const beat = async (): Promise<boolean> => {
    if (lost) return false;
    const found = await readHolder(path, now()).catch(() => undefined);
    if (!found || !('holder' in found) || found.holder.id !== holder.id) {
      lost = true;
      clearInterval(timer);
      options.onLost?.(found && 'holder' in found ? found.holder : undefined);
      return false;
    }
    holder.heartbeatAt = now();
    await writeAtomically(path, holder).catch(() => undefined);
    return true;
  };
  const timer = setInterval(() => void beat(), heartbeatMs);
  timer.unref();
  return {
    holder,
    ...(tookOverFrom ? { tookOverFrom } : {}),
    beat,
    async release() {
      clearInterval(timer);
      if (lost) return;
      const found = await readHolder(path, now()).catch(() => undefined);
      if (found && 'holder' in found && found.holder.id === holder.id)
        await unlink(path).catch(() => undefined);
    },
  };
}

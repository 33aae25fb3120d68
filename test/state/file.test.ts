import { mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StateStoreError } from '../../lib/state/errors';
import { createFileStateStore } from '../../lib/state/file';
import { HISTORY_FORMAT } from '../../lib/state/store';
import { describeStateStoreContract } from './contract';

let dir: string;
let files = 0;
const freshPath = () => join(dir, `nested-${++files}`, 'state.json');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'autoscaler-state-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describeStateStoreContract('file', () => {
  const path = freshPath();
  return { open: () => createFileStateStore({ path }), runs: 10 };
});

describe('file state store', () => {
  const history = { flavors: { f: { recommendations: [{ at: 1, count: 2 }], events: [] } } };

  it('writes plain JSON through a temporary file, leaving no temporary or lock files behind', async () => {
    const path = freshPath();
    const store = createFileStateStore({ path });
    await store.save('pool-a', history);
    await store.acquireLease('pool-a', 'me', 1_000, 5);
    const written = JSON.parse(await readFile(path, 'utf8'));
    expect(written).toEqual({
      version: 1,
      pools: {
        'pool-a': {
          history,
          format: HISTORY_FORMAT,
          revision: 1,
          lease: { owner: 'me', version: 1, expiresAt: 1_005 },
        },
      },
    });
    expect(await readdir(join(path, '..'))).toEqual(['state.json']);
  });

  it('fails loudly on a corrupt state file instead of starting from scratch', async () => {
    const path = freshPath();
    await createFileStateStore({ path }).save('pool-a', history);
    await writeFile(path, '{"version": 1, "pools": {"pool-a": {"history": {"flavors": 3}}}}');
    await expect(createFileStateStore({ path }).load('pool-a')).rejects.toThrow(StateStoreError);
    await writeFile(path, '{not json');
    await expect(createFileStateStore({ path }).load('pool-a')).rejects.toThrow(/not valid JSON/);
  });

  it('fails each key of a loadMany with the error of a file it cannot read, and a bad item alone', async () => {
    const path = freshPath();
    await createFileStateStore({ path }).save('pool-a', history);
    await writeFile(
      path,
      JSON.stringify({
        version: 1,
        pools: { 'pool-a': { history }, 'pool-b': { history: { flavors: 3 } } },
      }),
    );
    const loaded = await createFileStateStore({ path }).loadMany(['pool-a', 'pool-b']);
    expect(loaded.get('pool-a')).toEqual({ history, revision: 0 });
    expect((loaded.get('pool-b') as Error).message).toMatch(/pool pool-b has an unexpected shape/);

    await writeFile(path, '{not json');
    const unreadable = await createFileStateStore({ path }).loadMany(['pool-a', 'pool-b']);
    for (const key of ['pool-a', 'pool-b']) {
      expect(unreadable.get(key)).toBeInstanceOf(StateStoreError);
      expect((unreadable.get(key) as Error).message).toMatch(/not valid JSON/);
    }
  });

  it('takes over a lock file left behind by a crashed process', async () => {
    const path = freshPath();
    const store = createFileStateStore({ path, staleLockMs: 1_000 });
    await store.save('pool-a', history);
    await writeFile(`${path}.lock`, 'crashed 1\n');
    const longAgo = new Date(Date.now() - 60_000);
    await utimes(`${path}.lock`, longAgo, longAgo);
    expect(await store.acquireLease('pool-a', 'me', 1_000, 0)).toBeDefined();
  });

  it('gives up with a clear error when another process keeps the lock', async () => {
    const path = freshPath();
    const store = createFileStateStore({ path, lockTimeoutMs: 50 });
    await store.save('pool-a', history);
    await writeFile(`${path}.lock`, 'busy 1\n');
    await expect(store.acquireLease('pool-a', 'me', 1_000, 0)).rejects.toThrow(/locked/);
  });
});

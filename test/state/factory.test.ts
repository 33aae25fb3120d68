import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStateStore } from '../../lib/state/factory';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'autoscaler-factory-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const history = { flavors: { f: { recommendations: [{ at: 1, count: 1 }], events: [] } } };

describe('createStateStore', () => {
  it('builds a file store writing to the configured path', async () => {
    const path = join(dir, 'state.json');
    await createStateStore({ type: 'file', path }).save('pool-a', history);
    expect(JSON.parse(await readFile(path, 'utf8')).pools['pool-a'].history).toEqual(history);
  });

  it('builds a memory store that keeps state per instance', async () => {
    const store = createStateStore({ type: 'memory' });
    await store.save('pool-a', history);
    expect((await store.load('pool-a')).history).toEqual(history);
    expect((await createStateStore({ type: 'memory' }).load('pool-a')).history).toEqual({ flavors: {} });
  });
});

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BacklogRequest, readBacklogs } from '../../lib/metrics/read';
import { BacklogSourceConfigSchema } from '../../lib/metrics/registry';

const now = 1_750_000_000_000;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'static-backlog-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const request = (flavor: string, source: unknown, az?: string): BacklogRequest => ({
  pool: 'pool-a',
  flavor,
  source: BacklogSourceConfigSchema.parse(source),
  ...(az ? { az } : {}),
});

const read = (requests: BacklogRequest[]) => readBacklogs(requests, { now: () => now });

describe('static backlog source', () => {
  it('gives the configured value, observed now', async () => {
    const gpu = request('gpu', { type: 'static', value: 4 });
    expect((await read([gpu])).get(gpu)).toEqual({ ok: true, value: 4, observedAt: now, source: 'static' });
  });

  it('splits by AZ and answers an AZ-level request from the split', async () => {
    const source = { type: 'static', value: 5, perAz: { 'az-1': 2, 'az-2': 3 } };
    const whole = request('gpu', source);
    const az2 = request('gpu', source, 'az-2');
    const az3 = request('gpu', source, 'az-3');
    const backlogs = await read([whole, az2, az3]);

    expect(backlogs.get(whole)).toMatchObject({ value: 5, perAz: { 'az-1': 2, 'az-2': 3 } });
    expect(backlogs.get(az2)).toMatchObject({ ok: true, value: 3 });
    expect(backlogs.get(az3)).toMatchObject({ ok: true, value: 0 });
  });

  it('reads "pool/flavor" entries from a JSON file, once per cycle', async () => {
    const file = join(dir, 'backlog.json');
    await writeFile(file, JSON.stringify({ 'pool-a/gpu': 7, 'pool-a/cpu': { 'az-1': 1, 'az-2': 2 } }));
    const source = { type: 'static', file };
    const gpu = request('gpu', source);
    const cpu = request('cpu', source);
    const npu = request('npu', source);
    const backlogs = await read([gpu, cpu, npu]);

    expect(backlogs.get(gpu)).toEqual({ ok: true, value: 7, observedAt: now, source: `static:${file}` });
    expect(backlogs.get(cpu)).toMatchObject({ ok: true, value: 3, perAz: { 'az-1': 1, 'az-2': 2 } });
    expect(backlogs.get(npu)).toMatchObject({
      ok: false,
      reason: 'missing',
      message: expect.stringContaining('pool-a/npu'),
    });
  });

  it('fails every flavor of a file that is absent or malformed, saying which', async () => {
    const malformed = join(dir, 'malformed.json');
    await writeFile(malformed, JSON.stringify({ 'pool-a/gpu': -1 }));
    const absent = request('gpu', { type: 'static', file: join(dir, 'absent.json') });
    const negative = request('gpu', { type: 'static', file: malformed });
    const backlogs = await read([absent, negative]);

    expect(backlogs.get(absent)).toMatchObject({
      ok: false,
      reason: 'failed',
      message: expect.stringContaining('ENOENT'),
    });
    expect(backlogs.get(negative)).toMatchObject({
      ok: false,
      message: expect.stringContaining('pool-a/gpu'),
    });
  });
});

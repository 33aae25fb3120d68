import { describe, expect, it } from 'vitest';
import type { Emulator } from '../../emulator/server';
import {
  CPU,
  call,
  emulatorFor,
  getPool,
  listPools,
  patchPool,
  poolsPath,
  resize,
  seedPool,
} from './harness';

const single = () => seedPool('single-flavor-pool');

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(condition()).toBe(true);
}

const statuses = async (emulator: Emulator, n: number) => {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await listPools(emulator)).status);
  return out;
};

describe('probabilistic faults', () => {
  it('errorRate answers 500 ModelArts.50005000 without touching the pool', async () => {
    const emulator = await emulatorFor({ faults: { patchPool: { errorRate: 1 } } });
    const { status, body, headers } = await patchPool(emulator, single(), resize({ flavor: CPU, count: 5 }));
    expect(status).toBe(500);
    expect(body).toEqual({ error_code: 'ModelArts.50005000', error_msg: 'internal error' });
    expect(headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/);
    expect(emulator.pool(single())?.spec.resources).toEqual([{ flavor: CPU, count: 3 }]);
    expect((await getPool(emulator, single())).status).toBe(200);
  });

  it('throttleRate answers 429 ModelArts.2799 with Retry-After', async () => {
    const emulator = await emulatorFor({ faults: { listPools: { throttleRate: 1, retryAfterSeconds: 7 } } });
    const { status, body, headers } = await listPools(emulator);
    expect(status).toBe(429);
    expect(body.error_code).toBe('ModelArts.2799');
    expect(headers.get('retry-after')).toBe('7');
  });

  it('dropRate destroys the connection without an answer', async () => {
    const emulator = await emulatorFor({ faults: { getPool: { dropRate: 1 } } });
    await expect(fetch(`${emulator.url}${poolsPath(emulator, single())}`)).rejects.toThrow();
    expect(emulator.requests.at(-1)).toMatchObject({ route: 'getPool', status: 0 });
  });

  it('hangRate leaves the request unanswered until close(), which ends it', async () => {
    const emulator = await emulatorFor({ faults: { listPools: { hangRate: 1 } } });
    let settled = false;
    const pending = fetch(`${emulator.url}${poolsPath(emulator)}`).finally(() => {
      settled = true;
    });
    await until(() => emulator.requests.length === 1);
    expect(emulator.requests[0]).toMatchObject({ route: 'listPools', status: 0 });
    expect(settled).toBe(false);
    await emulator.close();
    await expect(pending).rejects.toThrow();
  });

  it('malformedRate answers truncated JSON after doing the work', async () => {
    const emulator = await emulatorFor({ faults: { patchPool: { malformedRate: 1 } } });
    const response = await fetch(`${emulator.url}${poolsPath(emulator, single())}`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/merge-patch+json' },
      body: JSON.stringify(resize({ flavor: CPU, count: 5 })),
    });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(() => JSON.parse(text)).toThrow();
    const pool = emulator.pool(single());
    expect(pool?.spec.resources).toEqual([{ flavor: CPU, count: 5 }]);
    expect(JSON.stringify(pool).startsWith(text)).toBe(true);
  });

  it('latencyMs holds the answer back until the wait ends', async () => {
    const waits: { ms: number; release: () => void }[] = [];
    const emulator = await emulatorFor({
      faults: { getPool: { latencyMs: 250 } },
      sleep: (ms) => new Promise<void>((release) => waits.push({ ms, release })),
    });
    expect((await listPools(emulator)).status).toBe(200);
    let answered = false;
    const pending = getPool(emulator, single()).then((answer) => {
      answered = true;
      return answer;
    });
    await until(() => waits.length === 1);
    expect(waits[0]?.ms).toBe(250);
    expect(answered).toBe(false);
    waits[0]?.release();
    expect((await pending).status).toBe(200);
  });

  it('mixes outcomes at the given rate, the same way for the same seed', async () => {
    const faults = { listPools: { errorRate: 0.5 } };
    const first = await statuses(await emulatorFor({ faults, seed: 42 }), 40);
    const again = await statuses(await emulatorFor({ faults, seed: 42 }), 40);
    const other = await statuses(await emulatorFor({ faults, seed: 7 }), 40);
    expect(again).toEqual(first);
    expect(other).not.toEqual(first);
    const errors = first.filter((status) => status === 500).length;
    expect(errors).toBeGreaterThan(5);
    expect(errors).toBeLessThan(35);
  });

  it("applies '*' to every route, a route's own rule overriding it field by field", async () => {
    const emulator = await emulatorFor({
      faults: { '*': { throttleRate: 1 }, getPool: { throttleRate: 0 } },
    });
    expect((await listPools(emulator)).status).toBe(429);
    expect((await getPool(emulator, single())).status).toBe(200);
  });

  it('can be changed and cleared at run time', async () => {
    const emulator = await emulatorFor();
    emulator.setFaults({ listPools: { errorRate: 1 } });
    expect((await listPools(emulator)).status).toBe(500);
    emulator.setFaults({});
    expect((await listPools(emulator)).status).toBe(200);
  });

  it('refuses rates outside 0..1 or adding up to more than 1', async () => {
    const emulator = await emulatorFor();
    expect(() => emulator.setFaults({ listPools: { errorRate: 1.5 } })).toThrow();
    expect(() => emulator.setFaults({ listPools: { errorRate: 0.6, dropRate: 0.6 } })).toThrow(
      'the rates add up to more than 1',
    );
  });
});

describe('failNext', () => {
  it('fails exactly the next N requests of the route, then answers normally', async () => {
    const emulator = await emulatorFor();
    emulator.failNext('listPools', 2, { status: 503 });
    const answers = [
      await listPools(emulator),
      await getPool(emulator, single()),
      await listPools(emulator),
      await listPools(emulator),
    ];
    expect(answers.map((answer) => answer.status)).toEqual([503, 200, 503, 200]);
    expect(answers[0]?.body).toEqual({ error_code: 'ModelArts.50005000', error_msg: 'injected fault (503)' });
  });

  it('takes an error code and Retry-After; 429 defaults to ModelArts.2799 and Retry-After 1', async () => {
    const emulator = await emulatorFor();
    emulator.failNext('patchPool', 1, { status: 409, errorCode: 'ModelArts.5044', retryAfterSeconds: 3 });
    emulator.failNext('patchPool', 1, { status: 429 });
    const conflict = await patchPool(emulator, single(), resize({ flavor: CPU, count: 4 }));
    const throttled = await patchPool(emulator, single(), resize({ flavor: CPU, count: 4 }));
    expect([conflict.status, conflict.body.error_code, conflict.headers.get('retry-after')]).toEqual([
      409,
      'ModelArts.5044',
      '3',
    ]);
    expect([throttled.status, throttled.body.error_code, throttled.headers.get('retry-after')]).toEqual([
      429,
      'ModelArts.2799',
      '1',
    ]);
    expect(emulator.pool(single())?.spec.resources[0]?.count).toBe(3);
  });

  it('drops, hangs or garbles the next request', async () => {
    const emulator = await emulatorFor();
    emulator.failNext('getPool', 1, { drop: true });
    emulator.failNext('listPools', 1, { malformed: true });
    emulator.failNext('createPool', 1, { hang: true });
    await expect(fetch(`${emulator.url}${poolsPath(emulator, single())}`)).rejects.toThrow();
    const garbled = await (await fetch(`${emulator.url}${poolsPath(emulator)}`)).text();
    expect(() => JSON.parse(garbled)).toThrow();
    const hung = call(emulator, 'POST', poolsPath(emulator), { body: {} });
    await until(() => emulator.requests.some((request) => request.route === 'createPool'));
    expect((await getPool(emulator, single())).status).toBe(200);
    await emulator.close();
    await expect(hung).rejects.toThrow();
  });

  it('close() may be called twice', async () => {
    const emulator = await emulatorFor();
    await emulator.close();
    await expect(emulator.close()).resolves.toBeUndefined();
  });

  it('refuses a bad fault', async () => {
    const emulator = await emulatorFor();
    expect(() => emulator.failNext('listPools', 0, { status: 500 })).toThrow();
    expect(() => emulator.failNext('listPools', 1, { status: 200 })).toThrow();
  });
});

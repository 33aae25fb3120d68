import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { builtInFlavorDefaults } from '../../lib/config/defaults';
import { BacklogSourceError } from '../../lib/metrics/errors';
import { type BacklogRequest, readBacklogs, stableKey } from '../../lib/metrics/read';
import { type BacklogSourceConfig, BacklogSourceConfigSchema } from '../../lib/metrics/registry';
import type { BacklogSource, BacklogTarget } from '../../lib/metrics/source';
import { type JsonServer, startJsonServer } from './json-server';

const now = 1_750_000_000_000;
const staticSource = (value: number) => BacklogSourceConfigSchema.parse({ type: 'static', value });

let server: JsonServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A source whose reads are counted per query key, answered on a later turn, tracked for overlap. */
function countingSources() {
  const reads = new Map<string, number>();
  const inFlight = { now: 0, max: 0 };
  const create = (config: BacklogSourceConfig): BacklogSource<number> => ({
    type: config.type,
    queryKey: (target) => target.pool,
    describe: (target) => `counting:${target.pool}`,
    async read(target) {
      const key = `${stableKey(config)}|${target.pool}`;
      reads.set(key, (reads.get(key) ?? 0) + 1);
      inFlight.now += 1;
      inFlight.max = Math.max(inFlight.max, inFlight.now);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight.now -= 1;
      return config.type === 'static' ? (config.value ?? 0) : 0;
    },
    pick: (value, target: BacklogTarget) => ({ value: value + target.flavor.length, observedAt: now }),
  });
  return { reads, inFlight, create };
}

describe('readBacklogs', () => {
  it('reads each query once per cycle, bounded in concurrency, and answers every request', async () => {
    const requestArb = fc.record({
      pool: fc.constantFrom('pool-a', 'pool-b', 'pool-c', 'pool-d'),
      flavor: fc.constantFrom('gpu', 'cpu', 'npu.large'),
      value: fc.integer({ min: 0, max: 3 }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(requestArb, { maxLength: 30 }),
        fc.integer({ min: 1, max: 5 }),
        async (specs, concurrency) => {
          const { reads, inFlight, create } = countingSources();
          const requests: BacklogRequest[] = specs.map(({ pool, flavor, value }) => ({
            pool,
            flavor,
            source: staticSource(value),
          }));
          const backlogs = await readBacklogs(requests, {
            now: () => now,
            concurrency,
            createSource: create,
          });

          const queries = new Set(requests.map((r) => `${stableKey(r.source)}|${r.pool}`));
          expect(new Set(reads.keys())).toEqual(queries);
          expect([...reads.values()].every((count) => count === 1)).toBe(true);
          expect(inFlight.max).toBeLessThanOrEqual(concurrency);
          expect([...backlogs.keys()]).toEqual(requests);
          requests.forEach((request, index) => {
            const spec = specs[index] as (typeof specs)[number];
            expect(backlogs.get(request)).toMatchObject({ ok: true, value: spec.value + spec.flavor.length });
          });
        },
      ),
      { numRuns: 50 },
    );
  });

  it('shares a query between configs that differ only in key order', async () => {
    server = await startJsonServer(() => ({ body: { queued: 4 } }));
    const a = BacklogSourceConfigSchema.parse({
      type: 'http',
      url: server.url,
      valueExpression: 'queued',
      retries: 0,
    });
    const b = Object.fromEntries(Object.entries(a).reverse()) as BacklogSourceConfig;
    const backlogs = await readBacklogs(
      [
        { pool: 'pool-a', flavor: 'gpu', source: a },
        { pool: 'pool-b', flavor: 'cpu', source: b },
      ],
      { now: () => now },
    );

    expect(server.requests).toHaveLength(1);
    expect([...backlogs.values()].map((backlog) => backlog.ok && backlog.value)).toEqual([4, 4]);
  });

  it('cuts off a hanging server at the timeout without holding the other reads', async () => {
    server = await startJsonServer((request) =>
      request.path === '/hang' ? 'hang' : { body: { queued: 2 } },
    );
    const config = (path: string) =>
      BacklogSourceConfigSchema.parse({
        type: 'http',
        url: `${server?.url}${path}`,
        valueExpression: 'queued',
        retries: 0,
      });
    const hanging: BacklogRequest = { pool: 'pool-a', flavor: 'gpu', source: config('/hang') };
    const healthy: BacklogRequest = { pool: 'pool-a', flavor: 'cpu', source: config('/ok') };
    const backlogs = await readBacklogs([hanging, healthy], { now: () => now, timeoutMs: 150 });

    expect(backlogs.get(hanging)).toMatchObject({ ok: false, reason: 'failed' });
    expect(backlogs.get(hanging)?.ok === false && backlogs.get(hanging)).toMatchObject({
      message: expect.stringContaining('no answer within 150 ms'),
    });
    expect(backlogs.get(healthy)).toMatchObject({ ok: true, value: 2 });
  });

  it('returns at the timeout even when a source ignores the abort signal', async () => {
    let signalled: AbortSignal | undefined;
    const deaf: BacklogSource = {
      type: 'static',
      queryKey: () => 'deaf',
      describe: () => 'deaf',
      read: (_target, { signal }) => {
        signalled = signal;
        return new Promise(() => {});
      },
      pick: () => ({ value: 1, observedAt: now }),
    };
    const request: BacklogRequest = { pool: 'pool-a', flavor: 'gpu', source: staticSource(1) };
    const backlogs = await readBacklogs([request], {
      now: () => now,
      timeoutMs: 50,
      createSource: () => deaf,
    });

    expect(backlogs.get(request)).toMatchObject({ ok: false, reason: 'failed', source: 'deaf' });
    expect(signalled?.aborted).toBe(true);
  });

  it('stops every read when the cycle is cancelled', async () => {
    const controller = new AbortController();
    const never: BacklogSource = {
      type: 'static',
      queryKey: () => 'never',
      describe: () => 'never',
      read: () => {
        controller.abort();
        return new Promise(() => {});
      },
      pick: () => ({ value: 1, observedAt: now }),
    };
    const request: BacklogRequest = { pool: 'pool-a', flavor: 'gpu', source: staticSource(1) };
    const backlogs = await readBacklogs([request], {
      now: () => now,
      signal: controller.signal,
      createSource: () => never,
    });
    expect(backlogs.get(request)).toMatchObject({
      ok: false,
      message: expect.stringContaining('cycle cancelled'),
    });
  });

  it('counts a reading older than staleAfterSeconds as stale, and a fresh one as a value', async () => {
    const aged = (ageSeconds: number): BacklogSource => ({
      type: 'static',
      queryKey: () => String(ageSeconds),
      describe: () => 'aged',
      read: async () => ageSeconds,
      pick: () => ({ value: 5, observedAt: now - ageSeconds * 1000 }),
    });
    const old: BacklogRequest = {
      pool: 'pool-a',
      flavor: 'gpu',
      source: staticSource(601),
      staleAfterSeconds: 600,
    };
    const fresh: BacklogRequest = {
      pool: 'pool-a',
      flavor: 'cpu',
      source: staticSource(599),
      staleAfterSeconds: 600,
    };
    const backlogs = await readBacklogs([old, fresh], {
      now: () => now,
      createSource: (config) => aged(config.type === 'static' ? (config.value ?? 0) : 0),
    });

    expect(backlogs.get(old)).toMatchObject({ ok: false, reason: 'stale', source: 'aged' });
    expect(backlogs.get(fresh)).toMatchObject({ ok: true, value: 5 });
  });

  it("without staleAfterSeconds, goes stale at the config's built-in default", async () => {
    const limit = builtInFlavorDefaults.backlog.staleAfterSeconds;
    const aged: BacklogSource = {
      type: 'static',
      queryKey: (target) => target.flavor,
      describe: () => 'aged',
      read: async () => 0,
      pick: (_, target) => ({ value: 5, observedAt: now - Number(target.flavor) * 1000 }),
    };
    const request = (ageSeconds: number): BacklogRequest => ({
      pool: 'pool-a',
      flavor: String(ageSeconds),
      source: staticSource(0),
    });
    const old = request(limit + 1);
    const fresh = request(limit - 1);
    const backlogs = await readBacklogs([old, fresh], { now: () => now, createSource: () => aged });

    expect(backlogs.get(old)).toMatchObject({ ok: false, reason: 'stale' });
    expect(backlogs.get(fresh)).toMatchObject({ ok: true, value: 5 });
  });

  it('turns any thrown error into a failure without quoting its message', async () => {
    const leaky: BacklogSource = {
      type: 'static',
      queryKey: () => 'leaky',
      describe: () => 'leaky',
      read: async () => {
        throw new TypeError('fetch https://user:hunter2@example.com/?token=abc failed');
      },
      pick: () => ({ value: 1, observedAt: now }),
    };
    const request: BacklogRequest = { pool: 'pool-a', flavor: 'gpu', source: staticSource(1) };
    const backlog = (await readBacklogs([request], { now: () => now, createSource: () => leaky })).get(
      request,
    );

    expect(backlog).toMatchObject({ ok: false, reason: 'failed', source: 'leaky' });
    expect(JSON.stringify(backlog)).not.toMatch(/hunter2|token=abc/);
  });

  it('keeps a pick failure to its own request', async () => {
    const picky: BacklogSource<number> = {
      type: 'static',
      queryKey: () => 'shared',
      describe: () => 'picky',
      read: async () => 3,
      pick: (value, target) => {
        if (target.flavor === 'npu')
          throw new BacklogSourceError('static', 'shared', 'no npu', { reason: 'missing' });
        return { value, observedAt: now };
      },
    };
    const npu: BacklogRequest = { pool: 'pool-a', flavor: 'npu', source: staticSource(1) };
    const gpu: BacklogRequest = { pool: 'pool-a', flavor: 'gpu', source: staticSource(1) };
    const backlogs = await readBacklogs([npu, gpu], { now: () => now, createSource: () => picky });

    expect(backlogs.get(npu)).toMatchObject({
      ok: false,
      reason: 'missing',
      message: expect.stringContaining('no npu'),
    });
    expect(backlogs.get(gpu)).toMatchObject({ ok: true, value: 3 });
  });

  it('fails the requests of a source that cannot be built, and only those', async () => {
    const workloads: BacklogRequest = {
      pool: 'pool-a',
      flavor: 'gpu',
      source: BacklogSourceConfigSchema.parse({ type: 'modelarts-workloads' }),
    };
    const fixed: BacklogRequest = { pool: 'pool-a', flavor: 'cpu', source: staticSource(2) };
    const backlogs = await readBacklogs([workloads, fixed], { now: () => now });

    expect(backlogs.get(workloads)).toMatchObject({
      ok: false,
      reason: 'failed',
      message: expect.stringContaining('deps.workloads'),
    });
    expect(backlogs.get(fixed)).toEqual({ ok: true, value: 2, observedAt: now, source: 'static' });
  });
});

describe('readBacklogs queued jobs', () => {
  const jobs = [
    { name: 'anywhere', nodes: 4, weight: 1 },
    { name: 'tied', nodes: 2, az: 'az-b', weight: 1 },
  ];
  const listing: BacklogSource<null> = {
    type: 'static',
    queryKey: (target) => target.pool,
    describe: () => 'listing',
    read: async () => null,
    pick: () => ({ value: 5, perAz: { 'az-a': 3, 'az-b': 2 }, observedAt: now, jobs }),
  };
  const read = (az?: string) =>
    readBacklogs([{ pool: 'p', flavor: 'f', source: staticSource(0), ...(az ? { az } : {}) }], {
      now: () => now,
      createSource: () => listing,
    }).then((backlogs) => [...backlogs.values()][0]);

  it('passes the queued jobs on with the flavor backlog, and narrowed to an AZ only the jobs tied to it', async () => {
    expect(await read()).toMatchObject({ ok: true, value: 5, jobs });
    expect(await read('az-b')).toMatchObject({ ok: true, value: 2, jobs: [jobs[1]] });
    expect(await read('az-a')).toMatchObject({ ok: true, value: 3, jobs: [] });
  });
});

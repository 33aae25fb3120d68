import { afterEach, describe, expect, it } from 'vitest';
import type { BacklogRequest } from '../../lib/metrics/read';
import { BacklogSourceConfigSchema } from '../../lib/metrics/registry';
import {
  type Answer,
  type JsonServer,
  poolARequest,
  readWithEnv,
  type SeenRequest,
  startJsonServer,
} from './json-server';

const evaluatedAt = 1_750_000_000; // Prometheus sample times are epoch seconds
const now = evaluatedAt * 1000 + 2_000;
const secret = 's3cr3t-prometheus-token';

let server: JsonServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const vector = (series: [Record<string, string>, string][]) => ({
  status: 'success',
  data: {
    resultType: 'vector',
    result: series.map(([metric, value]) => ({ metric, value: [evaluatedAt, value] })),
  },
});

async function prometheus(answer: (request: SeenRequest) => Answer) {
  server = await startJsonServer(answer);
  return server;
}

const source = (url: string, extra: Record<string, unknown> = {}) =>
  BacklogSourceConfigSchema.parse({
    type: 'prometheus',
    url,
    query: 'sum by (flavor, zone) (queued_jobs)',
    retries: 0,
    ...extra,
  });

const request = poolARequest;
const read = (requests: BacklogRequest[], env: Record<string, string> = {}) =>
  readWithEnv(requests, now, env);

describe('prometheus backlog source', () => {
  it('sums a vector result and stamps it with the evaluation time', async () => {
    const { url, requests } = await prometheus(() => ({
      body: vector([
        [{ zone: 'a' }, '3'],
        [{ zone: 'b' }, '4.5'],
      ]),
    }));
    const gpu = request('gpu', source(url));
    const backlog = (await read([gpu])).get(gpu);

    expect(requests.map((r) => [r.path, r.query.get('query')])).toEqual([
      ['/api/v1/query', 'sum by (flavor, zone) (queued_jobs)'],
    ]);
    expect(backlog).toEqual({
      ok: true,
      value: 7.5,
      observedAt: evaluatedAt * 1000,
      source: `prometheus:${url.slice(7)}`,
    });
  });

  it('splits one query by flavor and AZ labels, reading it once for every flavor', async () => {
    const { url, requests } = await prometheus(() => ({
      body: vector([
        [{ flavor: 'gpu', zone: 'az-1' }, '2'],
        [{ flavor: 'gpu', zone: 'az-2' }, '5'],
        [{ flavor: 'cpu', zone: 'az-1' }, '1'],
      ]),
    }));
    const config = source(url, { flavorLabel: 'flavor', azLabel: 'zone' });
    const gpu = request('gpu', config);
    const cpu = request('cpu', config);
    const gpuAz2 = request('gpu', config, 'az-2');
    const npu = request('npu', config);
    const backlogs = await read([gpu, cpu, gpuAz2, npu]);

    expect(requests).toHaveLength(1);
    expect(backlogs.get(gpu)).toMatchObject({ ok: true, value: 7, perAz: { 'az-1': 2, 'az-2': 5 } });
    expect(backlogs.get(cpu)).toMatchObject({ ok: true, value: 1, perAz: { 'az-1': 1 } });
    expect(backlogs.get(gpuAz2)).toMatchObject({ ok: true, value: 5 });
    expect(backlogs.get(npu)).toMatchObject({ ok: true, value: 0 });
  });

  it('fills {pool} and {flavor} into the query, one read per distinct query', async () => {
    const { url, requests } = await prometheus(() => ({ body: vector([[{}, '1']]) }));
    const config = source(url, { query: 'sum(queued{pool="{pool}",flavor="{flavor}"})' });
    await read([request('gpu', config), request('cpu', config), request('gpu', config)]);

    expect(requests.map((r) => r.query.get('query')).sort()).toEqual([
      'sum(queued{pool="pool-a",flavor="cpu"})',
      'sum(queued{pool="pool-a",flavor="gpu"})',
    ]);
  });

  it('takes a scalar result as is', async () => {
    const { url } = await prometheus(() => ({
      body: { status: 'success', data: { resultType: 'scalar', result: [evaluatedAt, '12'] } },
    }));
    const gpu = request('gpu', source(url, { query: 'scalar(sum(queued_jobs))' }));
    expect((await read([gpu])).get(gpu)).toMatchObject({ ok: true, value: 12 });
  });

  it('counts an empty result as zero, or as missing when configured', async () => {
    const { url } = await prometheus(() => ({ body: vector([]) }));
    const zero = request('gpu', source(url));
    const missing = request('gpu', source(url, { emptyAs: 'missing' }));
    const backlogs = await read([zero, missing]);

    expect(backlogs.get(zero)).toMatchObject({ ok: true, value: 0, observedAt: now });
    expect(backlogs.get(missing)).toMatchObject({ ok: false, reason: 'missing' });
  });

  it('reports a Prometheus error with its type and message', async () => {
    const { url } = await prometheus(() => ({
      status: 400,
      body: { status: 'error', errorType: 'bad_data', error: 'parse error at char 5' },
    }));
    const gpu = request('gpu', source(url));
    const backlog = (await read([gpu])).get(gpu);

    expect(backlog).toMatchObject({ ok: false, reason: 'failed' });
    expect(backlog?.ok === false && backlog.message).toContain('bad_data: parse error at char 5');
  });

  it('fails on a NaN sample rather than count it', async () => {
    const { url } = await prometheus(() => ({ body: vector([[{}, 'NaN']]) }));
    const gpu = request('gpu', source(url));
    expect((await read([gpu])).get(gpu)).toMatchObject({ ok: false, reason: 'failed' });
  });

  it('sends a bearer token from the named variable and never repeats it in a failure', async () => {
    const { url, requests } = await prometheus(() => ({
      status: 503,
      body: { status: 'error', errorType: 'unavailable', error: 'down' },
    }));
    const gpu = request('gpu', source(url, { auth: { type: 'bearer', tokenEnv: 'PROM_TOKEN' } }));
    const backlog = (await read([gpu], { PROM_TOKEN: secret })).get(gpu);

    expect(requests[0]?.headers.authorization).toBe(`Bearer ${secret}`);
    expect(backlog).toMatchObject({ ok: false, reason: 'failed' });
    expect(JSON.stringify(backlog)).not.toContain(secret);
  });

  it('sends basic auth from the named variables', async () => {
    const { url, requests } = await prometheus(() => ({ body: vector([[{}, '1']]) }));
    const gpu = request(
      'gpu',
      source(url, { auth: { type: 'basic', usernameEnv: 'PROM_USER', passwordEnv: 'PROM_PASS' } }),
    );
    await read([gpu], { PROM_USER: 'scaler', PROM_PASS: secret });

    expect(requests[0]?.headers.authorization).toBe(
      `Basic ${Buffer.from(`scaler:${secret}`).toString('base64')}`,
    );
  });

  it('fails naming the variable when a credential variable is not set', async () => {
    const { url, requests } = await prometheus(() => ({ body: vector([]) }));
    const gpu = request('gpu', source(url, { auth: { type: 'bearer', tokenEnv: 'PROM_TOKEN' } }));
    const backlog = (await read([gpu])).get(gpu);

    expect(requests).toHaveLength(0);
    expect(backlog?.ok === false && backlog.message).toContain('PROM_TOKEN is not set');
  });
});

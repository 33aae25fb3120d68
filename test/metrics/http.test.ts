import { afterEach, describe, expect, it } from 'vitest';
import type { BacklogRequest } from '../../lib/metrics/read';
import { BacklogSourceConfigSchema } from '../../lib/metrics/registry';
import { toEpochMs } from '../../lib/metrics/sources/http';
import { type Answer, type JsonServer, poolARequest, readWithEnv, startJsonServer } from './json-server';

const now = Date.UTC(2025, 5, 1, 12, 0, 0);
const secret = 'k3y-that-must-not-leak';

let server: JsonServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(answer: Answer) {
  server = await startJsonServer(() => answer);
  return server;
}

const source = (url: string, extra: Record<string, unknown> = {}) =>
  BacklogSourceConfigSchema.parse({ type: 'http', url, valueExpression: 'queued', retries: 0, ...extra });

const request = poolARequest;
const read = (requests: BacklogRequest[], env: Record<string, string> = {}) =>
  readWithEnv(requests, now, env);

const document = {
  generatedAt: '2025-06-01T11:59:30Z',
  pools: {
    'pool-a': {
      gpu: { queued: 6, running: 2, zones: { 'az-1': 4, 'az-2': 4 } },
      cpu: { queued: 1, running: 0, zones: { 'az-1': 1 } },
    },
  },
};

describe('http backlog source', () => {
  it('takes the number at a JMESPath expression, one GET for every flavor of the document', async () => {
    const { url, requests } = await serve({ body: document });
    const config = source(`${url}/stats`, {
      valueExpression: 'sum([pools."{pool}"."{flavor}".queued, pools."{pool}"."{flavor}".running])',
      perAzExpression: 'pools."{pool}"."{flavor}".zones',
      observedAtExpression: 'generatedAt',
    });
    const gpu = request('gpu', config);
    const cpuAz1 = request('cpu', config, 'az-1');
    const backlogs = await read([gpu, cpuAz1]);

    expect(requests.map((r) => r.path)).toEqual(['/stats']);
    expect(backlogs.get(gpu)).toEqual({
      ok: true,
      value: 8,
      perAz: { 'az-1': 4, 'az-2': 4 },
      observedAt: Date.parse('2025-06-01T11:59:30Z'),
      source: `http:${url.slice(7)}/stats`,
    });
    expect(backlogs.get(cpuAz1)).toMatchObject({ ok: true, value: 1 });
  });

  it('fills {pool} and {flavor} into the URL, URL-encoded', async () => {
    const { url, requests } = await serve({ body: { queued: 2 } });
    const config = source(`${url}/pools/{pool}/flavors/{flavor}`);
    const backlog = (await read([request('modelarts.vm.gpu v100', config)])).values().next().value;

    expect(requests.map((r) => r.path)).toEqual(['/pools/pool-a/flavors/modelarts.vm.gpu%20v100']);
    expect(backlog).toMatchObject({ ok: true, value: 2, observedAt: now });
  });

  it('sends headers from the named variables and keeps their values out of failures', async () => {
    const { url, requests } = await serve({ status: 401, body: { message: 'no' } });
    const gpu = request(
      'gpu',
      source(`${url}/stats?view=compact`, { headersFromEnv: { 'X-Api-Key': 'QUEUE_API_KEY' } }),
    );
    const backlog = (await read([gpu], { QUEUE_API_KEY: secret })).get(gpu);

    expect(requests[0]?.headers['x-api-key']).toBe(secret);
    expect(backlog).toMatchObject({ ok: false, reason: 'failed' });
    expect(backlog?.ok === false && backlog.message).toContain('HTTP 401');
    expect(backlog?.ok === false && backlog.message).not.toContain('view=compact');
    expect(JSON.stringify(backlog)).not.toContain(secret);
  });

  it('calls an expression that matches nothing missing, and a non-number failed', async () => {
    const { url } = await serve({ body: { queued: 'lots', other: 1 } });
    const nothing = request('gpu', source(url, { valueExpression: 'absent' }));
    const notANumber = request('gpu', source(url));
    const backlogs = await read([nothing, notANumber]);

    expect(backlogs.get(nothing)).toMatchObject({ ok: false, reason: 'missing' });
    expect(backlogs.get(notANumber)).toMatchObject({ ok: false, reason: 'failed' });
  });

  it('reports an old observation time as stale', async () => {
    const { url } = await serve({ body: { queued: 3, at: now / 1000 - 900 } });
    const old = { ...request('gpu', source(url, { observedAtExpression: 'at' })), staleAfterSeconds: 600 };
    expect((await read([old])).get(old)).toMatchObject({ ok: false, reason: 'stale' });
  });

  it('fails on a body that is not JSON', async () => {
    const { url } = await serve({ text: '<html>login</html>' });
    const gpu = request('gpu', source(url));
    const backlog = (await read([gpu])).get(gpu);
    expect(backlog).toMatchObject({ ok: false, reason: 'failed' });
    expect(backlog?.ok === false && backlog.message).toContain('did not return JSON');
  });

  it('reads observation times in epoch seconds, epoch ms and ISO 8601', () => {
    expect(toEpochMs(1_750_000_000)).toBe(1_750_000_000_000);
    expect(toEpochMs(1_750_000_000_123)).toBe(1_750_000_000_123);
    expect(toEpochMs('1750000000')).toBe(1_750_000_000_000);
    expect(toEpochMs('2025-06-01T12:00:00Z')).toBe(now);
    expect(toEpochMs('yesterday')).toBeUndefined();
    expect(toEpochMs(null)).toBeUndefined();
  });
});

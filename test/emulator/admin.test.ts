import { describe, expect, it } from 'vitest';
import {
  CPU,
  call,
  emulatorFor,
  getPool,
  listPools,
  patchPool,
  resize,
  seedPool,
  T0,
  testClock,
} from './harness';

const single = () => seedPool('single-flavor-pool');

describe('request log', () => {
  it('records every API request with route, method, path, query, headers, body, status and clock time', async () => {
    const clock = testClock();
    const emulator = await emulatorFor({ now: clock.now });
    await listPools(emulator, 'labelSelector=team%3Dnlp&status=created&status=creating');
    clock.advance(5_000);
    await patchPool(emulator, single(), resize({ flavor: CPU, count: 4 }));

    expect(emulator.requests).toHaveLength(2);
    expect(emulator.requests[0]).toMatchObject({
      route: 'listPools',
      method: 'GET',
      path: `/v2/${emulator.projectId}/pools`,
      query: { labelSelector: 'team=nlp', status: ['created', 'creating'] },
      status: 200,
      at: T0,
    });
    expect(emulator.requests[0]).not.toHaveProperty('body');
    expect(emulator.requests[1]).toMatchObject({
      route: 'patchPool',
      method: 'PATCH',
      body: JSON.stringify(resize({ flavor: CPU, count: 4 })),
      status: 200,
      at: T0 + 5_000,
    });
    expect(emulator.requests[1]?.headers['content-type']).toBe('application/merge-patch+json');
  });

  it('redacts tokens and IAM passwords', async () => {
    const emulator = await emulatorFor();
    await call(emulator, 'GET', `/v2/${emulator.projectId}/pools`, {
      headers: { 'X-Auth-Token': 'MIIsecret-token' },
    });
    await call(emulator, 'POST', '/v3/auth/tokens', {
      body: {
        auth: {
          identity: {
            methods: ['password'],
            password: { user: { name: 'u', password: 'hunter2', domain: { name: 'd' } } },
          },
          scope: { project: { id: emulator.projectId } },
        },
      },
    });
    const logged = JSON.stringify(emulator.requests);
    expect(logged).not.toContain('MIIsecret-token');
    expect(logged).not.toContain('hunter2');
    expect(emulator.requests[0]?.headers['x-auth-token']).toBe('[redacted]');
  });

  it('clearRequests empties the log in place', async () => {
    const emulator = await emulatorFor();
    const log = emulator.requests;
    await listPools(emulator);
    emulator.clearRequests();
    expect(log).toEqual([]);
    await listPools(emulator);
    expect(log).toHaveLength(1);
  });
});

describe('admin routes', () => {
  it('GET /__admin/requests serves the log, filtered by route, and is not logged itself', async () => {
    const emulator = await emulatorFor();
    await listPools(emulator);
    await getPool(emulator, single());
    const all = await call(emulator, 'GET', '/__admin/requests');
    const gets = await call(emulator, 'GET', '/__admin/requests?route=getPool');
    expect(all.body.map((request: { route: string }) => request.route)).toEqual(['listPools', 'getPool']);
    expect(gets.body).toHaveLength(1);
    expect(all.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/);
    expect(emulator.requests).toHaveLength(2);
    expect((await call(emulator, 'DELETE', '/__admin/requests')).status).toBe(200);
    expect(emulator.requests).toEqual([]);
  });

  it('POST /__admin/pools/{name} sets controlMode and phase', async () => {
    const emulator = await emulatorFor();
    const { status, body } = await call(emulator, 'POST', `/__admin/pools/${single()}`, {
      body: { controlMode: 8, phase: 'Abnormal' },
    });
    expect(status).toBe(200);
    expect([body.spec.controlMode, body.status.phase]).toEqual([8, 'Abnormal']);
    expect((await getPool(emulator, single())).body.status.phase).toBe('Abnormal');
    expect(
      (await call(emulator, 'POST', '/__admin/pools/missing', { body: { phase: 'Running' } })).status,
    ).toBe(404);
    const bad = await call(emulator, 'POST', `/__admin/pools/${single()}`, {
      body: { controlMode: 'frozen' },
    });
    expect([bad.status, bad.body.error_msg]).toEqual([400, 'controlMode: expected number, received string']);
  });

  it('Emulator.setPhase and setControlMode do the same, and refuse an unknown pool', async () => {
    const emulator = await emulatorFor();
    emulator.setPhase(seedPool('creating-pool'), 'Running');
    emulator.setControlMode(single(), 2);
    expect(emulator.pool(seedPool('creating-pool'))?.status?.phase).toBe('Running');
    expect(emulator.pool(single())?.spec.controlMode).toBe(2);
    expect(() => emulator.setPhase('missing', 'Running')).toThrow('the emulator has no pool named "missing"');
  });

  it('POST /__admin/faults sets the fault rules, refusing bad ones', async () => {
    const emulator = await emulatorFor();
    expect(
      (await call(emulator, 'POST', '/__admin/faults', { body: { listPools: { errorRate: 1 } } })).status,
    ).toBe(200);
    expect((await listPools(emulator)).status).toBe(500);
    const bad = await call(emulator, 'POST', '/__admin/faults', { body: { nowhere: { errorRate: 1 } } });
    expect(bad.status).toBe(400);
    expect(bad.body.error_msg).toContain('nowhere');
  });

  it('POST /__admin/fail-next queues faults', async () => {
    const emulator = await emulatorFor();
    const { status } = await call(emulator, 'POST', '/__admin/fail-next', {
      body: { route: 'getPool', count: 1, fault: { status: 502 } },
    });
    expect(status).toBe(200);
    expect((await getPool(emulator, single())).status).toBe(502);
    expect((await getPool(emulator, single())).status).toBe(200);
  });

  it('POST /__admin/reset restores the seed and clears the log and the faults', async () => {
    const emulator = await emulatorFor();
    await patchPool(emulator, single(), resize({ flavor: CPU, count: 5 }));
    emulator.setFaults({ getPool: { errorRate: 1 } });
    emulator.failNext('listPools', 3, { status: 500 });
    expect((await call(emulator, 'POST', '/__admin/reset')).status).toBe(200);
    expect(emulator.requests).toEqual([]);
    expect((await listPools(emulator)).status).toBe(200);
    const { status, body } = await getPool(emulator, single());
    expect(status).toBe(200);
    expect(body.spec.resources).toEqual([{ flavor: CPU, count: 3 }]);
  });

  it('serves the admin routes other route files add, and resets them too', async () => {
    const emulator = await emulatorFor();
    const multi = seedPool('multi-gpu-pool');
    const workloads = `/v2/${emulator.projectId}/pools/${multi}/workloads`;
    const seeded = (await call(emulator, 'GET', workloads)).body.total;
    expect(seeded).toBeGreaterThan(0);
    expect((await call(emulator, 'POST', `/__admin/pools/${multi}/workloads`, { body: [] })).status).toBe(
      200,
    );
    expect((await call(emulator, 'GET', workloads)).body.total).toBe(0);
    await call(emulator, 'POST', '/__admin/reset');
    expect((await call(emulator, 'GET', workloads)).body.total).toBe(seeded);
  });

  it('GET /__admin/pools lists every pool whatever its workspace', async () => {
    const emulator = await emulatorFor();
    expect((await call(emulator, 'GET', '/__admin/pools')).body).toHaveLength(9);
  });

  it('answers an unknown admin route with 404', async () => {
    const emulator = await emulatorFor();
    expect((await call(emulator, 'GET', '/__admin/nothing')).status).toBe(404);
  });
});

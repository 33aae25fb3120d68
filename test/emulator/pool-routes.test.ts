import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { POOL_NAME_PATTERN, parsePool, parsePoolList } from '../../lib/modelarts/schemas';
import {
  call,
  createPool,
  emulatorFor,
  getPool,
  listPools,
  poolsPath,
  seedPool,
  T0,
  TRANSITION_MS,
  testClock,
} from './harness';

const createExample = () =>
  JSON.parse(
    readFileSync(new URL('../fixtures/modelarts/create-pool.request.json', import.meta.url), 'utf8'),
  );

describe('list pools', () => {
  it('returns a PoolList of every seed pool in the default workspace, each a valid pool', async () => {
    const emulator = await emulatorFor();
    const { status, body } = await listPools(emulator);
    expect(status).toBe(200);
    expect(body).toMatchObject({ kind: 'PoolList', apiVersion: 'v2' });
    const { pools, errors } = parsePoolList(body);
    expect(errors).toEqual([]);
    expect(pools.map((pool) => pool.metadata.name)).toContain(seedPool('multi-gpu-pool'));
    expect(pools).toHaveLength(9);
  });
});

describe('get pool', () => {
  it('returns the documentation example pool as documented', async () => {
    const emulator = await emulatorFor();
    const { status, body } = await getPool(emulator, 'auto-pool-os-86c13962597848eeb29c5861153a391f');
    const documented = JSON.parse(
      readFileSync(new URL('../fixtures/modelarts/get-pool.response-200.json', import.meta.url), 'utf8'),
    );
    expect(status).toBe(200);
    expect(body).toEqual(documented);
  });

  it('answers 404 ModelArts.50015001 for a missing pool', async () => {
    const emulator = await emulatorFor();
    const { status, body } = await getPool(emulator, 'no-such-pool-00000000000000000000000000000000');
    expect(status).toBe(404);
    expect(body).toEqual({
      error_code: 'ModelArts.50015001',
      error_msg: 'Pool no-such-pool-00000000000000000000000000000000 not found.',
    });
  });

  it('matches what Emulator.pool() returns', async () => {
    const emulator = await emulatorFor();
    const name = seedPool('single-flavor-pool');
    expect((await getPool(emulator, name)).body).toEqual(emulator.pool(name));
  });
});

describe('create pool', () => {
  it('creates the documentation example as a Creating pool named <display name>-<32 hex>', async () => {
    const clock = testClock();
    const emulator = await emulatorFor({ now: clock.now });
    const { status, body } = await createPool(emulator, createExample());
    expect(status).toBe(200);
    const pool = parsePool(body);
    expect(pool.metadata.name).toMatch(/^pool-001-[0-9a-f]{32}$/);
    expect(pool.metadata.name).toMatch(POOL_NAME_PATTERN);
    expect(pool.metadata.creationTimestamp).toBe(new Date(T0).toISOString().replace('.000Z', 'Z'));
    expect(pool.metadata.labels).toMatchObject({
      'os.modelarts/name': 'pool-001',
      'os.modelarts/workspace.id': '0',
    });
    expect(pool.spec.resources).toEqual([{ flavor: 'modelarts.vm.gpu.tnt004', count: 2 }]);
    expect(pool.status).toMatchObject({
      phase: 'Creating',
      root: pool.metadata.name,
      scope: [{ scopeType: 'Train', state: 'Enabling' }],
    });
    expect(pool.status?.resources).toEqual({
      creating: [{ flavor: 'modelarts.vm.gpu.tnt004', count: 2, azs: [{ az: 'cn-north-7a', count: 2 }] }],
    });

    clock.advance(TRANSITION_MS);
    const later = (await getPool(emulator, pool.metadata.name)).body;
    expect(later.status).toMatchObject({
      phase: 'Running',
      scope: [{ scopeType: 'Train', state: 'Enabled' }],
    });
    expect(later.status.resources).toEqual({
      available: [{ flavor: 'modelarts.vm.gpu.tnt004', count: 2, azs: [{ az: 'cn-north-7a', count: 2 }] }],
    });
    expect((await listPools(emulator)).body.items).toHaveLength(10);
  });

  it('refuses a duplicate display name with 409 ModelArts.50015000', async () => {
    const emulator = await emulatorFor();
    expect((await createPool(emulator, createExample())).status).toBe(200);
    const { status, body } = await createPool(emulator, createExample());
    expect(status).toBe(409);
    expect(body.error_code).toBe('ModelArts.50015000');
    expect(body.error_msg).toContain('"pool-001"');
  });

  it('refuses an invalid body with 400 ModelArts.50004000 naming each problem', async () => {
    const emulator = await emulatorFor();
    const body = createExample();
    body.metadata.labels['os.modelarts/name'] = 'Pool_1';
    delete body.spec.network;
    const answer = await createPool(emulator, body);
    expect(answer.status).toBe(400);
    expect(answer.body.error_code).toBe('ModelArts.50004000');
    expect(answer.body.error_msg).toContain(
      'metadata.labels["os.modelarts/name"]: must be 3 to 30 characters',
    );
    expect(answer.body.error_msg).toContain('spec.network: is mandatory for a physical (Dedicate) pool');
  });

  it('refuses a body that is not JSON', async () => {
    const emulator = await emulatorFor();
    const answer = await call(emulator, 'POST', poolsPath(emulator), {
      body: '{"kind":',
      headers: { 'Content-Type': 'application/json' },
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error_msg).toMatch(/^request body is not valid JSON/);
  });
});

describe('every response', () => {
  it('carries a distinct X-Request-Id, errors included', async () => {
    const emulator = await emulatorFor();
    const answers = [
      await listPools(emulator),
      await getPool(emulator, 'missing'),
      await call(emulator, 'GET', '/nowhere'),
    ];
    const ids = answers.map((answer) => answer.headers.get('x-request-id'));
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(new Set(ids).size).toBe(3);
  });

  it('answers an unknown API with 404 APIGW.0101', async () => {
    const emulator = await emulatorFor();
    const { status, body } = await call(emulator, 'DELETE', poolsPath(emulator, seedPool('frozen-pool')));
    expect(status).toBe(404);
    expect(body.error_code).toBe('APIGW.0101');
    expect(emulator.requests.at(-1)).toMatchObject({ route: 'unknown', method: 'DELETE', status: 404 });
  });

  it('refuses another project with 403', async () => {
    const emulator = await emulatorFor();
    const { status, body } = await call(emulator, 'GET', '/v2/other-project/pools');
    expect(status).toBe(403);
    expect(body).toEqual({
      error_code: 'ModelArts.50003000',
      error_msg: 'project other-project is not accessible: this is project emulator-project',
    });
  });

  it('uses the configured project id', async () => {
    const emulator = await emulatorFor({ projectId: '0123456789abcdef0123456789abcdef' });
    expect((await call(emulator, 'GET', '/v2/0123456789abcdef0123456789abcdef/pools')).status).toBe(200);
    expect((await call(emulator, 'GET', '/v2/emulator-project/pools')).status).toBe(403);
  });
});

describe('seeding', () => {
  it('serves the pools it is given instead of the bundled seed', async () => {
    const documented = JSON.parse(
      readFileSync(new URL('../fixtures/modelarts/get-pool.sdk-single-object.json', import.meta.url), 'utf8'),
    );
    const emulator = await emulatorFor({ pools: [documented] });
    const { body } = await listPools(emulator);
    expect(body.items.map((pool: { metadata: { name: string } }) => pool.metadata.name)).toEqual([
      documented.metadata.name,
    ]);
    // The SDK single-object shape comes back in the documented array shape.
    expect(body.items[0].status.resources.available).toEqual([
      { flavor: 'modelarts.vm.cpu.4ud', count: 2, azs: [{ az: 'cn-north-7c', count: 2 }] },
    ]);
  });

  it('refuses a seed pool that is not a valid pool, naming it', async () => {
    await expect(
      emulatorFor({ pools: [{ metadata: { name: 'x' }, spec: { resources: 'none' } }] }),
    ).rejects.toThrow(
      'seed pool 0 is not a valid pool: pool "x" has a bad response: spec.resources: expected array, received string',
    );
  });
});

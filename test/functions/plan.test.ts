import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../emulator/server';
import { makeHandler, type PlanEvent } from '../../functions/plan';
import {
  captureOutput,
  lambdaContext,
  MULTI_POOL,
  NOW,
  readEvent,
  SAMPLE_FLAVOR,
  SAMPLE_POOL,
  sampleConfig,
  testDeps,
} from './harness';

let emulator: Emulator;
let output: ReturnType<typeof captureOutput>;

beforeEach(async () => {
  emulator = await startEmulator({ now: () => NOW });
  output = captureOutput();
});
afterEach(async () => {
  output.restore();
  await emulator.close();
});

describe('plan', () => {
  it('returns the dry-run plan of every pool for events/plan.json, sending no PATCH and saving no state', async () => {
    const deps = testDeps(await sampleConfig(emulator.url, { dryRun: false }));
    const result = await makeHandler(deps)(await readEvent<PlanEvent>('plan'), lambdaContext());

    expect(result).toMatchObject({ dryRun: true, pools: 2, counts: { 'dry-run': 1, unchanged: 1 } });
    const flavor = result.plan.pools.find((pool) => pool.pool === SAMPLE_POOL)?.flavors[0];
    expect(flavor).toMatchObject({ flavor: SAMPLE_FLAVOR, current: 3, target: 6, action: 'scale-up' });
    expect(result.plan.pools.find((pool) => pool.pool === SAMPLE_POOL)?.patch).toBeDefined();
    // The pool that would change is read again, as apply would under its lease.
    expect(emulator.requests.map((request) => `${request.method} ${request.route}`)).toEqual([
      'GET listPools',
      'GET getPool',
    ]);
    expect(await deps.cycle.store.load(`emulator-project/${SAMPLE_POOL}`)).toEqual({
      history: { flavors: {} },
      revision: 0,
    });
  });

  it('plans only the pools named, with one GET each', async () => {
    const handler = makeHandler(testDeps(await sampleConfig(emulator.url)));
    const result = await handler({ pools: [MULTI_POOL] }, lambdaContext());

    expect(result.outcomes).toEqual([expect.objectContaining({ pool: MULTI_POOL, status: 'unchanged' })]);
    expect(emulator.requests.map((request) => request.route)).toEqual(['getPool']);
  });

  it('is JSON all the way (the manual invocation prints it)', async () => {
    const handler = makeHandler(testDeps(await sampleConfig(emulator.url)));
    const result = await handler({}, lambdaContext());
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  });

  it('refuses an event with unknown fields, naming them', async () => {
    const handler = makeHandler(testDeps(await sampleConfig(emulator.url)));
    await expect(handler({ pool: SAMPLE_POOL } as PlanEvent, lambdaContext())).rejects.toThrow(
      /invalid event: .*Unrecognized key: "pool"/,
    );
    expect(emulator.requests).toEqual([]);
  });
});

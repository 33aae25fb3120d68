import { describe, expect, it } from 'vitest';
import { makeHandler, type PlanEvent } from '../../functions/plan';
import {
  AWS_BACKLOG_READS,
  awsBacklogReads,
  awsBacklogSources,
  signedConnections,
  TEST_AK,
} from './aws-fakes';
import { setUpFunctionTests } from './function-tests';
import { lambdaContext, MULTI_POOL, readEvent, SAMPLE_FLAVOR, SAMPLE_POOL, sampleConfig } from './harness';
import { describeRolePermissions } from './role-permissions';

const tests = setUpFunctionTests('plan');

describe('plan', () => {
  it('returns the dry-run plan of every pool for events/plan.json, sending no PATCH and saving no state', async () => {
    const deps = await tests.deps(await sampleConfig(tests.emulator.url, { dryRun: false }));
    const result = await makeHandler(deps)(await readEvent<PlanEvent>('plan'), lambdaContext());

    expect(result).toMatchObject({ dryRun: true, pools: 2, counts: { 'dry-run': 1, unchanged: 1 } });
    const flavor = result.plan.pools.find((pool) => pool.pool === SAMPLE_POOL)?.flavors[0];
    expect(flavor).toMatchObject({ flavor: SAMPLE_FLAVOR, current: 3, target: 6, action: 'scale-up' });
    expect(result.plan.pools.find((pool) => pool.pool === SAMPLE_POOL)?.patch).toBeDefined();
    // The pool that would change is read again, as apply would under its lease.
    // A growing pool: the flavor stock is read fresh (issue #15), and not shared (a dry run writes nothing).
    expect(tests.emulator.requests.map((request) => `${request.method} ${request.route}`)).toEqual([
      'GET listPools',
      'GET listFlavors',
      'GET getPool',
    ]);
    // Read back as plan reads (its role has no GetItem): through loadMany.
    const key = `emulator-project/${SAMPLE_POOL}`;
    expect((await deps.cycle.store.loadMany([key])).get(key)).toEqual({
      history: { flavors: {} },
      revision: 0,
    });
  });

  it('plans only the pools named, with one GET each', async () => {
    const handler = makeHandler(await tests.deps(await sampleConfig(tests.emulator.url)));
    const result = await handler({ pools: [MULTI_POOL] }, lambdaContext());

    expect(result.outcomes).toEqual([expect.objectContaining({ pool: MULTI_POOL, status: 'unchanged' })]);
    expect(tests.emulator.requests.map((request) => request.route)).toEqual(['getPool']);
  });

  it('is JSON all the way (the manual invocation prints it)', async () => {
    const handler = makeHandler(await tests.deps(await sampleConfig(tests.emulator.url)));
    const result = await handler({}, lambdaContext());
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  });

  it('refuses an event with unknown fields, naming them', async () => {
    const handler = makeHandler(await tests.deps(await sampleConfig(tests.emulator.url)));
    await expect(handler({ pool: SAMPLE_POOL } as PlanEvent, lambdaContext())).rejects.toThrow(
      /invalid event: .*Unrecognized key: "pool"/,
    );
    expect(tests.emulator.requests).toEqual([]);
  });

  it('signs its ModelArts requests with the AK/SK of its credentials parameter', async () => {
    const emulator = await tests.verifySignatures();
    const handler = makeHandler(await tests.deps(await sampleConfig(emulator.url, signedConnections)));
    const result = await handler({}, lambdaContext());

    expect(result).toMatchObject({ pools: 2, counts: { 'dry-run': 1, unchanged: 1 } });
    // Every request, whatever the number the cycle makes, is signed with the parameter's AK/SK.
    const authorizations = emulator.requests.map((request) => request.headers.authorization);
    expect(authorizations.length).toBeGreaterThan(0);
    for (const authorization of authorizations) expect(authorization).toContain(`Access=${TEST_AK}`);
  });

  it('plans on backlogs read from SQS and CloudWatch', async () => {
    const handler = makeHandler(await tests.deps(await sampleConfig(tests.emulator.url, awsBacklogSources)));
    await handler({ pools: [MULTI_POOL] }, lambdaContext());

    expect(awsBacklogReads(tests.aws, tests.output.lines())).toEqual(AWS_BACKLOG_READS);
  });
});

describeRolePermissions(tests);

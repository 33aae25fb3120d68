import { describe, expect, it } from 'vitest';
import {
  type Answer,
  CPU,
  counts,
  emulatorFor,
  getPool,
  multiGpuResources,
  patchPool,
  resize,
  seedPool,
  statusOf,
  T4,
  TNT,
} from './harness';

const multi = () => seedPool('multi-gpu-pool');
const single = () => seedPool('single-flavor-pool');
const multiResources = multiGpuResources;

describe('a valid update', () => {
  it('answers 200 with the pool: spec holds the new counts at once, status shows the nodes in flight', async () => {
    const emulator = await emulatorFor();
    const { status, body } = await patchPool(emulator, single(), resize({ flavor: CPU, count: 5 }));
    expect(status).toBe(200);
    expect(body.spec.resources).toEqual([{ flavor: CPU, count: 5 }]);
    expect(counts(body, 'creating')).toEqual({ [CPU]: 2 });
    expect(counts(body, 'available')).toEqual({ [CPU]: 3 });
    expect((await getPool(emulator, single())).body).toEqual(body);
  });

  it('accepts application/json as the SDKs send it', async () => {
    const emulator = await emulatorFor();
    expect(
      await statusOf(
        patchPool(emulator, single(), resize({ flavor: CPU, count: 4 }), 'application/json;charset=UTF-8'),
      ),
    ).toBe(200);
  });

  it('is harmless when sent twice', async () => {
    const emulator = await emulatorFor();
    const first = await patchPool(emulator, multi(), {
      spec: { resources: multiResources([3, 2, 1], [1, 2]) },
    });
    const second = await patchPool(emulator, multi(), {
      spec: { resources: multiResources([3, 2, 1], [1, 2]) },
    });
    expect(second.body).toEqual(first.body);
    expect(counts(second.body, 'creating')).toEqual({ [T4]: 1 });
  });
});

describe('merge-patch semantics', () => {
  it('replaces spec.resources whole and leaves every other field alone', async () => {
    const emulator = await emulatorFor();
    const before = (await getPool(emulator, multi())).body;
    const { body } = await patchPool(emulator, multi(), {
      spec: { resources: [{ flavor: T4, count: 5, azs: before.spec.resources[0].azs }] },
    });
    // Dropping a flavor from the list removes it: arrays are replaced, not merged.
    expect(body.spec.resources.map((resource: { flavor: string }) => resource.flavor)).toEqual([T4]);
    expect(counts(body, 'deleting')).toEqual({ [TNT]: 3 });
    expect(body.spec.network).toEqual(before.spec.network);
    expect(body.spec.scope).toEqual(before.spec.scope);
    // Every field but the label of the order the resize started (issue #15).
    const { 'os.modelarts/order.name': order, ...labels } = body.metadata.labels;
    expect(order).toMatch(/^CS\d{10}[0-9A-Z]{5}$/);
    expect({ ...body.metadata, labels }).toEqual(before.metadata);
  });

  it('merges objects key by key and deletes a key sent as null', async () => {
    const emulator = await emulatorFor();
    const name = seedPool('prepaid-pool');
    const { status, body } = await patchPool(emulator, name, {
      metadata: {
        annotations: { 'os.modelarts/description': 'for the vision team', 'os.modelarts/order.id': null },
      },
      spec: { driver: { gpuVersion: '470.57.02' }, jobFlavors: ['a'] },
    });
    expect(status).toBe(200);
    expect(body.metadata.annotations['os.modelarts/description']).toBe('for the vision team');
    expect(body.metadata.annotations).not.toHaveProperty('os.modelarts/order.id');
    expect(body.metadata.annotations['os.modelarts/billing.mode']).toBe('1');
    expect(body.spec.driver).toEqual({ gpuVersion: '470.57.02' });

    const cleared = await patchPool(emulator, name, {
      spec: { jobFlavors: null, driver: { gpuVersion: null, npuVersion: 'C78' } },
    });
    expect(cleared.body.spec).not.toHaveProperty('jobFlavors');
    expect(cleared.body.spec.driver).toEqual({ npuVersion: 'C78' });
  });

  it('changes nothing for an empty patch', async () => {
    const emulator = await emulatorFor();
    const before = (await getPool(emulator, multi())).body;
    expect((await patchPool(emulator, multi(), {})).body).toEqual(before);
  });

  it('lets a patch add a new flavor', async () => {
    const emulator = await emulatorFor();
    const { status, body } = await patchPool(
      emulator,
      single(),
      resize({ flavor: CPU, count: 3 }, { flavor: T4, count: 1 }),
    );
    expect(status).toBe(200);
    expect(counts(body, 'creating')).toEqual({ [T4]: 1 });
  });
});

describe('refusals', () => {
  const refusedWith = async (
    status: number,
    code: string,
    message: string | RegExp,
    answer: Promise<Answer>,
  ) => {
    const { status: got, body } = await answer;
    expect({ status: got, code: body.error_code }).toEqual({ status, code });
    expect(body.error_msg).toMatch(message);
  };

  it.each([
    [2, 'modifying specifications is restricted'],
    [4, 'the service is restricted'],
    [8, 'the pool is frozen'],
    [16, 'the pool is frozen by the public security department'],
    [9, 'the pool is frozen (controlMode 9)'],
  ])('refuses a resize when controlMode is %i', async (mode, reason) => {
    const emulator = await emulatorFor();
    emulator.setControlMode(single(), mode);
    await refusedWith(
      400,
      'ModelArts.50004000',
      reason,
      patchPool(emulator, single(), resize({ flavor: CPU, count: 4 })),
    );
    expect(emulator.pool(single())?.spec.resources).toEqual([{ flavor: CPU, count: 3 }]);
  });

  it('lets controlMode 1 (billing change restricted) resize', async () => {
    const emulator = await emulatorFor();
    const name = seedPool('billing-restricted-pool');
    expect(
      await statusOf(
        patchPool(emulator, name, resize({ flavor: T4, count: 3, azs: [{ az: 'cn-north-7b', count: 3 }] })),
      ),
    ).toBe(200);
  });

  it('lets controlMode 2 change metadata but not spec', async () => {
    const emulator = await emulatorFor();
    const name = seedPool('spec-restricted-pool');
    expect(
      (await patchPool(emulator, name, { metadata: { annotations: { 'os.modelarts/description': 'x' } } }))
        .status,
    ).toBe(200);
    await refusedWith(
      400,
      'ModelArts.50004000',
      'restricted',
      patchPool(emulator, name, { spec: { jobFlavors: [] } }),
    );
    await refusedWith(
      400,
      'ModelArts.50004000',
      'frozen',
      patchPool(emulator, seedPool('frozen-pool'), {
        metadata: { annotations: { 'os.modelarts/description': 'x' } },
      }),
    );
  });

  it.each(['creating-pool', 'abnormal-pool'])(
    'refuses %s with ModelArts.2887 (not Running)',
    async (display) => {
      const emulator = await emulatorFor();
      await refusedWith(
        400,
        'ModelArts.2887',
        /is not running \(phase (Creating|Abnormal)\)/,
        patchPool(emulator, seedPool(display), resize({ flavor: CPU, count: 3 })),
      );
    },
  );

  it('refuses a flavor count below 1', async () => {
    const emulator = await emulatorFor();
    await refusedWith(
      400,
      'ModelArts.50004000',
      'spec.resources[0].count: must be at least 1',
      patchPool(emulator, single(), resize({ flavor: CPU, count: 0 })),
    );
  });

  it('refuses AZ counts that do not add up to count', async () => {
    const emulator = await emulatorFor();
    const resources = multiResources([2, 2, 1], [1, 2]);
    resources[0] = { ...(resources[0] as (typeof resources)[number]), count: 6 };
    await refusedWith(
      400,
      'ModelArts.50004000',
      'spec.resources[0].azs: AZ counts add up to 5, but count is 6',
      patchPool(emulator, multi(), { spec: { resources } }),
    );
  });

  it('refuses a patch that drops every flavor', async () => {
    const emulator = await emulatorFor();
    await refusedWith(
      400,
      'ModelArts.50004000',
      'spec.resources: must list at least one flavor',
      patchPool(emulator, multi(), { spec: { resources: [] } }),
    );
    await refusedWith(
      400,
      'ModelArts.50004000',
      'spec.resources: expected array, received null',
      patchPool(emulator, multi(), { spec: { resources: null } }),
    );
  });

  it('refuses growing one flavor while shrinking another', async () => {
    const emulator = await emulatorFor();
    await refusedWith(
      400,
      'ModelArts.50004000',
      `one update cannot grow one flavor and shrink another: grows ${T4} 5->6, shrinks ${TNT} 3->2`,
      patchPool(emulator, multi(), { spec: { resources: multiResources([3, 2, 1], [1, 1]) } }),
    );
  });

  it('refuses swapping one flavor for another (a removal is a shrink)', async () => {
    const emulator = await emulatorFor();
    await refusedWith(
      400,
      'ModelArts.50004000',
      'one update cannot grow one flavor and shrink another',
      patchPool(emulator, single(), resize({ flavor: T4, count: 1 })),
    );
  });

  it('allows moving nodes between AZs of one flavor', async () => {
    const emulator = await emulatorFor();
    expect(
      await statusOf(
        patchPool(emulator, multi(), { spec: { resources: multiResources([1, 2, 2], [1, 2]) } }),
      ),
    ).toBe(200);
  });

  it('refuses scaling a yearly/monthly pool in, but lets it grow', async () => {
    const emulator = await emulatorFor();
    const name = seedPool('prepaid-pool');
    await refusedWith(
      400,
      'ModelArts.50004000',
      /is yearly\/monthly: scale it in by unsubscribing nodes/,
      patchPool(emulator, name, resize({ flavor: TNT, count: 1, azs: [{ az: 'cn-north-7a', count: 1 }] })),
    );
    expect(
      await statusOf(
        patchPool(emulator, name, resize({ flavor: TNT, count: 3, azs: [{ az: 'cn-north-7a', count: 3 }] })),
      ),
    ).toBe(200);
  });

  it('refuses fields the update API does not take, by name', async () => {
    const emulator = await emulatorFor();
    await refusedWith(
      400,
      'ModelArts.50004000',
      'spec: Unrecognized key: "controlMode"',
      patchPool(emulator, single(), { spec: { controlMode: 0 } }),
    );
    await refusedWith(
      400,
      'ModelArts.50004000',
      'Unrecognized key: "status"',
      patchPool(emulator, single(), { status: { phase: 'Running' } }),
    );
  });

  it('refuses a content type other than merge-patch or JSON', async () => {
    const emulator = await emulatorFor();
    await refusedWith(
      400,
      'ModelArts.50004000',
      'Content-Type must be application/merge-patch+json, got "text/plain"',
      patchPool(emulator, single(), resize({ flavor: CPU, count: 4 }), 'text/plain'),
    );
  });

  it('refuses a body that is not JSON', async () => {
    const emulator = await emulatorFor();
    await refusedWith(
      400,
      'ModelArts.50004000',
      /^request body is not valid JSON/,
      patchPool(emulator, single(), '{"spec":'),
    );
  });

  it('answers 404 ModelArts.50015001 for a missing pool', async () => {
    const emulator = await emulatorFor();
    await refusedWith(
      404,
      'ModelArts.50015001',
      'not found',
      patchPool(emulator, 'missing-pool', resize({ flavor: CPU, count: 1 })),
    );
  });
});

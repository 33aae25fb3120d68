import { describe, expect, it } from 'vitest';
import { matchesLabels, parseLabelSelector } from '../../emulator/label-selector';
import { emulatorFor, listPools, seedPool } from './harness';

const displayNames = (body: { items: { metadata: { labels?: Record<string, string> } }[] }) =>
  body.items.map((pool) => pool.metadata.labels?.['os.modelarts/name']).sort();

const AUTOSCALED = [
  'abnormal-pool',
  'billing-restricted-pool',
  'creating-pool',
  'frozen-pool',
  'multi-gpu-pool',
  'prepaid-pool',
  'single-flavor-pool',
  'spec-restricted-pool',
];

describe('labelSelector', () => {
  it.each([
    ['autoscaler=enabled', AUTOSCALED],
    ['autoscaler==enabled', AUTOSCALED],
    ['autoscaler=enabled,team=vision', ['multi-gpu-pool']],
    ['autoscaler=enabled, team!=vision', AUTOSCALED.filter((name) => name !== 'multi-gpu-pool')],
    ['autoscaler!=enabled', ['auto-pool-os']],
    ['team', ['multi-gpu-pool', 'single-flavor-pool']],
    ['!autoscaler', ['auto-pool-os']],
    ['os.modelarts/name=prepaid-pool', ['prepaid-pool']],
    ['team=nobody', []],
  ])('%s', async (selector, expected) => {
    const emulator = await emulatorFor();
    const { status, body } = await listPools(emulator, `labelSelector=${encodeURIComponent(selector)}`);
    expect(status).toBe(200);
    expect(displayNames(body)).toEqual([...expected].sort());
  });

  it('refuses a selector without a valid key', async () => {
    const emulator = await emulatorFor();
    const { status, body } = await listPools(emulator, `labelSelector=${encodeURIComponent('=x')}`);
    expect(status).toBe(400);
    expect(body).toEqual({
      error_code: 'ModelArts.50004000',
      error_msg: 'labelSelector term "=x" has no valid label key',
    });
  });

  it('parses and matches without a server', () => {
    const requirements = parseLabelSelector('a=1,b!=2,c,!d');
    expect(requirements).toEqual([
      { key: 'a', op: 'equals', value: '1' },
      { key: 'b', op: 'notEquals', value: '2' },
      { key: 'c', op: 'exists' },
      { key: 'd', op: 'notExists' },
    ]);
    expect(matchesLabels(requirements, { a: '1', c: '' })).toBe(true);
    expect(matchesLabels(requirements, { a: '1', b: '2', c: '' })).toBe(false);
    expect(matchesLabels(requirements, { a: '1', c: '', d: 'x' })).toBe(false);
  });
});

describe('other filters', () => {
  it('workspaceId defaults to 0 and selects by the workspace label', async () => {
    const emulator = await emulatorFor({
      pools: [
        pool('in-default-workspace-0000000000000000000000', {}),
        pool('in-workspace-zero-00000000000000000000000000', { 'os.modelarts/workspace.id': '0' }),
        pool('in-workspace-abc-000000000000000000000000000', { 'os.modelarts/workspace.id': 'abc' }),
      ],
    });
    const names = async (query: string) =>
      (await listPools(emulator, query)).body.items.map(
        (p: { metadata: { name: string } }) => p.metadata.name,
      );
    expect(await names('')).toEqual([
      'in-default-workspace-0000000000000000000000',
      'in-workspace-zero-00000000000000000000000000',
    ]);
    expect(await names('workspaceId=abc')).toEqual(['in-workspace-abc-000000000000000000000000000']);
  });

  it.each([
    ['creating', ['creating-pool']],
    ['failed', []],
    [
      'created',
      [
        'abnormal-pool',
        'auto-pool-os',
        ...AUTOSCALED.filter((name) => !['abnormal-pool', 'creating-pool'].includes(name)),
      ],
    ],
  ])('status=%s', async (status, expected) => {
    const emulator = await emulatorFor();
    expect(displayNames((await listPools(emulator, `status=${status}`)).body)).toEqual([...expected].sort());
  });

  it('status=failed finds pools whose creation failed', async () => {
    const emulator = await emulatorFor();
    emulator.setPhase(seedPool('frozen-pool'), 'CreationFailed');
    expect(displayNames((await listPools(emulator, 'status=failed')).body)).toEqual(['frozen-pool']);
  });

  it('refuses an unknown status', async () => {
    const emulator = await emulatorFor();
    const { status, body } = await listPools(emulator, 'status=Running');
    expect(status).toBe(400);
    expect(body.error_msg).toBe('status must be one of created, failed, creating; got "Running"');
  });

  it('parent selects the sub-pools of a pool', async () => {
    const physical = pool('physical-pool-0000000000000000000000000000', {});
    const logical = {
      ...pool('logical-pool-00000000000000000000000000000', {}),
      status: { phase: 'Running', parent: physical.metadata.name },
    };
    const emulator = await emulatorFor({ pools: [physical, logical] });
    const { body } = await listPools(emulator, `parent=${physical.metadata.name}`);
    expect(body.items.map((p: { metadata: { name: string } }) => p.metadata.name)).toEqual([
      logical.metadata.name,
    ]);
  });
});

function pool(name: string, labels: Record<string, string>) {
  return {
    metadata: { name, labels },
    spec: { resources: [{ flavor: 'modelarts.vm.cpu.4ud', count: 1 }] },
    status: { phase: 'Running' },
  };
}

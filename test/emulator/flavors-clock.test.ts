import { describe, expect, it } from 'vitest';
import { signRequest } from '../../lib/modelarts/signer';
import { call, emulatorFor, listPools, seedPool, testClock } from './harness';

// The flavor stock route with its per-AZ stock, and the gateway clock behind the Date header.

const MULTI = seedPool('multi-gpu-pool');
const T4 = 'modelarts.vm.gpu.t4u8';
const MINUTE = 60_000;

const flavorsPath = (projectId: string) => `/v1/${projectId}/resourceflavors`;

describe('emulator flavor stock', () => {
  it('lists every flavor the pools use, normal in each AZ its nodes sit in', async () => {
    const emulator = await emulatorFor();
    const { status, body } = await call(emulator, 'GET', flavorsPath(emulator.projectId));
    expect(status).toBe(200);
    const t4 = body.items.find((item: { metadata: { name: string } }) => item.metadata.name === T4);
    const azs = [
      ...new Set(
        emulator
          .nodes(MULTI)
          .nodes.filter((n) => n.flavor === T4)
          .map((n) => n.az),
      ),
    ].sort();
    expect(Object.keys(t4.status.phase)).toEqual(azs);
    expect(Object.values(t4.status.phase)).toEqual(azs.map(() => 'normal'));
  });

  it('shows stock set at start, by a test and over the admin route, and reset restores the starting stock', async () => {
    const emulator = await emulatorFor({ flavorStock: { [T4]: { 'cn-north-7a': 'soldout' } } });
    const stock = async () =>
      (await call(emulator, 'GET', flavorsPath(emulator.projectId))).body.items.find(
        (item: { metadata: { name: string } }) => item.metadata.name === T4,
      ).status.phase;
    expect((await stock())['cn-north-7a']).toBe('soldout');
    emulator.setFlavorStock({ [T4]: { 'cn-north-7b': 'soldout' } });
    await call(emulator, 'POST', '/__admin/flavor-stock', {
      body: { 'made.up.flavor': { 'cn-north-9z': 'soldout' } },
    });
    expect(await stock()).toMatchObject({
      'cn-north-7a': 'soldout',
      'cn-north-7b': 'soldout',
      'cn-north-7c': 'normal',
    });
    const listed = (await call(emulator, 'GET', '/__admin/flavor-stock')).body;
    expect(listed['made.up.flavor']).toEqual({ 'cn-north-9z': 'soldout' });
    await call(emulator, 'POST', '/__admin/reset');
    expect(await stock()).toMatchObject({ 'cn-north-7a': 'soldout', 'cn-north-7b': 'normal' });
  });

  it('refuses a stock that is neither normal nor soldout, naming the field', async () => {
    const emulator = await emulatorFor();
    const { status, body } = await call(emulator, 'POST', '/__admin/flavor-stock', {
      body: { [T4]: { 'cn-north-7a': 'plenty' } },
    });
    expect(status).toBe(400);
    expect(body.error_msg).toContain(`["${T4}"]["cn-north-7a"]`);
  });
});

describe('emulator gateway clock', () => {
  it('dates each answer by its clock plus the offset, set at start, by a test or over the admin route', async () => {
    const clock = testClock();
    const emulator = await emulatorFor({ now: clock.now, dateOffsetMs: 2 * MINUTE });
    const date = async () => Date.parse((await listPools(emulator)).headers.get('date') ?? '');
    expect(await date()).toBe(clock.now() + 2 * MINUTE);
    emulator.setDateOffset(-MINUTE);
    expect(await date()).toBe(clock.now() - MINUTE);
    await call(emulator, 'POST', '/__admin/clock', { body: { dateOffsetMs: 30_000 } });
    expect(await date()).toBe(clock.now() + 30_000);
    await call(emulator, 'POST', '/__admin/reset');
    expect(await date()).toBe(clock.now() + 2 * MINUTE);
  });

  it('checks signature expiry against the offset clock: a request signed at the right time is refused', async () => {
    const AK = 'EMULATORACCESSKEY001';
    const SK = 'emulator-secret-key-0123456789abcdef';
    const clock = testClock();
    const emulator = await emulatorFor({
      now: clock.now,
      auth: { mode: 'verify', credentials: { [AK]: SK } },
      dateOffsetMs: 16 * MINUTE,
    });
    const url = `${emulator.url}/v2/${emulator.projectId}/pools`;
    const headers = signRequest(
      { method: 'GET', url, headers: {} },
      { ak: AK, sk: SK },
      new Date(clock.now()),
    );
    const response = await fetch(url, { headers });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error_code: string }).error_code).toBe('APIGW.0303');
  });
});

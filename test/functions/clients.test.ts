import { afterEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../emulator/server';
import { functionConfig } from '../../lib/aws/bundled-config';
import { onFirstInvocation } from '../../lib/aws/cold-start';
import { parseConnectionSecrets } from '../../lib/aws/secrets';
import { ConnectionSetupError, modelArtsClients } from '../../lib/modelarts/clients';
import { NOW, sampleConfig } from './harness';

const AK = 'AKEXAMPLE0000001';
const SK = 'sk-for-the-emulator-only';
const USER = { name: 'scaler', password: 'pw-for-the-emulator-only', domain: 'acme' };

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

const withAuth = async (auth: Record<string, unknown>) => {
  emulator = await startEmulator({
    now: () => NOW,
    auth: { mode: 'verify', credentials: { [AK]: SK }, users: [USER] },
  });
  const config = await sampleConfig(emulator.url, (document) => ({
    ...document,
    connections: [{ name: 'emulator', region: 'cn-north-7', projectId: 'emulator-project', auth }],
  }));
  return { emulator, config };
};

describe('ModelArts clients from the config and the credentials parameter', () => {
  it('sign requests with the AK/SK of the parameter', async () => {
    const { config } = await withAuth({ type: 'aksk' });
    const secrets = parseConnectionSecrets('/p', JSON.stringify({ ak: AK, sk: SK }));
    const { pools } = await modelArtsClients(config, { secrets, now: () => NOW })('emulator').listPools();

    expect(pools.length).toBeGreaterThan(0);
    expect(emulator?.requests[0]?.headers.authorization).toContain(`Access=${AK}`);
  });

  it('get an IAM token with the password of the parameter for token connections', async () => {
    const { config } = await withAuth({ type: 'token', user: { name: USER.name, domain: USER.domain } });
    const secrets = parseConnectionSecrets('/p', JSON.stringify({ emulator: { password: USER.password } }));
    const { pools } = await modelArtsClients(config, { secrets, now: () => NOW })('emulator').listPools();

    expect(pools.length).toBeGreaterThan(0);
    expect(emulator?.requests.map((request) => request.route)).toEqual(['iamToken', 'listPools']);
  });

  it('are refused by ModelArts with the wrong keys', async () => {
    const { config } = await withAuth({ type: 'aksk' });
    const secrets = parseConnectionSecrets('/p', JSON.stringify({ ak: AK, sk: 'wrong' }));
    await expect(
      modelArtsClients(config, { secrets, now: () => NOW })('emulator').listPools(),
    ).rejects.toThrow(/401/);
  });

  it('name the connection and what is missing when a secret is absent or of the wrong kind', async () => {
    const { config } = await withAuth({ type: 'aksk' });
    expect(() => modelArtsClients(config)('emulator')).toThrow(ConnectionSetupError);
    expect(() => modelArtsClients(config)('emulator')).toThrow(
      /connection "emulator": aksk auth needs AUTOSCALER_CREDENTIALS_PARAMETER/,
    );
    const passwordOnly = parseConnectionSecrets('/p', JSON.stringify({ emulator: { password: 'x' } }));
    expect(() => modelArtsClients(config, { secrets: passwordOnly })('emulator')).toThrow(
      /needs an ak\/sk entry/,
    );
    expect(() => modelArtsClients(config)('nowhere')).toThrow(/connection "nowhere": is not in the config/);
  });

  it('are built once per connection', async () => {
    const { config } = await withAuth({ type: 'none' });
    const clients = modelArtsClients(config);
    expect(clients('emulator')).toBe(clients('emulator'));
  });
});

describe('cold start', () => {
  it('builds the handler once, and again after a failed build', async () => {
    let builds = 0;
    const handler = onFirstInvocation(async () => {
      builds++;
      if (builds === 1) throw new Error('SSM unavailable');
      return async (event: number) => event * 2;
    });
    await expect(handler(1, {})).rejects.toThrow('SSM unavailable');
    expect(await handler(2, {})).toBe(4);
    expect(await handler(3, {})).toBe(6);
    expect(builds).toBe(2);
  });

  it('refuses to start without a bundled config, saying how to build one', () => {
    expect(() => functionConfig({})).toThrow(
      /no config bundled: build the functions with serverless-esbuild/,
    );
  });
});

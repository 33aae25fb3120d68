// Rotated secrets take effect within SECRET_MAX_AGE_SECONDS in a running execution environment: the
// dependencies are built the way a cold start builds them (buildFunctionDeps, the bundled config stubbed),
// SSM is mocked, the emulator checks the keys, and the clock moves under a fake Date.

import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Emulator, startEmulator } from '../../emulator/server';
import { ParameterReadError, type ParameterStore } from '../../lib/aws/parameters';
import { buildFunctionDeps, buildWebhookDeps } from '../../lib/aws/runtime';
import {
  connectionSecretsSource,
  SECRET_MAX_AGE_SECONDS,
  SECRET_RETRY_AFTER_MS,
  SecretFormatError,
} from '../../lib/aws/secrets';
import { NOW, sampleConfig } from './harness';

const CREDENTIALS = '/modelarts-autoscaler/test/credentials';
const WEBHOOK_SECRET = '/modelarts-autoscaler/test/webhook-secret';
const OLD = { ak: 'AKOLD000000000000001', sk: 'sk-old-for-the-emulator-only' };
const NEW = { ak: 'AKNEW000000000000002', sk: 'sk-new-for-the-emulator-only' };
const USER = { name: 'scaler', domain: 'acme' };
const PASSWORDS = { old: 'old-password-emulator-only', new: 'new-password-emulator-only' };

const ssm = mockClient(SSMClient);
let emulator: Emulator;
/** The IAM users the emulator knows, read on each token request: a test rotates a password in it. */
let users: { name: string; domain: string; password: string }[];

const parameterHolds = (name: string, value: string) =>
  ssm.on(GetParameterCommand, { Name: name }).resolves({ Parameter: { Name: name, Value: value } });

beforeEach(async () => {
  ssm.reset();
  vi.useFakeTimers({ toFake: ['Date'], now: NOW });
  vi.stubEnv('AWS_REGION', 'eu-west-1');
  users = [{ ...USER, password: PASSWORDS.old }];
  emulator = await startEmulator({
    now: () => Date.now(),
    auth: {
      mode: 'verify',
      credentials: { [OLD.ak]: OLD.sk, [NEW.ak]: NEW.sk },
      users,
    },
  });
});
afterEach(async () => {
  vi.useRealTimers();
  vi.unstubAllEnvs();
  vi.unstubAllGlobals();
  await emulator.close();
});
afterAll(() => ssm.restore());

/** The bundled config a cold start would find: the sample, its one connection with this auth. */
async function bundle(auth: Record<string, unknown>) {
  const config = await sampleConfig(emulator.url, (document) => ({
    ...document,
    connections: [{ name: 'emulator', region: 'cn-north-7', projectId: 'emulator-project', auth }],
  }));
  vi.stubGlobal('__AUTOSCALER_CONFIG__', config);
}

const env = {
  AUTOSCALER_CREDENTIALS_PARAMETER: CREDENTIALS,
  AUTOSCALER_WEBHOOK_SECRET_PARAMETER: WEBHOOK_SECRET,
};

/** The access key each listPools request was signed with, in order. */
const accessKeys = () =>
  emulator.requests
    .filter((request) => request.route === 'listPools')
    .map((request) => /Access=(\w+)/.exec(request.headers.authorization ?? '')?.[1]);

describe('a rotated secret, without a cold start', () => {
  it('signs with the new AK/SK once the cache age has passed, and with the old one until then', async () => {
    await bundle({ type: 'aksk' });
    parameterHolds(CREDENTIALS, JSON.stringify(OLD));
    const { cycle } = await buildFunctionDeps(env);
    const list = () => cycle.clients('emulator').listPools();

    await list();
    parameterHolds(CREDENTIALS, JSON.stringify(NEW));
    vi.advanceTimersByTime((SECRET_MAX_AGE_SECONDS - 10) * 1000);
    await list();
    vi.advanceTimersByTime(11_000);
    await list();
    await list();

    expect(accessKeys()).toEqual([OLD.ak, OLD.ak, NEW.ak, NEW.ak]);
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(2);
  });

  it('gets an IAM token with the new password once the cache age has passed', async () => {
    await bundle({ type: 'token', user: USER });
    parameterHolds(CREDENTIALS, JSON.stringify({ emulator: { password: PASSWORDS.old } }));
    const { cycle } = await buildFunctionDeps(env);
    const list = () => cycle.clients('emulator').listPools();

    await list();
    // The password changes in IAM and in the parameter; the token already issued stays valid.
    users.splice(0, users.length, { ...USER, password: PASSWORDS.new });
    parameterHolds(CREDENTIALS, JSON.stringify({ emulator: { password: PASSWORDS.new } }));
    await list();
    vi.advanceTimersByTime((SECRET_MAX_AGE_SECONDS + 1) * 1000);
    await list();
    await list();

    // Only the new password gets the second token, so IAM answering 201 proves it was the one sent.
    const answered = (route: string) =>
      emulator.requests.filter((request) => request.route === route).map((request) => request.status);
    expect(answered('iamToken')).toEqual([201, 201]);
    expect(answered('listPools')).toEqual([200, 200, 200, 200]);
  });

  it('accepts a rotated webhook secret once the cache age has passed', async () => {
    await bundle({ type: 'none' });
    parameterHolds(WEBHOOK_SECRET, 'old-webhook-secret');
    const deps = await buildWebhookDeps(env);

    expect(await deps.webhookSecrets()).toEqual(['old-webhook-secret']);
    parameterHolds(WEBHOOK_SECRET, 'new-webhook-secret');
    expect(await deps.webhookSecrets()).toEqual(['old-webhook-secret']);
    vi.advanceTimersByTime((SECRET_MAX_AGE_SECONDS + 1) * 1000);
    expect(await deps.webhookSecrets()).toEqual(['new-webhook-secret']);
  });

  it('still fails the cold start when the credentials parameter is malformed', async () => {
    await bundle({ type: 'aksk' });
    parameterHolds(CREDENTIALS, '{"ak": "AK"');
    await expect(buildFunctionDeps(env)).rejects.toThrow(SecretFormatError);
  });
});

describe('the credentials source', () => {
  /** A store answering from `values` (an Error: that read fails), counting reads. */
  function scriptedStore(values: (string | Error)[]): ParameterStore & { reads: number } {
    const store = {
      reads: 0,
      async get() {
        const value = values[Math.min(store.reads++, values.length - 1)] as string | Error;
        if (value instanceof Error) throw value;
        return value;
      },
    };
    return store;
  }
  const unreadable = new ParameterReadError(CREDENTIALS, 'ThrottlingException');

  it('keeps the last value read while SSM cannot be read, and asks again only after a pause', async () => {
    let now = NOW;
    const store = scriptedStore([JSON.stringify(OLD), unreadable, JSON.stringify(NEW)]);
    const source = connectionSecretsSource(store, CREDENTIALS, { now: () => now });

    const first = await source();
    expect(await source()).toBe(first);
    now += SECRET_RETRY_AFTER_MS - 1;
    expect(await source()).toBe(first);
    expect(store.reads).toBe(2);
    now += 1;
    expect((await source()).forConnection('any')).toEqual({ type: 'aksk', credentials: NEW });
  });

  it('fails without a value to fall back on, and on a malformed new value', async () => {
    await expect(connectionSecretsSource(scriptedStore([unreadable]), CREDENTIALS)()).rejects.toBe(
      unreadable,
    );
    const source = connectionSecretsSource(scriptedStore([JSON.stringify(OLD), '{"ak"']), CREDENTIALS);
    await source();
    await expect(source()).rejects.toThrow(SecretFormatError);
  });

  it('shares one read between concurrent callers, and one object while the value is unchanged', async () => {
    const store = scriptedStore([JSON.stringify(OLD)]);
    const source = connectionSecretsSource(store, CREDENTIALS);
    const [a, b, c] = await Promise.all([source(), source(), source()]);
    expect(store.reads).toBe(1);
    expect(b).toBe(a);
    expect(c).toBe(a);
    expect(await source()).toBe(a);
  });
});

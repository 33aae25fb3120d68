import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { interpretKillSwitch, ssmKillSwitch } from '../../lib/aws/kill-switch';
import { ParameterReadError, ssmParameterStore } from '../../lib/aws/parameters';
import {
  parseConnectionSecrets,
  readConnectionSecrets,
  readWebhookSecrets,
  SecretFormatError,
} from '../../lib/aws/secrets';

const ssm = mockClient(SSMClient);
const SK = 'sk-that-must-never-leak';

const answer = (value: string) => ({ Parameter: { Name: 'n', Value: value, Type: 'SecureString' as const } });
const notFound = () => new ParameterNotFound({ message: 'not found', $metadata: {} });

beforeEach(() => {
  ssm.reset();
  vi.useFakeTimers({ toFake: ['Date'], now: Date.UTC(2025, 0, 15) });
});
afterEach(() => vi.useRealTimers());

describe('SSM parameters', () => {
  it('asks for the decrypted value and serves it from the cache until maxAge passes', async () => {
    ssm.on(GetParameterCommand, { Name: '/a/credentials' }).resolves(answer('v1'));
    const store = ssmParameterStore(new SSMClient({ region: 'eu-west-1' }));
    expect(await store.get('/a/credentials', { maxAgeSeconds: 300 })).toBe('v1');
    ssm.on(GetParameterCommand, { Name: '/a/credentials' }).resolves(answer('v2'));
    expect(await store.get('/a/credentials', { maxAgeSeconds: 300 })).toBe('v1');
    vi.advanceTimersByTime(301_000);
    expect(await store.get('/a/credentials', { maxAgeSeconds: 300 })).toBe('v2');
    const calls = ssm.commandCalls(GetParameterCommand);
    expect(calls).toHaveLength(2);
    expect(calls[0]?.args[0].input).toEqual({ Name: '/a/credentials', WithDecryption: true });
  });

  it('names the parameter and says whether it is missing', async () => {
    ssm.on(GetParameterCommand).rejects(notFound());
    const store = ssmParameterStore(new SSMClient({ region: 'eu-west-1' }));
    const error = await store.get('/a/missing', { maxAgeSeconds: 5 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ParameterReadError);
    expect(error).toMatchObject({ parameter: '/a/missing', notFound: true });
    expect((error as Error).message).toContain('/a/missing');
  });
});

describe('connection credentials', () => {
  it('applies a single AK/SK pair to every connection', () => {
    const secrets = parseConnectionSecrets('/p', JSON.stringify({ ak: 'AK1', sk: SK }));
    expect(secrets.forConnection('any')).toEqual({ type: 'aksk', credentials: { ak: 'AK1', sk: SK } });
  });

  it('picks the entry of the connection, AK/SK or IAM password', () => {
    const secrets = parseConnectionSecrets(
      '/p',
      JSON.stringify({ prod: { ak: 'AK1', sk: SK, securityToken: 'tok' }, lab: { password: 'pw' } }),
    );
    expect(secrets.forConnection('prod')).toEqual({
      type: 'aksk',
      credentials: { ak: 'AK1', sk: SK, securityToken: 'tok' },
    });
    expect(secrets.forConnection('lab')).toEqual({ type: 'password', password: 'pw' });
    expect(() => secrets.forConnection('other')).toThrow(/\/p: has no entry for connection "other"/);
  });

  it.each([
    ['not JSON', `{"ak": "AK1", "sk": "${SK}"`, /is not valid JSON/],
    ['a missing sk', JSON.stringify({ ak: 'AK1' }), /sk: /],
    ['an unknown field', JSON.stringify({ ak: 'AK1', sk: SK, region: 'x' }), /Unrecognized key/],
    ['a bad connection entry', JSON.stringify({ prod: { ak: 'AK1', secret: SK } }), /prod: must be/],
  ])('refuses %s without quoting the value', (_, value, problem) => {
    const error = (() => {
      try {
        parseConnectionSecrets('/p', value);
      } catch (caught) {
        return caught as Error;
      }
      throw new Error('expected a SecretFormatError');
    })();
    expect(error).toBeInstanceOf(SecretFormatError);
    expect(error.message).toMatch(problem);
    expect(error.message).not.toContain(SK);
    expect(JSON.stringify({ ...error, cause: error.cause })).not.toContain(SK);
    expect(error.cause).toBeUndefined();
  });

  it('are read through the store', async () => {
    ssm.on(GetParameterCommand, { Name: '/p' }).resolves(answer(JSON.stringify({ ak: 'AK1', sk: SK })));
    const secrets = await readConnectionSecrets(
      ssmParameterStore(new SSMClient({ region: 'eu-west-1' })),
      '/p',
    );
    expect(secrets.forConnection('x')).toMatchObject({ type: 'aksk' });
  });
});

describe('webhook secrets', () => {
  it('reads one per line and refuses an empty value', async () => {
    const store = ssmParameterStore(new SSMClient({ region: 'eu-west-1' }));
    ssm.on(GetParameterCommand, { Name: '/w' }).resolves(answer('old\nnew\n'));
    expect(await readWebhookSecrets(store, '/w')).toEqual(['old', 'new']);
    ssm.on(GetParameterCommand, { Name: '/empty' }).resolves(answer(' \n'));
    await expect(readWebhookSecrets(store, '/empty')).rejects.toThrow(/\/empty: is empty/);
  });
});

describe('kill switch', () => {
  it.each([
    ['off', false],
    ['OFF ', false],
    ['false', false],
    ['0', false],
    ['', false],
    ['on', true],
    ['true', true],
    ['1', true],
    ['paused', true],
    ['maybe', true],
  ])('reads %j as engaged=%s', (value, engaged) => {
    expect(interpretKillSwitch(value).engaged).toBe(engaged);
  });

  it('is re-read once its short cache expires', async () => {
    ssm.on(GetParameterCommand, { Name: '/k' }).resolves(answer('off'));
    const killSwitch = ssmKillSwitch(ssmParameterStore(new SSMClient({ region: 'eu-west-1' })), '/k');
    expect((await killSwitch.read()).engaged).toBe(false);
    ssm.on(GetParameterCommand, { Name: '/k' }).resolves(answer('on'));
    expect((await killSwitch.read()).engaged).toBe(false);
    vi.advanceTimersByTime(6_000);
    expect(await killSwitch.read()).toEqual({ engaged: true, reason: 'kill switch is "on"' });
  });

  it('counts as engaged when it cannot be read', async () => {
    ssm.on(GetParameterCommand).rejects(notFound());
    const killSwitch = ssmKillSwitch(ssmParameterStore(new SSMClient({ region: 'eu-west-1' })), '/k');
    expect(await killSwitch.read()).toEqual({
      engaged: true,
      reason: expect.stringMatching(/unreadable .*\/k.*treated as engaged/),
    });
  });
});

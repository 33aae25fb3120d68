// Where a secret is most likely to slip out: auth that fails (a refused signature, a wrong IAM password, a
// revoked token, an IAM server that quotes what it was sent), transport that fails with the signed request
// at hand, credentials printed or copied, a credentials parameter that is malformed around its secret, and
// the logs of a handler whose every call is refused. Every artifact is scanned for every sentinel, and for
// the tokens the IAM emulator issued during the run.

import { inspect } from 'node:util';
import fc from 'fast-check';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../emulator/server';
import { makeHandler as makeScheduled } from '../../functions/scheduled';
import { parseConnectionSecrets, SecretFormatError } from '../../lib/aws/secrets';
import { type DecisionRecord, runCycle } from '../../lib/cycle';
import {
  createIamTokenProvider,
  createModelArtsClient,
  type ModelArtsClient,
  type TokenProvider,
} from '../../lib/modelarts';
import { akSkCredentials } from '../../lib/modelarts/credentials';
import { createMemoryStateStore } from '../../lib/state/memory';
import { lambdaContext } from '../functions/harness';
import { startScriptedServer } from '../modelarts/client-scripted-server';
import { recordFigures } from './figures';
import { fleet, fleetConfig } from './fleet';
import { FUZZ_RUNS, hostileValue, secretValue } from './hostile';
import { invocationDeps, sampleEvents } from './invocations';
import { LONG_TEST_MS } from './ledger';
import { captureRawOutput } from './output';
import { SENTINEL, SecretScan, sentinelCredentials, sentinelEmulatorAuth } from './sentinels';

const T0 = Date.UTC(2026, 0, 12, 9, 0, 0);
const USER = { name: 'autoscaler', domain: 'reliability', password: SENTINEL.iamPassword };
const { pools, members } = fleet(6);
const secrets = new SecretScan();
const cases = { credentialParameters: 0 };

let emulator: Emulator;
let clock = T0;

beforeEach(async () => {
  clock += 3_600_000;
  emulator = await startEmulator({
    pools,
    now: () => clock,
    auth: { ...sentinelEmulatorAuth(), users: [USER], tokenTtlMs: 3_600_000 },
  });
});
afterEach(async () => {
  secrets.scanAll('emulator request', emulator.requests);
  await emulator.close();
});

/** Restarts the emulator knowing another SK for the sentinel AK: every signature is refused. */
async function refuseEverySignature(): Promise<void> {
  await emulator.close();
  emulator = await startEmulator({
    pools,
    now: () => clock,
    auth: { mode: 'verify', credentials: { [SENTINEL.ak]: 'another-secret-key' } },
  });
}

/** fetch that learns every token IAM hands out, so the scan looks for those too. */
const learningFetch: typeof fetch = async (input, init) => {
  const response = await fetch(input, init);
  const token = response.headers.get('x-subject-token');
  if (token) secrets.addSecret('issued IAM token', token);
  return response;
};

const tokenProvider = (password: string = USER.password, iamEndpoint = emulator.url): TokenProvider =>
  createIamTokenProvider({
    iamEndpoint,
    user: { ...USER, password },
    projectId: emulator.projectId,
    now: () => clock,
    timeoutMs: 300,
    fetch: learningFetch,
  });

const client = (
  auth: Parameters<typeof createModelArtsClient>[0]['auth'],
  timeoutMs = 2_000,
): ModelArtsClient =>
  createModelArtsClient({
    projectId: emulator.projectId,
    endpoint: emulator.url,
    auth,
    timeoutMs,
    retry: { limit: 1, baseDelayMs: 1, budgetMs: 10 },
    now: () => clock,
    sleep: async () => undefined,
  });

/** One cycle over the fleet with `api`; everything it reports is scanned. */
async function scannedCycle(api: ModelArtsClient, label: string) {
  const records: DecisionRecord[] = [];
  const config = fleetConfig({ endpoint: emulator.url, projectId: emulator.projectId });
  const result = await runCycle(
    config,
    {
      clients: () => api,
      store: createMemoryStateStore(),
      now: () => clock,
      owner: label,
      log: (r) => records.push(r),
    },
    {
      push: {
        origin: 'invocation',
        backlogs: members.flatMap((m) => m.flavors.map((flavor) => ({ pool: m.name, flavor, value: 30 }))),
      },
    },
  );
  secrets.scan(`${label} result`, result);
  secrets.scanAll(`${label} record`, records);
  return result;
}

/** The error `work` fails with, scanned as printed (inspect, causes, hidden fields) and as JSON. */
async function scannedError(label: string, work: Promise<unknown>): Promise<Error> {
  const error = await work.then(
    () => expect.unreachable(`${label} should fail`),
    (caught: unknown) => caught,
  );
  secrets.scan(label, error);
  secrets.scan(
    `${label} (util.inspect)`,
    inspect(error, { depth: Number.POSITIVE_INFINITY, showHidden: true }),
  );
  return error as Error;
}

describe('secrets under failing auth and transport', { timeout: LONG_TEST_MS }, () => {
  it('IAM token mode: a cycle, a revoked token, a wrong password and a hung IAM leak neither password nor token', async () => {
    const ok = await scannedCycle(client({ type: 'token', provider: tokenProvider() }), 'token');
    expect(ok.outcomes.filter((o) => o.status === 'patched').length).toBeGreaterThan(0);

    emulator.revokeTokens(); // the cached token is refused once, a new one is fetched
    clock += 60_000;
    await scannedCycle(client({ type: 'token', provider: tokenProvider() }), 'revoked');

    const wrong = await scannedCycle(
      client({ type: 'token', provider: tokenProvider('not-the-password') }),
      'wrong password',
    );
    expect(wrong.outcomes.every((o) => o.status === 'failed')).toBe(true);
    await scannedError(
      'wrong password',
      client({ type: 'token', provider: tokenProvider('not-the-password') }).listPools(),
    );

    emulator.failNext('iamToken', 1, { hang: true });
    await scannedError('hung IAM', tokenProvider().getToken());
  });

  it('IAM token mode: an IAM server that quotes the request back does not get the password into the error', async () => {
    const echo = await startScriptedServer((request) => ({
      status: 401,
      body: { error: { code: 401, message: `refused: ${request.body}` } },
    }));
    try {
      const error = await scannedError('echoing IAM', tokenProvider(USER.password, echo.url).getToken());
      expect(error.message).toMatch(/401/);
    } finally {
      await echo.close();
    }
  });

  it('AK/SK: a refused signature, a dropped connection and a timeout leak neither SK nor security token', async () => {
    await refuseEverySignature();
    const api = client({ type: 'aksk', credentials: sentinelCredentials(emulator.projectId) }, 200);
    const refused = await scannedCycle(api, 'refused signature');
    expect(refused.outcomes.every((o) => o.status === 'failed')).toBe(true);
    await scannedError('refused signature', api.getPool(members[0]?.name as string));
    emulator.failNext('getPool', 2, { drop: true });
    await scannedError('dropped', api.getPool(members[0]?.name as string));
    emulator.failNext('getPool', 2, { hang: true });
    await scannedError('timed out', api.getPool(members[0]?.name as string));
  });

  it('the scan itself finds a secret in a cause, in a hidden field and in a truncated copy', () => {
    const probe = new SecretScan();
    probe.scan('cause', new Error('outer', { cause: new Error(`inner ${SENTINEL.sk}`) }));
    probe.scan(
      'hidden',
      Object.defineProperty({}, 'token', { value: SENTINEL.securityToken, enumerable: false }),
    );
    probe.scan('truncated', `...${SENTINEL.webhookSecret.slice(-16)}`);
    probe.scan('clean', { ak: SENTINEL.ak, message: 'nothing to see' });
    expect([...new Set(probe.findings.map((finding) => finding.artifact))]).toEqual([
      'cause',
      'hidden',
      'truncated',
    ]);
  });

  it('credentials print masked, also when copied', () => {
    const credentials = akSkCredentials({
      ak: SENTINEL.ak,
      sk: SENTINEL.sk,
      securityToken: SENTINEL.securityToken,
    });
    secrets.scan('credentials', credentials);
    secrets.scan('copied credentials', { ...credentials, projectId: 'p' });
    secrets.scan('credentials in a template', `${JSON.stringify({ credentials })}`);
    expect(inspect(credentials)).toContain(SENTINEL.ak);
  });

  it('a malformed credentials parameter is refused by name, its value never repeated', () => {
    const secretish = fc.oneof(secretValue, hostileValue);
    const parameter = fc.oneof(
      fc
        .record({ ak: secretish, sk: secretish, securityToken: secretish }, { requiredKeys: [] })
        .map((v) => JSON.stringify(v)),
      fc
        .dictionary(
          fc.string({ minLength: 1, maxLength: 10 }),
          fc.record({ ak: secretish, sk: secretish, password: secretish }, { requiredKeys: [] }),
        )
        .map((v) => JSON.stringify(v)),
      fc
        .tuple(secretValue, fc.nat(60))
        .map(([secret, cut]) => `{"ak":"AK","sk":"${secret}"`.slice(0, 20 + cut)),
      secretValue.map((secret) => `ak=AK\nsk=${secret}`),
      fc.jsonValue().map((v) => JSON.stringify(v)),
    );
    fc.assert(
      fc.property(parameter, (value) => {
        cases.credentialParameters += 1;
        try {
          const parsed = parseConnectionSecrets('/autoscaler/credentials', value);
          const secret = parsed.forConnection('prod');
          // As the functions hold them: masked. (The AK is no secret and is shown; the generator may put one there.)
          if (secret.type === 'aksk')
            secrets.scan('parsed credentials', { ...akSkCredentials(secret.credentials), ak: '(ak)' });
        } catch (error) {
          expect(error).toBeInstanceOf(SecretFormatError);
          expect((error as Error).message).toMatch(
            /^secret parameter \/autoscaler\/credentials: .+ \(value not shown\)$/,
          );
          secrets.scan('credentials parameter error', error);
        }
      }),
      { numRuns: FUZZ_RUNS, seed: 0x5ec },
    );
  });

  it('a handler whose every ModelArts call is refused logs why, without a secret', async () => {
    await refuseEverySignature();
    const config = fleetConfig({ endpoint: emulator.url, projectId: emulator.projectId });
    const events = await sampleEvents();
    const output = captureRawOutput();
    try {
      const answer = await makeScheduled(
        invocationDeps({ config, store: createMemoryStateStore(), now: () => clock }),
      )(events.scheduled, lambdaContext('refused'));
      secrets.scan('scheduled answer', answer);
      expect(answer).toMatchObject({ mode: 'cycle', counts: { failed: 1 } });
    } finally {
      secrets.scan('scheduled output', output.text());
      expect(output.text()).toMatch(/401/);
      output.restore();
    }
  });
});

afterAll(async () => {
  await recordFigures('secrets', { fuzzCases: cases, secrets: secrets.figures });
  expect(secrets.findings).toEqual([]);
});

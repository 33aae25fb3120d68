// The Pool API client against the emulator over real HTTP on 127.0.0.1: every operation, every documented
// error code, retries under injected faults, IAM token refresh and AK/SK signatures the emulator verifies.

import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { type Emulator, type EmulatorOptions, startEmulator } from '../../emulator/server';
import { createIamTokenProvider } from '../../lib/modelarts/iam-token';
import {
  akSkCredentials,
  type CreatePoolBody,
  createModelArtsClient,
  type ModelArtsApiError,
  type ModelArtsClientOptions,
  type ModelArtsError,
  type ModelArtsRequestEvent,
  PoolResponseError,
  RetryBudgetExceededError,
} from '../../lib/modelarts/index';

const T0 = Date.parse('2024-06-01T08:00:00Z');
const AK = 'EMULATORACCESSKEY001';
const SK = 'emulator-secret-key-never-printed';
const IAM_USER = { name: 'scaler', password: 'iam-password-never-printed', domain: 'acme' };

function seedPool(
  displayName: string,
  suffix: string,
  extra: { workspace?: string; labels?: Record<string, string>; phase?: string; parent?: string } = {},
) {
  const name = `${displayName}-${suffix.repeat(32).slice(0, 32)}`;
  return {
    apiVersion: 'v2',
    kind: 'Pool',
    metadata: {
      name,
      labels: {
        'os.modelarts/name': displayName,
        'os.modelarts/workspace.id': extra.workspace ?? '0',
        ...extra.labels,
      },
      annotations: { 'os.modelarts/billing.mode': '0' },
    },
    spec: {
      type: 'Dedicate',
      scope: ['Train'],
      resources: [{ flavor: 'modelarts.vm.cpu.4ud', count: 2 }],
      network: { name: 'net-1' },
    },
    status: {
      phase: extra.phase ?? 'Running',
      ...(extra.parent ? { parent: extra.parent } : {}),
      resources: { available: [{ flavor: 'modelarts.vm.cpu.4ud', count: 2 }] },
    },
  };
}

const TRAIN = seedPool('train-pool', 'a', { labels: { team: 'vision' } });
const INFER = seedPool('infer-pool', 'b', { workspace: '7', labels: { team: 'nlp' } });
const FRESH = seedPool('fresh-pool', 'c', { phase: 'Creating' });
const SUB = seedPool('sub-pool', 'd', { parent: TRAIN.metadata.name });
const SEED = [TRAIN, INFER, FRESH, SUB];
const TRAIN_NAME = TRAIN.metadata.name;

const GROW: { spec: { resources: { flavor: string; count: number }[] } } = {
  spec: { resources: [{ flavor: 'modelarts.vm.cpu.4ud', count: 3 }] },
};

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

/** One fake clock for emulator and client: it moves only when the client sleeps between retries. */
async function setup(
  emulatorOptions: EmulatorOptions = {},
  clientOptions: Partial<ModelArtsClientOptions> = {},
) {
  let now = T0;
  const delays: number[] = [];
  const clock = () => now;
  emulator = await startEmulator({ pools: SEED, now: clock, transitionMs: 60_000, ...emulatorOptions });
  const events: ModelArtsRequestEvent[] = [];
  const api = createModelArtsClient({
    projectId: emulator.projectId,
    endpoint: emulator.url,
    auth: { type: 'none' },
    now: clock,
    sleep: async (ms) => {
      delays.push(ms);
      now += ms;
    },
    random: () => 0.999,
    onRequest: (event) => events.push(event),
    ...clientOptions,
  });
  return { emu: emulator, api, delays, events, clock };
}

async function rejection(promise: Promise<unknown>): Promise<ModelArtsError> {
  const outcome = await promise.then(
    () => ({ ok: true as const }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  if (outcome.ok) throw new Error('expected the call to fail');
  return outcome.error as ModelArtsError;
}

const createBody = (displayName: string): CreatePoolBody => {
  const body = JSON.parse(
    readFileSync(new URL('../fixtures/modelarts/create-pool.request.json', import.meta.url), 'utf8'),
  ) as CreatePoolBody;
  body.metadata.labels['os.modelarts/name'] = displayName;
  return body;
};

describe('pool operations', () => {
  it('lists the default workspace, and filters by workspace, label, status and parent', async () => {
    const { api, emu } = await setup();
    const names = async (query: Parameters<typeof api.listPools>[0]) => {
      const { pools, errors } = await api.listPools(query);
      expect(errors).toEqual([]);
      return pools.map((pool) => pool.metadata.name).sort();
    };
    expect(await names({})).toEqual([FRESH, SUB, TRAIN].map((p) => p.metadata.name).sort());
    expect(await names({ workspaceId: '7' })).toEqual([INFER.metadata.name]);
    expect(await names({ labelSelector: 'team=vision' })).toEqual([TRAIN_NAME]);
    expect(await names({ status: 'creating' })).toEqual([FRESH.metadata.name]);
    expect(await names({ parent: TRAIN_NAME })).toEqual([SUB.metadata.name]);
    expect(emu.requests.map((r) => r.query)).toEqual([
      {},
      { workspaceId: '7' },
      { labelSelector: 'team=vision' },
      { status: 'creating' },
      { parent: TRAIN_NAME },
    ]);
  });

  it('gets a pool', async () => {
    const { api } = await setup();
    const pool = await api.getPool(TRAIN_NAME);
    expect(pool.metadata.name).toBe(TRAIN_NAME);
    expect(pool.spec.resources).toEqual([
      expect.objectContaining({ flavor: 'modelarts.vm.cpu.4ud', count: 2 }),
    ]);
  });

  it('creates a pool (a JSON body) that can then be read back', async () => {
    const { api, emu } = await setup();
    const body = createBody('pool-001');
    const created = await api.createPool(body);
    expect(emu.requests[0]?.headers['content-type']).toBe('application/json');
    expect(emu.requests[0]?.body).toBe(JSON.stringify(body));
    expect(created.metadata.name).toMatch(/^pool-001-[0-9a-f]{32}$/);
    expect(created.status?.phase).toBe('Creating');
    expect((await api.getPool(created.metadata.name)).metadata.name).toBe(created.metadata.name);
  });

  it('patches as merge-patch, the exact body, and returns the resized pool', async () => {
    const { api, emu } = await setup();
    const pool = await api.patchPool(TRAIN_NAME, GROW);
    expect(pool.spec.resources[0]?.count).toBe(3);
    expect(emu.pool(TRAIN_NAME)?.spec.resources[0]?.count).toBe(3);
    const [sent] = emu.requests;
    expect(sent?.route).toBe('patchPool');
    expect(sent?.headers['content-type']).toBe('application/merge-patch+json');
    expect(sent?.body).toBe(JSON.stringify(GROW));
  });

  it('never sends a malformed PATCH', async () => {
    const { api, emu } = await setup();
    const error = await rejection(
      api.patchPool(TRAIN_NAME, { spec: { resources: [{ flavor: 'modelarts.vm.cpu.4ud', count: -1 }] } }),
    );
    expect(error).toMatchObject({ kind: 'validation', method: 'PATCH' });
    expect(error.message).toContain(
      `PATCH /v2/emulator-project/pools/${TRAIN_NAME} not sent: invalid merge-patch body`,
    );
    expect(error.message).toContain('spec.resources[0].count');
    expect(emu.requests).toHaveLength(0);
  });
});

describe('documented errors', () => {
  it('400 ModelArts.50004000 for an update the pool refuses, not retried', async () => {
    const { api, emu } = await setup();
    emu.setControlMode(TRAIN_NAME, 8);
    const error = (await rejection(api.patchPool(TRAIN_NAME, GROW))) as ModelArtsApiError;
    expect(error).toMatchObject({
      kind: 'api',
      status: 400,
      errorCode: 'ModelArts.50004000',
      retryable: false,
    });
    expect(error.message).toMatch(
      new RegExp(
        `^PATCH /v2/emulator-project/pools/${TRAIN_NAME} failed: 400 ModelArts\\.50004000 .*frozen.*\\(request id [0-9a-f]{32}\\)$`,
      ),
    );
    expect(error.requestId).toMatch(/^[0-9a-f]{32}$/);
    expect(emu.requests).toHaveLength(1);
  });

  it('404 ModelArts.50015001 for an unknown pool, not retried', async () => {
    const { api, emu } = await setup();
    const error = await rejection(api.getPool('no-such-pool'));
    expect(error).toMatchObject({ status: 404, errorCode: 'ModelArts.50015001', method: 'GET' });
    expect(emu.requests).toHaveLength(1);
  });

  it('409 ModelArts.50015000 when the pool already exists', async () => {
    const { api } = await setup();
    const error = await rejection(api.createPool(createBody('train-pool')));
    expect(error).toMatchObject({ status: 409, errorCode: 'ModelArts.50015000', method: 'POST' });
  });

  it('401 APIGW.0301 for a wrong secret key, not retried', async () => {
    const credentials = akSkCredentials({ ak: AK, sk: 'not-the-right-key' });
    const { api, emu } = await setup(
      { auth: { mode: 'verify', credentials: { [AK]: SK } } },
      { auth: { type: 'aksk', credentials } },
    );
    const error = await rejection(api.listPools());
    expect(error).toMatchObject({ status: 401, errorCode: 'APIGW.0301' });
    expect(emu.requests).toHaveLength(1);
  });

  it('a truncated body is a bad response for that pool, not retried', async () => {
    const { api, emu } = await setup();
    emu.failNext('getPool', 1, { malformed: true });
    const error = await rejection(api.getPool(TRAIN_NAME));
    expect(error).toBeInstanceOf(PoolResponseError);
    expect((error as unknown as PoolResponseError).pool).toBe(TRAIN_NAME);
    expect(emu.requests).toHaveLength(1);
  });
});

describe('retries under injected faults', () => {
  it('retries a 503 and then succeeds, resending the same PATCH', async () => {
    const { api, emu, delays, events } = await setup();
    emu.failNext('patchPool', 1, { status: 503, errorCode: 'ModelArts.50005000' });
    const pool = await api.patchPool(TRAIN_NAME, GROW);
    expect(pool.spec.resources[0]?.count).toBe(3);
    expect(emu.requests.map((r) => r.status)).toEqual([503, 200]);
    expect(emu.requests.map((r) => r.body)).toEqual([JSON.stringify(GROW), JSON.stringify(GROW)]);
    expect(delays).toEqual([199]);
    expect(events).toEqual([
      expect.objectContaining({
        operation: 'patchPool',
        method: 'PATCH',
        status: 503,
        attempt: 1,
        outcome: 'response',
      }),
      expect.objectContaining({
        operation: 'patchPool',
        method: 'PATCH',
        status: 200,
        attempt: 2,
        outcome: 'response',
      }),
    ]);
    expect(events[0]?.path).toBe(`/v2/emulator-project/pools/${TRAIN_NAME}`);
    expect(events[0]?.requestId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('does not replay a create after a 503 (it may have created the pool), but does after a 429', async () => {
    const { api, emu } = await setup();
    emu.failNext('createPool', 1, { status: 503 });
    const error = await rejection(api.createPool(createBody('pool-001')));
    expect(error).toMatchObject({ status: 503 });
    emu.failNext('createPool', 1, { status: 429, errorCode: 'APIGW.0308' });
    await api.createPool(createBody('pool-001'));
    expect(emu.requests.map((r) => r.status)).toEqual([503, 429, 200]);
  });

  it('does not retry a conflict', async () => {
    const { api, emu } = await setup();
    emu.failNext('patchPool', 1, { status: 409, errorCode: 'ModelArts.5044' });
    const error = await rejection(api.patchPool(TRAIN_NAME, GROW));
    expect(error).toMatchObject({ status: 409, errorCode: 'ModelArts.5044', retryable: false });
    expect(error.message).toMatch(
      /^PATCH \/v2\/emulator-project\/pools\/\S+ failed: 409 ModelArts\.5044 .*\(request id \w+\)$/,
    );
    expect(emu.requests).toHaveLength(1);
  });

  it('waits what Retry-After says after a 429', async () => {
    const { api, emu, delays } = await setup();
    emu.failNext('getPool', 1, { status: 429, errorCode: 'ModelArts.2799', retryAfterSeconds: 3 });
    await api.getPool(TRAIN_NAME);
    expect(delays).toEqual([3000]);
    expect(emu.requests.map((r) => r.status)).toEqual([429, 200]);
  });

  it('reports a dropped connection as a network error and retries it', async () => {
    const { api, emu, events } = await setup();
    emu.failNext('listPools', 1, { drop: true });
    await api.listPools();
    expect(events.map((e) => e.outcome)).toEqual(['network-error', 'response']);

    const once = createModelArtsClient({
      projectId: emu.projectId,
      endpoint: emu.url,
      auth: { type: 'none' },
      retry: { limit: 0 },
    });
    emu.failNext('listPools', 1, { drop: true });
    const lone = await rejection(once.listPools());
    expect(lone).toBeInstanceOf(RetryBudgetExceededError);
    expect((lone.cause as ModelArtsError).kind).toBe('network');
  });

  it('reports a hung request as a timeout, a retryable error', async () => {
    // No retry here: under load a real follow-up request could miss so short a timeout too. That timeouts
    // are retried is retry.test.ts's business.
    const { api, emu, events } = await setup({}, { timeoutMs: 50, retry: { limit: 0 } });
    emu.failNext('getPool', 1, { hang: true });
    const error = await rejection(api.getPool(TRAIN_NAME));
    expect(error).toBeInstanceOf(RetryBudgetExceededError);
    expect(error.cause).toMatchObject({ kind: 'timeout', retryable: true, timeoutMs: 50 });
    expect((error.cause as Error).message).toBe(
      `GET /v2/emulator-project/pools/${TRAIN_NAME} failed: no response within 50 ms`,
    );
    expect(events.map((e) => e.outcome)).toEqual(['timeout']);
    expect(emu.requests.map((r) => r.status)).toEqual([0]);
  });
  it('stops when the wait budget is spent, with the last error as cause', async () => {
    const { api, emu, delays } = await setup({}, { retry: { budgetMs: 1000 } });
    emu.failNext('listPools', 10, { status: 503, errorCode: 'ModelArts.50005000' });
    const error = (await rejection(api.listPools())) as RetryBudgetExceededError;
    expect(error).toBeInstanceOf(RetryBudgetExceededError);
    expect(error).toMatchObject({ reason: 'budget', attempts: 4, waitedMs: 1000 });
    expect(delays).toEqual([199, 399, 402]);
    expect(error.cause).toMatchObject({ status: 503, errorCode: 'ModelArts.50005000' });
    expect(emu.requests).toHaveLength(4);
  });

  it('stops at the retry limit', async () => {
    const { api, emu } = await setup({}, { retry: { limit: 2 } });
    emu.failNext('getPool', 10, { status: 500 });
    const error = (await rejection(api.getPool(TRAIN_NAME))) as RetryBudgetExceededError;
    expect(error).toMatchObject({ reason: 'limit', attempts: 3 });
    expect(emu.requests).toHaveLength(3);
  });
});

describe('authentication', () => {
  it('signed requests are accepted in verify mode, for every operation', async () => {
    const credentials = akSkCredentials({ ak: AK, sk: SK });
    const { api, emu } = await setup(
      { auth: { mode: 'verify', credentials: { [AK]: SK } } },
      { auth: { type: 'aksk', credentials }, userId: 'user-1' },
    );
    const { pools } = await api.listPools({ labelSelector: 'os.modelarts/name=train-pool, team!=nlp' });
    expect(pools.map((p) => p.metadata.name)).toEqual([TRAIN_NAME]);
    await api.getPool(TRAIN_NAME);
    await api.patchPool(TRAIN_NAME, GROW);
    await api.createPool(createBody('signed-pool'));
    expect(emu.requests.map((r) => [r.route, r.status])).toEqual([
      ['listPools', 200],
      ['getPool', 200],
      ['patchPool', 200],
      ['createPool', 200],
    ]);
    expect(emu.requests[0]?.headers.authorization).toMatch(/^SDK-HMAC-SHA256 Access=EMULATORACCESSKEY001, /);
    expect(emu.requests[0]?.headers['x-modelarts-user-id']).toBe('user-1');
  });

  it('re-signs a retried request so the emulator accepts it after the wait', async () => {
    const credentials = akSkCredentials({ ak: AK, sk: SK });
    const { api, emu } = await setup(
      { auth: { mode: 'verify', credentials: { [AK]: SK } } },
      { auth: { type: 'aksk', credentials }, retry: { budgetMs: 3_600_000 } },
    );
    // Sixteen minutes of Retry-After: a signature replayed from the first attempt would be past the 15-minute skew.
    emu.failNext('patchPool', 1, { status: 429, retryAfterSeconds: 16 * 60 });
    await api.patchPool(TRAIN_NAME, GROW);
    expect(emu.requests.map((r) => r.status)).toEqual([429, 200]);
    expect(emu.requests[1]?.headers['x-sdk-date']).toBe('20240601T081600Z');
  });

  it('refreshes a revoked IAM token once and goes on', async () => {
    const { clock } = await setup();
    await emulator?.close();
    const emu = await startEmulator({ pools: SEED, now: clock, auth: { mode: 'verify', users: [IAM_USER] } });
    emulator = emu;
    const provider = createIamTokenProvider({
      iamEndpoint: emu.url,
      user: IAM_USER,
      projectId: emu.projectId,
      now: clock,
    });
    const api = createModelArtsClient({
      projectId: emu.projectId,
      endpoint: emu.url,
      auth: { type: 'token', provider },
      now: clock,
      sleep: async () => {},
    });
    await api.getPool(TRAIN_NAME);
    emu.revokeTokens();
    await api.getPool(TRAIN_NAME);
    expect(emu.requests.map((r) => [r.route, r.status])).toEqual([
      ['iamToken', 201],
      ['getPool', 200],
      ['getPool', 401],
      ['iamToken', 201],
      ['getPool', 200],
    ]);
  });

  it('gives up with 401 ModelArts.50001000 when even the fresh token is refused', async () => {
    const { clock } = await setup();
    await emulator?.close();
    const emu = await startEmulator({ pools: SEED, now: clock, auth: { mode: 'verify', users: [IAM_USER] } });
    emulator = emu;
    let issued = 0;
    const provider = {
      // Tokens the emulator never issued: each one is refused.
      getToken: async () => `forged-token-${++issued}`,
      invalidate: () => {},
    };
    const api = createModelArtsClient({
      projectId: emu.projectId,
      endpoint: emu.url,
      auth: { type: 'token', provider },
    });
    const error = await rejection(api.getPool(TRAIN_NAME));
    expect(error).toMatchObject({ status: 401, errorCode: 'ModelArts.50001000' });
    expect(emu.requests.map((r) => r.status)).toEqual([401, 401]);
    expect(JSON.stringify(error)).not.toContain('forged-token');
  });
});

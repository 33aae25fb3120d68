import { describe, expect, it } from 'vitest';
import { describeFailure, type FailureContext, unseenPools } from '../../cli/failures';
import { poolErrorKey } from '../../cli/setup';
import { parseConfig } from '../../lib/config';
import type { CycleResult, PoolOutcome } from '../../lib/cycle';
import {
  ModelArtsApiError,
  ModelArtsNetworkError,
  RetryBudgetExceededError,
} from '../../lib/modelarts/errors';
import type { PoolPlan } from '../../lib/scaling/plan';

const config = parseConfig({
  env: {},
  text: `
connections:
  - { name: keys, region: cn-north-4, projectId: p1 }
  - { name: iam, region: cn-north-4, projectId: p2, auth: { type: token, user: { name: scaler, domain: acme } } }
defaults: { max: 4, backlog: { source: { type: static, value: 1 } } }
pools:
  - { name: named-pool, connection: keys, flavors: [{ flavor: "*" }] }
  - { connection: keys, selector: { labels: { team: a } }, flavors: [{ flavor: "*" }] }
  - { name: iam-pool, connection: iam, flavors: [{ flavor: "*" }] }
`,
});

const list = { method: 'GET', path: '/v2/p1/pools' };
const failed = (connection: string, pool: string): PoolOutcome => ({
  key: `${connection}/${pool}`,
  pool,
  connection,
  status: 'failed',
  error: 'transport text',
});

function context(connection: string, pool: string, error: unknown): FailureContext {
  return {
    config,
    errors: new Map([[poolErrorKey(connection, pool), error]]),
    endpoint: () => 'https://modelarts.cn-north-4.example.com:8443',
  };
}

describe('a failed pool as one line', () => {
  it('names the host it could not reach, also once retries ran out', () => {
    const refused = new ModelArtsNetworkError(list, { code: 'ECONNREFUSED' });
    const exhausted = new RetryBudgetExceededError(refused, { reason: 'limit', attempts: 5, waitedMs: 900 });
    expect(describeFailure(failed('keys', '*'), context('keys', '*', exhausted))).toBe(
      'cannot reach modelarts.cn-north-4.example.com:8443 for connection "keys": ECONNREFUSED',
    );
  });

  it('suggests starting the emulator when a loopback endpoint refuses the connection', () => {
    const refused = new ModelArtsNetworkError(list, { code: 'ECONNREFUSED' });
    for (const endpoint of ['http://127.0.0.1:8787', 'http://localhost:8787', 'http://[::1]:8787']) {
      const local = { ...context('keys', '*', refused), endpoint: () => endpoint };
      expect(describeFailure(failed('keys', '*'), local)).toMatch(
        /: ECONNREFUSED \(is the emulator running\? start it with: npm run emulator\)$/,
      );
    }
    const reset = new ModelArtsNetworkError(list, { code: 'ECONNRESET' });
    const local = { ...context('keys', '*', reset), endpoint: () => 'http://127.0.0.1:8787' };
    expect(describeFailure(failed('keys', '*'), local)).toBe(
      'cannot reach 127.0.0.1:8787 for connection "keys": ECONNRESET',
    );
  });

  it('says which credentials a 401 refused, and where to look for them', () => {
    const unauthorized = new ModelArtsApiError(list, { status: 401, errorCode: 'APIGW.0301' });
    expect(describeFailure(failed('keys', '*'), context('keys', '*', unauthorized))).toBe(
      'modelarts.cn-north-4.example.com:8443 refused the credentials of connection "keys" (401 APIGW.0301): ' +
        'check HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK',
    );
    expect(describeFailure(failed('iam', '*'), context('iam', '*', unauthorized))).toMatch(
      /check the IAM user scaler and AUTOSCALER_IAM_PASSWORD$/,
    );
  });

  it('names a pool the API does not have', () => {
    const missing = new ModelArtsApiError(
      { method: 'GET', path: '/v2/p1/pools/named-pool' },
      { status: 404, errorCode: 'ModelArts.50015001' },
    );
    expect(describeFailure(failed('keys', 'named-pool'), context('keys', 'named-pool', missing))).toBe(
      'pool "named-pool" not found on connection "keys" (404 ModelArts.50015001)',
    );
  });

  it('falls back to the outcome text for other failures', () => {
    expect(describeFailure(failed('keys', 'named-pool'), context('keys', 'other', undefined))).toBe(
      'pool "named-pool" (connection "keys"): transport text',
    );
  });
});

const planned = (pool: string): PoolPlan => ({
  key: `p/${pool}`,
  pool,
  action: 'hold',
  reasons: [],
  flavors: [],
  history: { flavors: {} },
});

const result = (pools: string[], outcomes: PoolOutcome[] = []): CycleResult => ({
  at: 0,
  dryRun: true,
  plan: { at: 0, pools: pools.map(planned) },
  outcomes,
  warnings: [],
});

describe('pools the cycle never saw', () => {
  it('reports a config-named pool missing from its connection list, with its entry', () => {
    expect(unseenPools(config, result(['iam-pool']))).toEqual([
      'pool "named-pool" (pools[0]) not found on connection "keys": it is not in the pool list',
    ]);
  });

  it('does not blame the pools of a connection whose list call failed', () => {
    expect(unseenPools(config, result(['iam-pool'], [failed('keys', '*')]))).toEqual([]);
  });

  it('reports a --pool name that no config entry manages', () => {
    expect(unseenPools(config, result(['named-pool']), ['named-pool', 'stray'])).toEqual([
      'pool "stray" is not managed by the config: no entry names or selects it',
    ]);
  });
});

import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FunctionStateError, functionStateStore } from '../../lib/aws/state-store';
import { createStateTable } from '../../lib/state/dynamodb';

const tableName = 'function-state';
const server = dynalite({ createTableMs: 0 });
let endpoint: string;

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  await createStateTable(client, tableName);
  client.destroy();
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const history = { flavors: { f: { recommendations: [{ at: 1, count: 1 }], events: [] } } };

describe('the state store of a function', () => {
  it('keeps state and leases in the DynamoDB table of the config', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
    const store = functionStateStore({ type: 'dynamodb', tableName, region: 'us-east-1', endpoint });
    await store.save('pool-a', history);

    expect((await store.load('pool-a')).history).toEqual(history);
    expect(await store.acquireLease('pool-a', 'one', 60_000, 1_000)).toMatchObject({ owner: 'one' });
    expect(await store.acquireLease('pool-a', 'two', 60_000, 1_000)).toBeUndefined();
  });

  it('keeps state in memory for local invocations', async () => {
    const store = functionStateStore({ type: 'memory' });
    await store.save('pool-a', history);
    expect((await store.load('pool-a')).history).toEqual(history);
  });

  it('refuses a state file, naming the path and what to use instead', () => {
    expect(() => functionStateStore({ type: 'file', path: '.autoscaler/state.json' })).toThrow(
      FunctionStateError,
    );
    expect(() => functionStateStore({ type: 'file', path: '.autoscaler/state.json' })).toThrow(
      /state\.type "file" \(\.autoscaler\/state\.json\).*"dynamodb".*AUTOSCALER_STATE_TABLE/,
    );
  });
});

import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoDbStateStore, stateTableDefinition } from '../../lib/state/dynamodb';
import { BATCH_GET_ATTEMPTS } from '../../lib/state/dynamodb-batch-load';
import { HistoryItemError, StateStoreError } from '../../lib/state/errors';
import { createStateStore } from '../../lib/state/factory';
import { HISTORY_FORMAT } from '../../lib/state/store';
import { describeStateStoreContract } from './contract';
import { type DynaliteTable, startDynaliteTable } from './dynalite-table';

const tableName = 'autoscaler-state';
let dynamo: DynaliteTable;
let endpoint: string;
let client: DynamoDBClient;

beforeAll(async () => {
  dynamo = await startDynaliteTable(tableName);
  ({ endpoint, client } = dynamo);
});

afterAll(() => dynamo.close());

describeStateStoreContract('dynamodb', () => ({
  open: () => createDynamoDbStateStore({ client, tableName }),
  runs: 10,
}));

describe('DynamoDB state store', () => {
  const rawItem = async (pk: string) =>
    (
      await client.send(
        new GetItemCommand({ TableName: tableName, Key: { pk: { S: pk } }, ConsistentRead: true }),
      )
    ).Item;

  it('keeps history and lease as separate items keyed by pk, each with a ttl in epoch seconds', async () => {
    const now = 1_700_000_000_000;
    const store = createDynamoDbStateStore({ client, tableName, now: () => now, historyTtlSeconds: 3600 });
    await store.save('pool-ttl', { flavors: {} });
    await store.acquireLease('pool-ttl', 'me', 30_000, now);

    const history = await rawItem('history#pool-ttl');
    expect(history?.ttl).toEqual({ N: String(now / 1000 + 3600) });
    const lease = await rawItem('lease#pool-ttl');
    expect(lease?.owner).toEqual({ S: 'me' });
    expect(lease?.expiresAt).toEqual({ N: String(now + 30_000) });
    expect(Number(lease?.ttl?.N)).toBeGreaterThan((now + 30_000) / 1000);
  });

  it('treats a history item past its ttl as gone (TTL deletion lags)', async () => {
    let now = 1_700_000_000_000;
    const store = createDynamoDbStateStore({ client, tableName, now: () => now, historyTtlSeconds: 60 });
    const history = { flavors: { f: { recommendations: [{ at: now, count: 3 }], events: [] } } };
    await store.save('pool-expiring', history);
    now += 59_000;
    expect((await store.load('pool-expiring')).history).toEqual(history);
    now += 2_000;
    expect((await store.load('pool-expiring')).history).toEqual({ flavors: {} });
    expect((await store.loadMany(['pool-expiring'])).get('pool-expiring')).toEqual({
      history: { flavors: {} },
      revision: 0,
    });
  });

  it('neither reads nor overwrites a history item of a newer format, and names it', async () => {
    const store = createDynamoDbStateStore({ client, tableName });
    const newer = {
      pk: { S: 'history#proj/pool-newer' },
      format: { N: String(HISTORY_FORMAT + 1) },
      revision: { N: '5' },
      history: { M: { flavors: { M: {} }, placement: { S: 'zones' } } },
    };
    await client.send(new PutItemCommand({ TableName: tableName, Item: newer }));

    await expect(store.load('proj/pool-newer')).rejects.toThrow(
      new RegExp(
        `history item for pool proj/pool-newer was written by a newer version \\(format ${HISTORY_FORMAT + 1}`,
      ),
    );
    await expect(store.save('proj/pool-newer', { flavors: {} }, 5)).rejects.toBeInstanceOf(HistoryItemError);
    await expect(store.save('proj/pool-newer', { flavors: {} })).rejects.toBeInstanceOf(HistoryItemError);
    expect(await rawItem('history#proj/pool-newer')).toEqual(newer);
  });

  it('reads a history item of format 1 (before scale-in memory) and saves it in the current format', async () => {
    const store = createDynamoDbStateStore({ client, tableName });
    const older = {
      pk: { S: 'history#proj/pool-older' },
      format: { N: '1' },
      revision: { N: '2' },
      history: { M: { flavors: { M: {} } } },
    };
    await client.send(new PutItemCommand({ TableName: tableName, Item: older }));
    expect(await store.load('proj/pool-older')).toEqual({ history: { flavors: {} }, revision: 2 });
    await store.save('proj/pool-older', { flavors: {}, scaleIn: { nodes: {} } }, 2);
    expect((await rawItem('history#proj/pool-older'))?.format).toEqual({ N: String(HISTORY_FORMAT) });
  });

  it('fails a foreign history item by name, and reset clears it', async () => {
    const store = createDynamoDbStateStore({ client, tableName });
    await client.send(
      new PutItemCommand({
        TableName: tableName,
        Item: { pk: { S: 'history#proj/pool-foreign' }, history: { S: 'not a history' } },
      }),
    );
    await expect(store.load('proj/pool-foreign')).rejects.toThrow(
      'history item for pool proj/pool-foreign has an unexpected shape',
    );
    await store.reset('proj/pool-foreign');
    expect(await store.load('proj/pool-foreign')).toEqual({ history: { flavors: {} }, revision: 0 });
  });

  it('keeps a shared item under shared#<key> with a ttl, and reads a foreign one as none', async () => {
    const now = 1_700_000_000_000;
    const store = createDynamoDbStateStore({ client, tableName, now: () => now, sharedTtlSeconds: 600 });
    await store.saveShared('stock#conn-a', { f: { 'az-1': 'soldout' } }, now - 5_000);
    const item = await rawItem('shared#stock#conn-a');
    expect(item?.ttl).toEqual({ N: String(now / 1000 + 600) });
    expect(await store.loadShared('stock#conn-a')).toEqual({
      value: { f: { 'az-1': 'soldout' } },
      at: now - 5_000,
    });

    await client.send(
      new PutItemCommand({
        TableName: tableName,
        Item: { pk: { S: 'shared#stock#conn-foreign' }, value: { S: 'x' }, at: { S: 'yesterday' } },
      }),
    );
    expect(await store.loadShared('stock#conn-foreign')).toBeUndefined();
  });

  it('wraps service errors in StateStoreError', async () => {
    const store = createDynamoDbStateStore({ client, tableName: 'no-such-table' });
    const failure = store.load('pool-a');
    await expect(failure).rejects.toThrow(StateStoreError);
    await expect(failure).rejects.toThrow(/no-such-table/);
  });

  it('exports the table definition serverless.yml must match', () => {
    expect(stateTableDefinition.properties.KeySchema).toEqual([{ AttributeName: 'pk', KeyType: 'HASH' }]);
    expect(stateTableDefinition.properties.AttributeDefinitions).toEqual([
      { AttributeName: 'pk', AttributeType: 'S' },
    ]);
    expect(stateTableDefinition.properties.TimeToLiveSpecification).toEqual({
      AttributeName: 'ttl',
      Enabled: true,
    });
  });

  it('is what createStateStore builds for a dynamodb state config', async () => {
    const store = createStateStore(
      { type: 'dynamodb', tableName, endpoint, region: 'us-east-1' },
      { dynamoDbClient: client },
    );
    await store.save('pool-factory', { flavors: {} });
    expect(await rawItem('history#pool-factory')).toBeDefined();
  });
});

describe('DynamoDB state store, histories read at once', () => {
  type BatchInput = { RequestItems: Record<string, { Keys: unknown[]; ConsistentRead?: boolean }> };
  const keyOf = (key: unknown) => JSON.stringify(key);

  /**
   * A client on the same table whose BatchGetItems go through `tamper`: it sees each request's keys (and the
   * call's number) and returns the keys DynamoDB should leave unprocessed, or throws to fail the request.
   */
  function tamperedStore(tamper: (keys: unknown[], call: number, input: BatchInput) => unknown[]) {
    const tampered = new DynamoDBClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    let calls = 0;
    tampered.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== 'BatchGetItemCommand') return next(args);
        const input = args.input as BatchInput;
        const spec = input.RequestItems[tableName] ?? { Keys: [] };
        const held = new Set(tamper(spec.Keys, ++calls, input).map(keyOf));
        const left = spec.Keys.filter((key) => held.has(keyOf(key)));
        input.RequestItems = {
          [tableName]: { ...spec, Keys: spec.Keys.filter((key) => !held.has(keyOf(key))) },
        };
        // DynamoDB takes no empty request: leaving every key unprocessed is an answer without a request.
        const result =
          left.length === spec.Keys.length
            ? { output: { Responses: {}, $metadata: {} }, response: {} }
            : await next(args);
        if (left.length > 0)
          (result.output as { UnprocessedKeys?: unknown }).UnprocessedKeys = { [tableName]: { Keys: left } };
        return result;
      },
      { step: 'initialize', name: 'tamperBatchGet' },
    );
    return { store: createDynamoDbStateStore({ client: tampered, tableName }), calls: () => calls };
  }

  const history = (count: number) => ({
    flavors: { f: { recommendations: [{ at: 1, count }], events: [] } },
  });
  /** Whether a requested key is the history item of `pool`. */
  const isKeyOf = (key: unknown, pool: string) => keyOf(key).includes(`history#${pool}"`);

  async function saved(prefix: string, count: number): Promise<string[]> {
    const store = createDynamoDbStateStore({ client, tableName });
    const keys = Array.from({ length: count }, (_, i) => `${prefix}/pool-${i}`);
    await Promise.all(keys.map((key, i) => store.save(key, history(i), 0)));
    return keys;
  }

  it('reads 250 histories in three strongly consistent BatchGetItems of at most 100 keys', async () => {
    const keys = await saved('batch-250', 250);
    const sizes: number[] = [];
    const { store, calls } = tamperedStore((requested, _call, input) => {
      sizes.push(requested.length);
      expect(input.RequestItems[tableName]?.ConsistentRead).toBe(true);
      return [];
    });

    const loaded = await store.loadMany(keys);
    expect(calls()).toBe(3);
    expect(sizes.sort((a, b) => a - b)).toEqual([50, 100, 100]);
    for (const [i, key] of keys.entries())
      expect(loaded.get(key)).toEqual({ history: history(i), revision: 1 });
  });

  it('asks again for the keys DynamoDB leaves unprocessed', async () => {
    const keys = await saved('unprocessed', 40);
    const { store, calls } = tamperedStore((requested, call) => (call === 1 ? requested.slice(10) : []));

    const loaded = await store.loadMany(keys);
    expect(calls()).toBe(2);
    for (const [i, key] of keys.entries())
      expect(loaded.get(key)).toEqual({ history: history(i), revision: 1 });
  });

  it('fails only the keys still unprocessed after the last attempt, naming the table', async () => {
    const [stuck, ...others] = await saved('stuck', 5);
    const { store, calls } = tamperedStore((requested) =>
      requested.filter((key) => isKeyOf(key, stuck as string)),
    );

    const loaded = await store.loadMany([stuck as string, ...others]);
    expect(calls()).toBe(BATCH_GET_ATTEMPTS);
    const error = loaded.get(stuck as string);
    expect(error).toBeInstanceOf(StateStoreError);
    expect((error as Error).message).toMatch(
      /unprocessed after 3 BatchGetItem attempts \(table autoscaler-state\)/,
    );
    for (const [i, key] of others.entries())
      expect(loaded.get(key)).toEqual({ history: history(i + 1), revision: 1 });
  });

  it('fails only the batch whose request failed', async () => {
    const keys = await saved('failed-batch', 150);
    const { store } = tamperedStore((requested) => {
      if (requested.some((key) => isKeyOf(key, 'failed-batch/pool-120'))) throw new Error('connection reset');
      return [];
    });

    const loaded = await store.loadMany(keys);
    const failed = keys.filter((key) => loaded.get(key) instanceof StateStoreError);
    expect(failed).toEqual(keys.slice(100));
    expect((loaded.get(keys[120] as string) as Error).message).toMatch(
      /BatchGetItem failed for 50 pool\(s\), failed-batch\/pool-100 first \(table autoscaler-state\)/,
    );
    expect(loaded.get(keys[99] as string)).toEqual({ history: history(99), revision: 1 });
  });

  it('fails a newer-format or foreign item alone, naming it', async () => {
    const [good] = await saved('bad-items', 1);
    for (const [pool, item] of [
      [
        'bad-items/newer',
        { format: { N: String(HISTORY_FORMAT + 1) }, history: { M: { flavors: { M: {} } } } },
      ],
      ['bad-items/foreign', { history: { S: 'not a history' } }],
    ] as const)
      await client.send(
        new PutItemCommand({ TableName: tableName, Item: { pk: { S: `history#${pool}` }, ...item } }),
      );

    const loaded = await createDynamoDbStateStore({ client, tableName }).loadMany([
      'bad-items/newer',
      good as string,
      'bad-items/foreign',
    ]);
    expect(loaded.get(good as string)).toEqual({ history: history(0), revision: 1 });
    expect(loaded.get('bad-items/newer')).toBeInstanceOf(HistoryItemError);
    expect((loaded.get('bad-items/newer') as Error).message).toMatch(
      /bad-items\/newer was written by a newer version/,
    );
    expect((loaded.get('bad-items/foreign') as Error).message).toMatch(
      /bad-items\/foreign has an unexpected shape/,
    );
  });
});

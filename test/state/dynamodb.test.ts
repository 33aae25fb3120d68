import { type DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoDbStateStore, stateTableDefinition } from '../../lib/state/dynamodb';
import { HistoryItemError, StateStoreError } from '../../lib/state/errors';
import { createStateStore } from '../../lib/state/factory';
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
  });

  it('neither reads nor overwrites a history item of a newer format, and names it', async () => {
    const store = createDynamoDbStateStore({ client, tableName });
    const newer = {
      pk: { S: 'history#proj/pool-newer' },
      format: { N: '3' },
      revision: { N: '5' },
      history: { M: { flavors: { M: {} }, placement: { S: 'zones' } } },
    };
    await client.send(new PutItemCommand({ TableName: tableName, Item: newer }));

    await expect(store.load('proj/pool-newer')).rejects.toThrow(
      /history item for pool proj\/pool-newer was written by a newer version \(format 3/,
    );
    await expect(store.save('proj/pool-newer', { flavors: {} }, 5)).rejects.toBeInstanceOf(HistoryItemError);
    await expect(store.save('proj/pool-newer', { flavors: {} })).rejects.toBeInstanceOf(HistoryItemError);
    expect(await rawItem('history#proj/pool-newer')).toEqual(newer);
  });

  it('reads a history item of format 1 (before scale-in memory) and saves it as format 2', async () => {
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
    expect((await rawItem('history#proj/pool-older'))?.format).toEqual({ N: '2' });
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

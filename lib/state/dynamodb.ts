import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  type DynamoDBClient,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { StateStoreError } from './errors';
import { PoolHistorySchema } from './history-schema';
import { checkLeaseRequest } from './lease';
import { emptyHistory, type StateStore } from './store';

// One table, partition key `pk`. Per pool there is a history item (`history#<pool>`) and a lease item
// (`lease#<pool>`). Leases are taken with a conditional put, so DynamoDB itself arbitrates races between
// Lambda invocations. Items carry a TTL (`ttl`, epoch seconds) so the history of a pool no longer managed, and
// abandoned leases, go away on their own.

/**
 * The table's shape, in CloudFormation AWS::DynamoDB::Table property names, so that serverless.yml can be
 * checked against it.
 */
export const stateTableDefinition = {
  partitionKey: 'pk',
  ttlAttribute: 'ttl',
  properties: {
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    BillingMode: 'PAY_PER_REQUEST',
    TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
  },
} as const;

export interface DynamoDbStateStoreOptions {
  client: DynamoDBClient;
  tableName: string;
  /** History items expire this long after their last save. Default 7 days: long enough to debug, short
   * enough that a pool removed from the config leaves nothing behind. */
  historyTtlSeconds?: number;
  /** Kept abandoned lease items this long past their expiry, for inspection. Default 1 day. */
  leaseRetentionSeconds?: number;
  /** The clock for TTLs (epoch ms). Default Date.now. */
  now?: () => number;
}

const historyKey = (poolKey: string) => `history#${poolKey}`;
const leaseKey = (poolKey: string) => `lease#${poolKey}`;
const epochSeconds = (ms: number) => Math.ceil(ms / 1000);

const isConditionFailure = (error: unknown): boolean =>
  error instanceof ConditionalCheckFailedException ||
  (error as { name?: string } | undefined)?.name === 'ConditionalCheckFailedException';

export function createDynamoDbStateStore(options: DynamoDbStateStoreOptions): StateStore {
  const {
    tableName,
    historyTtlSeconds = 7 * 24 * 3600,
    leaseRetentionSeconds = 24 * 3600,
    now = Date.now,
  } = options;
  const documents = DynamoDBDocumentClient.from(options.client, {
    marshallOptions: { removeUndefinedValues: true },
  });

  const call = async <T>(what: string, poolKey: string, send: () => Promise<T>): Promise<T> => {
    try {
      return await send();
    } catch (cause) {
      if (isConditionFailure(cause)) throw cause;
      throw new StateStoreError(`DynamoDB ${what} failed for pool ${poolKey} (table ${tableName})`, {
        cause,
      });
    }
  };

  return {
    async load(poolKey) {
      const { Item } = await call('load', poolKey, () =>
        documents.send(
          new GetCommand({ TableName: tableName, Key: { pk: historyKey(poolKey) }, ConsistentRead: true }),
        ),
      );
      // TTL deletion lags by up to two days; an expired item is as good as gone.
      if (!Item || (typeof Item.ttl === 'number' && Item.ttl * 1000 < now())) return emptyHistory();
      const parsed = PoolHistorySchema.safeParse(Item.history);
      if (!parsed.success) {
        throw new StateStoreError(`history item for pool ${poolKey} has an unexpected shape`, {
          cause: parsed.error,
        });
      }
      // lastPatchAt lives beside the history so that a save can move it forward only (see save).
      const lastPatchAt = typeof Item.lastPatchAt === 'number' ? { lastPatchAt: Item.lastPatchAt } : {};
      return { ...parsed.data, ...lastPatchAt };
    },

    async save(poolKey, history) {
      const at = now();
      const { lastPatchAt, ...rest } = history;
      const update = (withPatchTime: boolean) =>
        call('save', poolKey, () =>
          documents.send(
            new UpdateCommand({
              TableName: tableName,
              Key: { pk: historyKey(poolKey) },
              UpdateExpression: `SET #history = :history, #updatedAt = :at, #ttl = :ttl${withPatchTime ? ', #lastPatchAt = :patched' : ''}`,
              // lastPatchAt never moves back: a save carrying an older one keeps the stored value.
              ...(withPatchTime
                ? { ConditionExpression: 'attribute_not_exists(#lastPatchAt) OR #lastPatchAt <= :patched' }
                : {}),
              ExpressionAttributeNames: {
                '#history': 'history',
                '#updatedAt': 'updatedAt',
                '#ttl': 'ttl',
                ...(withPatchTime ? { '#lastPatchAt': 'lastPatchAt' } : {}),
              },
              ExpressionAttributeValues: {
                ':history': rest,
                ':at': at,
                ':ttl': epochSeconds(at) + historyTtlSeconds,
                ...(withPatchTime ? { ':patched': lastPatchAt } : {}),
              },
            }),
          ),
        );
      if (lastPatchAt === undefined) return void (await update(false));
      try {
        await update(true);
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        await update(false);
      }
    },

    async acquireLease(poolKey, owner, ttlMs, at) {
      checkLeaseRequest(owner, ttlMs, at);
      const expiresAt = at + ttlMs;
      try {
        await call('acquireLease', poolKey, () =>
          documents.send(
            new PutCommand({
              TableName: tableName,
              Item: {
                pk: leaseKey(poolKey),
                owner,
                expiresAt,
                ttl: epochSeconds(expiresAt) + leaseRetentionSeconds,
              },
              ConditionExpression: 'attribute_not_exists(#pk) OR #expiresAt < :now OR #owner = :owner',
              ExpressionAttributeNames: { '#pk': 'pk', '#expiresAt': 'expiresAt', '#owner': 'owner' },
              ExpressionAttributeValues: { ':now': at, ':owner': owner },
            }),
          ),
        );
        return true;
      } catch (error) {
        if (isConditionFailure(error)) return false;
        throw error;
      }
    },

    async releaseLease(poolKey, owner) {
      try {
        await call('releaseLease', poolKey, () =>
          documents.send(
            new DeleteCommand({
              TableName: tableName,
              Key: { pk: leaseKey(poolKey) },
              ConditionExpression: '#owner = :owner',
              ExpressionAttributeNames: { '#owner': 'owner' },
              ExpressionAttributeValues: { ':owner': owner },
            }),
          ),
        );
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    },
  };
}

/**
 * Creates the state table and waits until it is active, for local DynamoDB and tests (in AWS, serverless.yml
 * creates it, TTL included; TTL is not switched on here since local servers mostly lack it).
 */
export async function createStateTable(client: DynamoDBClient, tableName: string): Promise<void> {
  const { AttributeDefinitions, KeySchema, BillingMode } = stateTableDefinition.properties;
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [...AttributeDefinitions],
      KeySchema: [...KeySchema],
      BillingMode,
    }),
  );
  await waitUntilTableExists({ client, maxWaitTime: 30, minDelay: 1 }, { TableName: tableName });
}

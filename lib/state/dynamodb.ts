import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  type DynamoDBClient,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { batchHistoryLoader } from './dynamodb-batch-load';
import { HistoryConflictError, StateStoreError } from './errors';
import { checkFormat, checkLeaseRequest, readHistoryItem } from './lease';
import {
  emptyHistory,
  HISTORY_FORMAT,
  type LeaseToken,
  readSharedItem,
  type StateStore,
  type StoredHistory,
} from './store';

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
  /** Shared items (flavor stock) expire this long after their last save. Default 1 hour. */
  sharedTtlSeconds?: number;
  /** The clock for TTLs (epoch ms). Default Date.now. */
  now?: () => number;
}

const historyKey = (poolKey: string) => `history#${poolKey}`;
const leaseKey = (poolKey: string) => `lease#${poolKey}`;
const sharedKey = (key: string) => `shared#${key}`;
const epochSeconds = (ms: number) => Math.ceil(ms / 1000);

/** A refused ConditionExpression, whichever client (plain or document) reported it. */
export const isConditionFailure = (error: unknown): boolean =>
  error instanceof ConditionalCheckFailedException ||
  (error as { name?: string } | undefined)?.name === 'ConditionalCheckFailedException';

type Item = Record<string, unknown>;

function storedHistory(poolKey: string, item: Item | undefined): StoredHistory {
  if (!item) return { history: emptyHistory(), revision: 0 };
  // The format is checked by readHistoryItem, whatever its type.
  const history = readHistoryItem(poolKey, {
    format: item.format as number | undefined,
    history: item.history,
  });
  // lastPatchAt lives beside the history so that a save can move it forward only (see save).
  const lastPatchAt = typeof item.lastPatchAt === 'number' ? { lastPatchAt: item.lastPatchAt } : {};
  return { history: { ...history, ...lastPatchAt }, revision: Number(item.revision ?? 0) };
}

export function createDynamoDbStateStore(options: DynamoDbStateStoreOptions): StateStore {
  const {
    tableName,
    historyTtlSeconds = 7 * 24 * 3600,
    leaseRetentionSeconds = 24 * 3600,
    sharedTtlSeconds = 3600,
    now = Date.now,
  } = options;
  const documents = DynamoDBDocumentClient.from(options.client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: true },
  });

  const call = async <T>(what: string, subject: string, send: () => Promise<T>): Promise<T> => {
    try {
      return await send();
    } catch (cause) {
      if (isConditionFailure(cause)) throw cause;
      throw new StateStoreError(`DynamoDB ${what} failed for ${subject} (table ${tableName})`, {
        cause,
      });
    }
  };

  const leaseToken = (item: Record<string, unknown> | undefined): LeaseToken => ({
    owner: String(item?.owner),
    version: Number(item?.version ?? 0),
    expiresAt: Number(item?.expiresAt),
  });

  // The condition of a save: the item is at the revision loaded (0: absent or from before revisions), and
  // not of a newer format. Without a revision, only the format.
  const saveCondition = (revision: number | undefined) => {
    const format = '(attribute_not_exists(#format) OR #format <= :format)';
    if (revision === undefined) return format;
    const at = revision === 0 ? 'attribute_not_exists(#revision)' : '#revision = :expected';
    return `${at} AND ${format}`;
  };

  // TTL deletion lags by up to two days; an expired item is as good as gone.
  const live = (item: Item | undefined) =>
    !item || (typeof item.ttl === 'number' && item.ttl * 1000 < now()) ? undefined : item;

  async function loadItem(poolKey: string) {
    const { Item } = await call('load', `pool ${poolKey}`, () =>
      documents.send(
        new GetCommand({ TableName: tableName, Key: { pk: historyKey(poolKey) }, ConsistentRead: true }),
      ),
    );
    return live(Item);
  }

  const batchLoader = batchHistoryLoader({
    tableName,
    documents,
    historyKey,
    toStored: (poolKey, item) => storedHistory(poolKey, live(item)),
  });

  return {
    async load(poolKey) {
      return storedHistory(poolKey, await loadItem(poolKey));
    },

    loadMany: batchLoader,

    async save(poolKey, history, revision) {
      const at = now();
      const { lastPatchAt, ...rest } = history;
      const update = (withPatchTime: boolean) =>
        call('save', `pool ${poolKey}`, () =>
          documents.send(
            new UpdateCommand({
              TableName: tableName,
              Key: { pk: historyKey(poolKey) },
              UpdateExpression: `SET #history = :history, #updatedAt = :at, #ttl = :ttl, #format = :format${withPatchTime ? ', #lastPatchAt = :patched' : ''} ADD #revision :one`,
              ConditionExpression: [
                saveCondition(revision),
                // lastPatchAt never moves back: a save carrying an older one keeps the stored value.
                ...(withPatchTime
                  ? ['(attribute_not_exists(#lastPatchAt) OR #lastPatchAt <= :patched)']
                  : []),
              ].join(' AND '),
              ExpressionAttributeNames: {
                '#history': 'history',
                '#updatedAt': 'updatedAt',
                '#ttl': 'ttl',
                '#format': 'format',
                '#revision': 'revision',
                ...(withPatchTime ? { '#lastPatchAt': 'lastPatchAt' } : {}),
              },
              ExpressionAttributeValues: {
                ':history': rest,
                ':at': at,
                ':ttl': epochSeconds(at) + historyTtlSeconds,
                ':format': HISTORY_FORMAT,
                ':one': 1,
                ...(revision !== undefined && revision !== 0 ? { ':expected': revision } : {}),
                ...(withPatchTime ? { ':patched': lastPatchAt } : {}),
              },
              ReturnValues: 'UPDATED_NEW',
            }),
          ),
        );
      // A refused condition is told apart by reading the item back: a newer format, another writer's
      // save, or (only when a lastPatchAt was sent) an older lastPatchAt, which is saved without it.
      const refused = async (): Promise<never> => {
        const item = await loadItem(poolKey);
        checkFormat(poolKey, item?.format);
        throw new HistoryConflictError(poolKey, revision ?? 0);
      };
      try {
        const output = await update(lastPatchAt !== undefined);
        return Number(output.Attributes?.revision ?? 0);
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        if (lastPatchAt === undefined) return refused();
      }
      try {
        const output = await update(false);
        return Number(output.Attributes?.revision ?? 0);
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        return refused();
      }
    },

    async reset(poolKey) {
      await call('reset', `pool ${poolKey}`, () =>
        documents.send(new DeleteCommand({ TableName: tableName, Key: { pk: historyKey(poolKey) } })),
      );
    },

    async acquireLease(poolKey, owner, ttlMs, at) {
      checkLeaseRequest(owner, ttlMs, at);
      const expiresAt = at + ttlMs;
      try {
        const output = await call('acquireLease', `pool ${poolKey}`, () =>
          documents.send(
            new UpdateCommand({
              TableName: tableName,
              Key: { pk: leaseKey(poolKey) },
              UpdateExpression: 'SET #owner = :owner, #expiresAt = :expiresAt, #ttl = :ttl ADD #version :one',
              ConditionExpression: 'attribute_not_exists(#pk) OR #expiresAt < :now OR #owner = :owner',
              ExpressionAttributeNames: {
                '#pk': 'pk',
                '#expiresAt': 'expiresAt',
                '#owner': 'owner',
                '#ttl': 'ttl',
                '#version': 'version',
              },
              ExpressionAttributeValues: {
                ':now': at,
                ':owner': owner,
                ':expiresAt': expiresAt,
                ':ttl': epochSeconds(expiresAt) + leaseRetentionSeconds,
                ':one': 1,
              },
              ReturnValues: 'ALL_NEW',
            }),
          ),
        );
        return leaseToken(output.Attributes);
      } catch (error) {
        if (isConditionFailure(error)) return undefined;
        throw error;
      }
    },

    async fenceLease(poolKey, held, ttlMs, at) {
      checkLeaseRequest(held.owner, ttlMs, at);
      const expiresAt = at + ttlMs;
      try {
        await call('fenceLease', `pool ${poolKey}`, () =>
          documents.send(
            new UpdateCommand({
              TableName: tableName,
              Key: { pk: leaseKey(poolKey) },
              UpdateExpression: 'SET #expiresAt = :expiresAt, #ttl = :ttl',
              ConditionExpression: '#owner = :owner AND #version = :version AND #expiresAt >= :now',
              ExpressionAttributeNames: {
                '#expiresAt': 'expiresAt',
                '#owner': 'owner',
                '#ttl': 'ttl',
                '#version': 'version',
              },
              ExpressionAttributeValues: {
                ':now': at,
                ':owner': held.owner,
                ':version': held.version,
                ':expiresAt': expiresAt,
                ':ttl': epochSeconds(expiresAt) + leaseRetentionSeconds,
              },
            }),
          ),
        );
        return { ...held, expiresAt };
      } catch (error) {
        if (isConditionFailure(error)) return undefined;
        throw error;
      }
    },

    // Expires the lease rather than deleting it, so the version stays and the next holder's lease is newer.
    async releaseLease(poolKey, owner) {
      try {
        await call('releaseLease', `pool ${poolKey}`, () =>
          documents.send(
            new UpdateCommand({
              TableName: tableName,
              Key: { pk: leaseKey(poolKey) },
              UpdateExpression: 'SET #expiresAt = :zero',
              ConditionExpression: '#owner = :owner',
              ExpressionAttributeNames: { '#owner': 'owner', '#expiresAt': 'expiresAt' },
              ExpressionAttributeValues: { ':owner': owner, ':zero': 0 },
            }),
          ),
        );
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    },

    // GetItem and an unconditional UpdateItem: the actions the roles already have for histories and leases.
    async loadShared(key) {
      const { Item } = await call('loadShared', `shared item ${key}`, () =>
        documents.send(new GetCommand({ TableName: tableName, Key: { pk: sharedKey(key) } })),
      );
      return readSharedItem(live(Item));
    },

    async saveShared(key, value, at) {
      await call('saveShared', `shared item ${key}`, () =>
        documents.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { pk: sharedKey(key) },
            UpdateExpression: 'SET #value = :value, #at = :at, #ttl = :ttl',
            ExpressionAttributeNames: { '#value': 'value', '#at': 'at', '#ttl': 'ttl' },
            ExpressionAttributeValues: {
              ':value': value,
              ':at': at,
              ':ttl': epochSeconds(now()) + sharedTtlSeconds,
            },
          }),
        ),
      );
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

// The DynamoDB store's loadMany: history items read 100 keys per BatchGetItem (DynamoDB's limit), a few
// requests at once, strongly consistent like a single load. Keys DynamoDB leaves unprocessed (throttling, or
// the 16 MB response limit) are asked for again after a growing pause; a request that fails, or keys still
// unprocessed after the last attempt, fail those keys only.

import { setTimeout as sleep } from 'node:timers/promises';
import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { forEachBounded } from '../bounded';
import { StateStoreError } from './errors';
import { asStateStoreError } from './load-many';
import type { LoadedHistories, StoredHistory } from './store';

/** DynamoDB's limit of keys per BatchGetItem. */
export const BATCH_GET_KEYS = 100;
/** BatchGetItems in flight at once for one loadMany. */
export const BATCH_GETS_AT_ONCE = 8;
/**
 * Requests for one batch, the first included, while DynamoDB leaves keys unprocessed (throttling). Each is an
 * AWS call of up to AWS_CALL_ATTEMPTS attempts itself; the worker's timeout has room for 3.
 */
export const BATCH_GET_ATTEMPTS = 3;
/** The bound of the random pause before attempt `attempt` (2 and up): 200 ms, then 400 ms. */
export const batchGetPauseBoundMs = (attempt: number): number => Math.min(1_000, 50 * 2 ** attempt);
const pause = (attempt: number) => sleep(Math.random() * batchGetPauseBoundMs(attempt));

export interface BatchHistoryLoaderOptions {
  tableName: string;
  documents: DynamoDBDocumentClient;
  historyKey: (poolKey: string) => string;
  /** The stored history of an item as read (undefined: none), as `load` returns it; may throw. */
  toStored: (poolKey: string, item: Record<string, unknown> | undefined) => StoredHistory;
}

export function batchHistoryLoader(options: BatchHistoryLoaderOptions) {
  const { tableName, documents, historyKey, toStored } = options;

  const settle = (loaded: LoadedHistories, poolKey: string, item: Record<string, unknown> | undefined) => {
    try {
      loaded.set(poolKey, toStored(poolKey, item));
    } catch (error) {
      loaded.set(poolKey, asStateStoreError(poolKey, error));
    }
  };

  /** One batch of at most BATCH_GET_KEYS distinct keys, into `loaded`. */
  async function loadBatch(poolKeys: readonly string[], loaded: LoadedHistories): Promise<void> {
    // By item key; what is left after a round is what DynamoDB did not process.
    const pending = new Map(poolKeys.map((poolKey) => [historyKey(poolKey), poolKey]));
    for (let attempt = 1; pending.size > 0; attempt++) {
      if (attempt > BATCH_GET_ATTEMPTS) {
        const error = new StateStoreError(
          `DynamoDB left ${pending.size} history item(s) unprocessed after ${BATCH_GET_ATTEMPTS} BatchGetItem ` +
            `attempts (table ${tableName})`,
        );
        for (const poolKey of pending.values()) loaded.set(poolKey, error);
        return;
      }
      if (attempt > 1) await pause(attempt);
      const output = await documents.send(
        new BatchGetCommand({
          RequestItems: {
            [tableName]: { Keys: [...pending.keys()].map((pk) => ({ pk })), ConsistentRead: true },
          },
        }),
      );
      for (const item of output.Responses?.[tableName] ?? []) {
        const poolKey = pending.get(String(item.pk));
        if (poolKey === undefined) continue;
        pending.delete(String(item.pk));
        settle(loaded, poolKey, item);
      }
      const unprocessed = new Set(
        (output.UnprocessedKeys?.[tableName]?.Keys ?? []).map((key) => String(key.pk)),
      );
      // Neither returned nor left unprocessed: there is no such item.
      for (const [pk, poolKey] of pending)
        if (!unprocessed.has(pk)) {
          pending.delete(pk);
          settle(loaded, poolKey, undefined);
        }
    }
  }

  return async function loadMany(poolKeys: readonly string[]): Promise<LoadedHistories> {
    const distinct = [...new Set(poolKeys)];
    const batches: string[][] = [];
    for (let i = 0; i < distinct.length; i += BATCH_GET_KEYS)
      batches.push(distinct.slice(i, i + BATCH_GET_KEYS));
    const loaded: LoadedHistories = new Map();
    await forEachBounded(batches, BATCH_GETS_AT_ONCE, async (batch) => {
      try {
        await loadBatch(batch, loaded);
      } catch (cause) {
        const error = new StateStoreError(
          `DynamoDB BatchGetItem failed for ${batch.length} pool(s), ${batch[0]} first (table ${tableName})`,
          { cause },
        );
        for (const poolKey of batch) if (!loaded.has(poolKey)) loaded.set(poolKey, error);
      }
    });
    return loaded;
  };
}

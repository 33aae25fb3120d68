// The ReplayGuard in the state table: one item per signature, `replay#<sha256 of the signature>`, written
// with a conditional put so that DynamoDB itself decides which of two racing invocations was first. The
// item carries a TTL (`ttl`, epoch seconds) past the end of the signature's freshness window; a request
// signed that long ago is refused for its timestamp, so the item is never needed after that.

import { createHash } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionFailure } from './dynamodb';
import { StateStoreError } from './errors';
import type { ReplayGuard } from './replay';

export interface DynamoDbReplayGuardOptions {
  client: DynamoDBClient;
  tableName: string;
  /** Keep items this long past `until` before DynamoDB may delete them (clock skew between instances). */
  retentionSeconds?: number;
}

/** The item key of a signature: hashed, so the table holds no usable proof and every key has one length. */
export const replayKey = (signature: string): string =>
  `replay#${createHash('sha256').update(signature).digest('hex')}`;

export function createDynamoDbReplayGuard(options: DynamoDbReplayGuardOptions): ReplayGuard {
  const { tableName, retentionSeconds = 3600 } = options;
  const documents = DynamoDBDocumentClient.from(options.client);
  return {
    async claim(signature, until) {
      try {
        await documents.send(
          new PutCommand({
            TableName: tableName,
            Item: {
              pk: replayKey(signature),
              expiresAt: until,
              ttl: Math.ceil(until / 1000) + retentionSeconds,
            },
            ConditionExpression: 'attribute_not_exists(#pk)',
            ExpressionAttributeNames: { '#pk': 'pk' },
          }),
        );
        return true;
      } catch (cause) {
        if (isConditionFailure(cause)) return false;
        throw new StateStoreError(`DynamoDB replay claim failed (table ${tableName})`, { cause });
      }
    },
  };
}

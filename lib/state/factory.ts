import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDynamoDbStateStore } from './dynamodb';
import { createFileStateStore } from './file';
import { createMemoryStateStore } from './memory';
import type { StateStore } from './store';

/** Which store to build; the config's `state` section is one (the config depends on the state layer, not back). */
export type StateStoreSpec =
  | { type: 'memory' }
  | { type: 'file'; path: string }
  | { type: 'dynamodb'; tableName: string; region?: string | undefined; endpoint?: string | undefined };

export interface StateStoreDependencies {
  /** Reuse a client (one per Lambda cold start); default a new one from state.region / state.endpoint. */
  dynamoDbClient?: DynamoDBClient;
  /** Clock for DynamoDB TTLs. */
  now?: () => number;
}

/** The StateStore the config asks for. */
export function createStateStore(
  state: StateStoreSpec,
  dependencies: StateStoreDependencies = {},
): StateStore {
  switch (state.type) {
    case 'memory':
      return createMemoryStateStore();
    case 'file':
      return createFileStateStore({ path: state.path });
    case 'dynamodb':
      return createDynamoDbStateStore({
        client:
          dependencies.dynamoDbClient ??
          new DynamoDBClient({ region: state.region, endpoint: state.endpoint }),
        tableName: state.tableName,
        now: dependencies.now,
      });
  }
}

// The state store of a function: DynamoDB in AWS (the stack's table, through AUTOSCALER_STATE_TABLE), or
// memory for `osls invoke local`. A state file cannot work in Lambda: the task folder is read-only, and /tmp
// belongs to one execution environment, so two instances would each hold "the" lease and PATCH twice.
// Keeping lib/state/file.ts out of here also keeps it (and node:os, node:path) out of the bundles.

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { StateConfig } from '../config/types';
import { createDynamoDbStateStore } from '../state/dynamodb';
import { createMemoryStateStore } from '../state/memory';
import type { StateStore } from '../state/store';
import { awsClientSettings } from './sdk-settings';

export class FunctionStateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FunctionStateError';
  }
}

export function functionStateStore(state: StateConfig): StateStore {
  switch (state.type) {
    case 'memory':
      return createMemoryStateStore();
    case 'dynamodb':
      return createDynamoDbStateStore({
        client: new DynamoDBClient({
          region: state.region,
          endpoint: state.endpoint,
          ...awsClientSettings(),
        }),
        tableName: state.tableName,
      });
    case 'file':
      throw new FunctionStateError(
        `state.type "file" (${state.path}) does not work in a Lambda function, whose files are read-only ` +
          'and not shared between instances: set state.type to "dynamodb", or deploy with the stack, whose ' +
          'AUTOSCALER_STATE_TABLE selects its table ("memory" is for osls invoke local)',
      );
  }
}

// The state store of a function: DynamoDB in AWS (the stack's table, through AUTOSCALER_STATE_TABLE), or
// memory for `osls invoke local`. A state file cannot work in Lambda: the task folder is read-only, and /tmp
// belongs to one execution environment, so two instances would each hold "the" lease and PATCH twice.
// Keeping lib/state/file.ts out of here also keeps it (and node:os, node:path) out of the bundles.
// The webhook's replay guard lives in the same place, for the same reasons.

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { StateConfig } from '../config/types';
import { createDynamoDbStateStore } from '../state/dynamodb';
import { createMemoryStateStore } from '../state/memory';
import { createMemoryReplayGuard, type ReplayGuard } from '../state/replay';
import { createDynamoDbReplayGuard } from '../state/replay-dynamodb';
import type { StateStore } from '../state/store';
import { AwsError } from './errors';
import { awsClientSettings } from './sdk-settings';

export class FunctionStateError extends AwsError {
  constructor(message: string) {
    super(message);
    this.name = 'FunctionStateError';
  }
}

type DynamoDbState = Extract<StateConfig, { type: 'dynamodb' }>;
type FileState = Extract<StateConfig, { type: 'file' }>;

// One client per state config, so that the store and the replay guard of a cold start share connections.
const clients = new WeakMap<DynamoDbState, DynamoDBClient>();

function dynamoDbClient(state: DynamoDbState, given?: DynamoDBClient): DynamoDBClient {
  let client = clients.get(state);
  if (!client) {
    client =
      given ?? new DynamoDBClient({ region: state.region, endpoint: state.endpoint, ...awsClientSettings() });
    clients.set(state, client);
  }
  return client;
}

const fileStateError = (state: FileState) =>
  new FunctionStateError(
    `state.type "file" (${state.path}) does not work in a Lambda function, whose files are read-only ` +
      'and not shared between instances: set state.type to "dynamodb", or deploy with the stack, whose ' +
      'AUTOSCALER_STATE_TABLE selects its table ("memory" is for osls invoke local)',
  );

/** `client`: the state table's client, instead of one built from the config's region and endpoint. */
export function functionStateStore(state: StateConfig, client?: DynamoDBClient): StateStore {
  switch (state.type) {
    case 'memory':
      return createMemoryStateStore();
    case 'dynamodb':
      return createDynamoDbStateStore({ client: dynamoDbClient(state, client), tableName: state.tableName });
    case 'file':
      throw fileStateError(state);
  }
}

/** The signatures the webhook already accepted, kept where the state is (on the same client). */
export function functionReplayGuard(state: StateConfig, client?: DynamoDBClient): ReplayGuard {
  switch (state.type) {
    case 'memory':
      return createMemoryReplayGuard();
    case 'dynamodb':
      return createDynamoDbReplayGuard({ client: dynamoDbClient(state, client), tableName: state.tableName });
    case 'file':
      throw fileStateError(state);
  }
}

// The state store of the cycle-cost bench: the DynamoDB store against dynalite in this process, a fresh
// table per run, with the DynamoDB requests counted by command.

import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { awsClientSettings } from '../lib/aws/sdk-settings';
import { createDynamoDbStateStore, createStateTable } from '../lib/state/dynamodb';
import type { StateStore } from '../lib/state/store';

export interface DynaliteState {
  /** A store on a new, empty table; `requests` counts what it sends from now on, by command. */
  freshStore(): Promise<{ store: StateStore; requests: () => Record<string, number> }>;
  close(): Promise<void>;
}

export async function startDynaliteState(): Promise<DynaliteState> {
  const server = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    ...awsClientSettings(),
  });
  let counts: Record<string, number> = {};
  client.middlewareStack.add(
    (next, context) => (args) => {
      const command = String(context.commandName).replace(/Command$/, '');
      counts[command] = (counts[command] ?? 0) + 1;
      return next(args);
    },
    { step: 'initialize', name: 'benchRequestCount' },
  );
  let tables = 0;
  return {
    async freshStore() {
      const tableName = `bench-state-${++tables}`;
      await createStateTable(client, tableName);
      counts = {};
      return { store: createDynamoDbStateStore({ client, tableName }), requests: () => ({ ...counts }) };
    },
    async close() {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

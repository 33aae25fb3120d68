// A dynalite server on a free local port with the state table created, and a client for it: DynamoDB for
// the tests, over HTTP.

import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { createStateTable } from '../../lib/state/dynamodb';

export interface DynaliteTable {
  endpoint: string;
  client: DynamoDBClient;
  /** Destroys the client and stops the server. */
  close(): Promise<void>;
}

export async function startDynaliteTable(tableName: string): Promise<DynaliteTable> {
  const server = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  await createStateTable(client, tableName);
  return {
    endpoint,
    client,
    close: async () => {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

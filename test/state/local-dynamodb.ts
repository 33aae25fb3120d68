// A DynamoDB of the tests' own: dynalite on a free loopback port, with the state table created, and clients
// for it (test credentials, so no environment is needed).

import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { createStateTable } from '../../lib/state/dynamodb';

export interface LocalDynamoDb {
  endpoint: string;
  /** A new client of this server. */
  client(): DynamoDBClient;
  close(): Promise<void>;
}

export async function startLocalDynamoDb(stateTable: string, region: string): Promise<LocalDynamoDb> {
  const server = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = () =>
    new DynamoDBClient({ endpoint, region, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  const admin = client();
  await createStateTable(admin, stateTable);
  admin.destroy();
  return {
    endpoint,
    client,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

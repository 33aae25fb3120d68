// The state store of the cycle-cost bench: the DynamoDB store against dynalite, a fresh table per run, with
// the DynamoDB requests counted by command. dynalite runs in a child process by default (as DynamoDB runs
// elsewhere, its CPU is not the functions'), with an explicit latency added to every request; or in this
// process, to measure what that costs.

import { fork } from 'node:child_process';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
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

export interface DynaliteStateOptions {
  /** Where dynalite runs: 'child' (default) or 'in-process' (sharing the functions' CPU). */
  where?: DynaliteProcess;
  /** Added to every DynamoDB request before it is sent, as network and service time. Default 0. */
  latencyMs?: number;
}

export type DynaliteProcess = 'child' | 'in-process';

interface Server {
  port: number;
  close(): Promise<void>;
}

async function inProcess(): Promise<Server> {
  const server = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function inChild(): Promise<Server> {
  const child = fork(join(import.meta.dirname, 'dynalite-server.ts'), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const [message] = (await Promise.race([
    once(child, 'message'),
    once(child, 'exit').then(() => {
      throw new Error('bench/dynalite-server.ts exited before it listened');
    }),
  ])) as [{ port: number }];
  return {
    port: message.port,
    async close() {
      const exited = once(child, 'exit');
      child.disconnect();
      await exited;
    },
  };
}

export async function startDynaliteState(options: DynaliteStateOptions = {}): Promise<DynaliteState> {
  const server = options.where === 'in-process' ? await inProcess() : await inChild();
  const latencyMs = options.latencyMs ?? 0;
  const client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${server.port}`,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    ...awsClientSettings(),
  });
  let counts: Record<string, number> = {};
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = String(context.commandName).replace(/Command$/, '');
      counts[command] = (counts[command] ?? 0) + 1;
      if (latencyMs > 0) await sleep(latencyMs);
      return next(args);
    },
    { step: 'initialize', name: 'benchRequestCountAndLatency' },
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
      await server.close();
    },
  };
}

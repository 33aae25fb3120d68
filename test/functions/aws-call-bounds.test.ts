// The AWS SDK clients the functions build give up on a service that does not answer, within a bound the
// function timeouts are sized on (test/template/time-budget.test.ts): the SDK's defaults wait forever.

import type { AddressInfo } from 'node:net';
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  AWS_CALL_ATTEMPTS,
  AWS_CONNECTION_TIMEOUT_MS,
  AWS_REQUEST_TIMEOUT_MS,
} from '../../lib/aws/sdk-settings';
import { functionStateStore } from '../../lib/aws/state-store';
import { StateStoreError } from '../../lib/state/errors';

let server: Server;
const sockets = new Set<Socket>();

beforeEach(async () => {
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
  // Accepts connections and reads requests, never answers.
  server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.resume();
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
});
afterEach(async () => {
  vi.unstubAllEnvs();
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((done) => server.close(() => done()));
});

describe('the state store of a function', () => {
  it('gives up on a DynamoDB endpoint that never answers, within the attempts and timeouts it is set to', async () => {
    const { port } = server.address() as AddressInfo;
    const store = functionStateStore({
      type: 'dynamodb',
      tableName: 'state',
      region: 'eu-west-1',
      endpoint: `http://127.0.0.1:${port}`,
    });
    const started = performance.now();
    const error = await store.load('project/pool').catch((e: unknown) => e);
    const elapsed = performance.now() - started;

    expect(error).toBeInstanceOf(StateStoreError);
    // Attempts of at most connection + request timeout each; 1 s for the SDK's backoff and a busy machine.
    expect(elapsed).toBeLessThan(
      AWS_CALL_ATTEMPTS * (AWS_CONNECTION_TIMEOUT_MS + AWS_REQUEST_TIMEOUT_MS) + 1_000,
    );
    expect(elapsed).toBeGreaterThanOrEqual(AWS_REQUEST_TIMEOUT_MS);
  });
});

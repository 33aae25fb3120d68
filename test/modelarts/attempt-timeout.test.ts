// One attempt, response headers and body together, ends within the client's timeout. The lease deadline
// leaves exactly one attempt's timeout (and the clock-skew allowance) before the lease ends, so an attempt
// that could take a timeout for its headers and another for its body would outlive the lease.

import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createModelArtsClient } from '../../lib/modelarts/client';
import {
  ModelArtsDeadlineError,
  ModelArtsTimeoutError,
  RetryBudgetExceededError,
} from '../../lib/modelarts/errors';

const TIMEOUT_MS = 1_000;
const FIXTURE = resolve(import.meta.dirname, '../fixtures/modelarts/get-pool.response-200.json');

let server: Server | undefined;
const sockets = new Set<Socket>();
afterEach(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
  server = undefined;
});

/** Sends the headers after `headersAfter` ms and the body's last byte `bodyAfter` ms after that. */
async function slowServer(body: string, headersAfter: number, bodyAfter: number): Promise<string> {
  server = createServer((_req, res) => {
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.write(body.slice(0, 10));
      setTimeout(() => res.end(body.slice(10)), bodyAfter);
    }, headersAfter);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((done) => server?.listen(0, '127.0.0.1', done));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('one attempt', () => {
  it('is not sent when getting its token took it past the deadline', async () => {
    const body = await readFile(FIXTURE, 'utf8');
    const name = (JSON.parse(body) as { metadata: { name: string } }).metadata.name;
    const url = await slowServer(body, 0, 0);
    let requests = 0;
    server?.on('request', () => requests++);
    const clock = { t: 1_800_000_000_000 };
    const deadline = { at: clock.t + 1_000, now: () => clock.t };
    const client = createModelArtsClient({
      projectId: 'p',
      endpoint: url,
      now: () => clock.t,
      // A token refresh (an IAM round trip) that ends after the deadline.
      auth: {
        type: 'token',
        provider: {
          getToken: async () => {
            clock.t += 2_000;
            return 'token';
          },
          invalidate: () => undefined,
        },
      },
    });

    const error = await client.getPool(name, { deadline }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ModelArtsDeadlineError);
    expect(requests).toBe(0);
  });

  it('times out when its headers and its body each arrive within the timeout but not both together', async () => {
    const body = await readFile(FIXTURE, 'utf8');
    const name = (JSON.parse(body) as { metadata: { name: string } }).metadata.name;
    const url = await slowServer(body, 0.6 * TIMEOUT_MS, 0.6 * TIMEOUT_MS);
    const client = createModelArtsClient({
      projectId: 'p',
      endpoint: url,
      auth: { type: 'none' },
      timeoutMs: TIMEOUT_MS,
      retry: { limit: 0 },
    });

    const started = performance.now();
    const error = await client.getPool(name).catch((e: unknown) => e);
    const elapsed = performance.now() - started;

    expect(error).toBeInstanceOf(RetryBudgetExceededError);
    expect((error as Error).cause).toBeInstanceOf(ModelArtsTimeoutError);
    // The timer fires at TIMEOUT_MS; the margin is for a busy machine, well under the 1.2 s a body read
    // timed on its own would allow.
    expect(elapsed).toBeLessThan(TIMEOUT_MS + 150);
    expect(client.attemptTimeoutMs).toBe(TIMEOUT_MS);
  });
});

// A small real HTTP server on 127.0.0.1 for the HTTP-based sources: answers JSON through a handler
// and records every request, so tests can count reads and check headers. Plus the request helpers
// those tests share.

import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type BacklogRequest, readBacklogs } from '../../lib/metrics/read';
import type { BacklogSourceConfig } from '../../lib/metrics/registry';

export interface SeenRequest {
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
}

/** A JSON answer, a raw text answer, or `hang` to never answer (the socket is destroyed on close). */
export type Answer = { status?: number; body: unknown } | { status?: number; text: string } | 'hang';

export interface JsonServer {
  url: string;
  requests: SeenRequest[];
  /** Requests being answered right now, and the most there ever were at once. */
  inFlight: { now: number; max: number };
  close(): Promise<void>;
}

export async function startJsonServer(
  handle: (request: SeenRequest) => Answer | Promise<Answer>,
): Promise<JsonServer> {
  const requests: SeenRequest[] = [];
  const inFlight = { now: 0, max: 0 };
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const seen = { path: url.pathname, query: url.searchParams, headers: req.headers };
    requests.push(seen);
    inFlight.now += 1;
    inFlight.max = Math.max(inFlight.max, inFlight.now);
    const answer = await handle(seen);
    if (answer === 'hang') return;
    inFlight.now -= 1;
    res.writeHead(answer.status ?? 200, {
      'content-type': 'text' in answer ? 'text/html' : 'application/json',
    });
    res.end('text' in answer ? answer.text : JSON.stringify(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    inFlight,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A request for `flavor` of pool-a, optionally narrowed to an AZ. */
export const poolARequest = (flavor: string, source: BacklogSourceConfig, az?: string): BacklogRequest => ({
  pool: 'pool-a',
  flavor,
  source,
  ...(az ? { az } : {}),
});

/** One cycle's reads at `now`, with credential variables served from `env`. */
export const readWithEnv = (requests: BacklogRequest[], now: number, env: Record<string, string> = {}) =>
  readBacklogs(requests, { now: () => now, deps: { env: (name) => env[name] } });

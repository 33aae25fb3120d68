// The HTTP health endpoints of `run`, for a container's HEALTHCHECK and an orchestrator's probes:
// /healthz answers 200 while the process serves at all, /readyz 200 or 503 with a JSON reason.

import { createServer, type Server } from 'node:http';
import { CliError } from '../errors';
import type { Readiness } from './readiness';

export class HealthServerError extends CliError {
  override readonly name = 'HealthServerError';
}

export interface HealthServer {
  url: string;
  close(): Promise<void>;
}

const send = (response: import('node:http').ServerResponse, status: number, body: unknown) => {
  response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  response.end(`${JSON.stringify(body)}\n`);
};

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

export async function startHealthServer(
  port: number,
  host: string,
  ready: () => Readiness,
): Promise<HealthServer> {
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://health.invalid').pathname;
    if (request.method !== 'GET' && request.method !== 'HEAD')
      return send(response, 405, { error: `${request.method} is not allowed; use GET` });
    if (path === '/healthz') return send(response, 200, { status: 'up' });
    if (path === '/readyz') {
      const answer = ready();
      return send(response, answer.ready ? 200 : 503, answer);
    }
    return send(response, 404, { error: `no route ${path}; try /healthz or /readyz` });
  });
  // Probes open a connection each time; idle ones must not hold the process at exit.
  server.keepAliveTimeout = 1000;
  try {
    await listen(server, port, host);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw new HealthServerError(
      `cannot serve health checks on ${host}:${port} (${code ?? 'listen failed'}): pick another --health-port, or 0 for none`,
      { cause },
    );
  }
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

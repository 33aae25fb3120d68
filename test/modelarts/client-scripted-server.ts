// A tiny scripted HTTP server on 127.0.0.1 for what the emulator does not do: exact wire capture per
// attempt, arbitrary error bodies and headers (HTTP-date Retry-After, the `{"error":{...}}` shape), a
// connection dropped half-way through a body.

import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface CapturedRequest {
  method: string;
  /** Path and query exactly as received. */
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export type Reply =
  | { status: number; headers?: Record<string, string>; body?: unknown }
  /** Close the socket before any response. */
  | { drop: true }
  /** Send headers and half a body, then close the socket. */
  | { dropMidBody: true }
  /** Never answer. */
  | { hang: true };

export interface ScriptedServer {
  url: string;
  requests: CapturedRequest[];
  close(): Promise<void>;
}

function send(
  res: ServerResponse,
  reply: { status: number; headers?: Record<string, string>; body?: unknown },
) {
  const text =
    reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
  res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
  res.end(text);
}

/** Answers each request with `script(request, index)`; `index` counts requests from 0. */
export async function startScriptedServer(
  script: (request: CapturedRequest, index: number) => Reply,
): Promise<ScriptedServer> {
  const requests: CapturedRequest[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const captured: CapturedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(captured);
      const reply = script(captured, requests.length - 1);
      if ('drop' in reply) req.socket.destroy();
      else if ('dropMidBody' in reply) {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
        res.write('{"items":[', () => req.socket.destroy());
      } else if ('status' in reply) send(res, reply);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

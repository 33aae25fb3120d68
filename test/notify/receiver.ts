// A notification receiver on 127.0.0.1, as a team would run one: it reads the raw body and checks the
// signature headers the way the README tells receivers to (lib/aws/webhook-signature.ts's verifyWebhook).

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhook } from '../../lib/aws/webhook-signature';
import type { NotificationMessage } from '../../lib/notify/types';

export interface Received {
  headers: Record<string, string | undefined>;
  body: string;
  /** Whether the signature verified with the receiver's secret. */
  verified: boolean;
  message: NotificationMessage;
}

export type Behaviour = 'accept' | 'fail' | 'hang';

export interface Receiver {
  url: string;
  received: Received[];
  /** Messages that verified, in order. */
  messages(): NotificationMessage[];
  behave(behaviour: Behaviour): void;
  close(): Promise<void>;
}

const readBody = (request: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });

export async function startReceiver(
  secret: string,
  now: () => number,
  path = '/hooks/autoscaler',
): Promise<Receiver> {
  let behaviour: Behaviour = 'accept';
  const received: Received[] = [];
  const hanging = new Set<ServerResponse>();
  const server = createServer(async (request, response) => {
    const body = await readBody(request);
    const headers = request.headers as Record<string, string | undefined>;
    const verified = verifyWebhook({ headers, rawBody: body, secrets: [secret], now: now() }).ok;
    received.push({ headers, body, verified, message: JSON.parse(body) as NotificationMessage });
    if (behaviour === 'hang') {
      hanging.add(response);
      return;
    }
    response.statusCode = behaviour === 'fail' ? 500 : verified ? 204 : 401;
    response.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    received,
    messages: () => received.filter((r) => r.verified).map((r) => r.message),
    behave: (next) => {
      behaviour = next;
    },
    close: async () => {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// The webhook receiver: POST the message as JSON, signed like the inbound webhook (lib/aws/webhook-signature.ts):
//   X-Autoscaler-Timestamp: <Unix seconds>
//   X-Autoscaler-Signature: sha256=<hex HMAC-SHA256(secret, `${timestamp}.` + body)>
// with its own secret. One retry at most (a refused connection or a 5xx), all within the cycle's budget.

import ky, { isHTTPError, isTimeoutError } from 'ky';
import { signWebhook } from '../aws/webhook-signature';
import { NotifyError } from './errors';
import type { NotifyChannel } from './types';

export interface WebhookChannelOptions {
  url: string;
  /** The current signing secret (read through its cache, so a rotation is picked up). */
  secret: () => Promise<string>;
  /** The most one message may take, its retry included. */
  timeoutMs: number;
  now?: () => number;
}

/** What a failure says: the host, never the path or query (either may carry a token). */
function describe(error: unknown, timeoutMs: number): string {
  if (isHTTPError(error)) return `answered HTTP ${error.response.status}`;
  if (isTimeoutError(error)) return `no answer within ${timeoutMs} ms`;
  if (error instanceof Error && error.name === 'AbortError') return 'cut off by the cycle budget';
  return 'could not be reached';
}

export function webhookChannel(options: WebhookChannelOptions): NotifyChannel {
  const now = options.now ?? Date.now;
  const host = new URL(options.url).host;
  const name = `webhook ${host}`;
  return {
    name,
    async send(_message, body, signal) {
      let secret: string;
      try {
        secret = await options.secret();
      } catch (error) {
        throw new NotifyError(name, 'no signing secret could be read', { cause: error });
      }
      try {
        await ky.post(options.url, {
          body,
          headers: { 'content-type': 'application/json', ...signWebhook(secret, body, now()) },
          // Half the budget per attempt, so the one retry fits in it.
          timeout: Math.max(50, Math.floor(options.timeoutMs / 2)),
          totalTimeout: options.timeoutMs,
          retry: { limit: 1, methods: ['post'], backoffLimit: 200 },
          signal,
        });
      } catch (error) {
        // No cause: ky's errors carry the request, URL included.
        throw new NotifyError(name, describe(error, options.timeoutMs));
      }
    },
  };
}

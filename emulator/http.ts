import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';

export function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(chunks.length === 0 ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export const newRequestId = () => randomBytes(16).toString('hex');

/**
 * Answers with a JSON body. `malformed` cuts the text in half, so the client sees a complete HTTP response whose
 * body is not valid JSON.
 */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
  malformed = false,
): void {
  const full = body === undefined ? '' : JSON.stringify(body);
  const text = malformed ? full.slice(0, Math.max(1, Math.floor(full.length / 2))) : full;
  res.writeHead(status, {
    ...headers,
    ...(text === '' ? {} : { 'Content-Type': 'application/json;charset=UTF-8' }),
    'Content-Length': String(Buffer.byteLength(text)),
  });
  res.end(text);
}

/** Header values exactly as sent, repeated headers joined. */
export function flatHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

// What the function tests read and check: the events/ samples, the sample config pointed at a real
// emulator, a Lambda context, the stdout lines (JSON logs and EMF metrics) a test produced, and the
// emulator's requests. The hooks every function test file registers are in function-tests.ts.

import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Context } from 'aws-lambda';
import { vi } from 'vitest';
import { parse } from 'yaml';
import type { Emulator } from '../../emulator/server';
import { configFromDocument } from '../../lib/aws/bundled-config';
import type { Config } from '../../lib/config';

const ROOT = resolve(import.meta.dirname, '../..');

/** The documented demo secret events/webhook.json is signed with (never use it for real). */
export const DEMO_WEBHOOK_SECRET = 'demo-webhook-secret-do-not-use';
export const SAMPLE_POOL = 'single-flavor-pool-0705efad9717089d4c42847b9d448003';
export const SAMPLE_FLAVOR = 'modelarts.vm.cpu.4ud';
export const MULTI_POOL = 'multi-gpu-pool-fb414673d35cd05c56b692b7599755e9';
export const NOW = Date.UTC(2025, 0, 15, 12, 0, 0);

export async function readEvent<T>(name: 'scheduled' | 'worker' | 'webhook' | 'plan'): Promise<T> {
  return JSON.parse(await readFile(resolve(ROOT, 'events', `${name}.json`), 'utf8')) as T;
}

export type ConfigDocument = Record<string, unknown> & { pools: Record<string, unknown>[] };

/** events/autoscaler.yaml, with top-level fields replaced (or the document rewritten), against the emulator. */
export async function sampleConfig(
  endpoint: string,
  change: Record<string, unknown> | ((document: ConfigDocument) => Record<string, unknown>) = {},
): Promise<Config> {
  const document = parse(
    await readFile(resolve(ROOT, 'events', 'autoscaler.yaml'), 'utf8'),
  ) as ConfigDocument;
  const changed = typeof change === 'function' ? change(document) : { ...document, ...change };
  return configFromDocument(changed, { AUTOSCALER_ENDPOINT: endpoint });
}

export function lambdaContext(requestId = 'req-1'): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'modelarts-autoscaler-test',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:modelarts-autoscaler-test',
    memoryLimitInMB: '512',
    awsRequestId: requestId,
    logGroupName: '/aws/lambda/modelarts-autoscaler-test',
    logStreamName: 'test',
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** What the function wrote (Powertools logs, EMF on stdout, warnings on stderr), as parsed JSON lines. */
export function captureOutput(): { lines(): Record<string, unknown>[]; restore(): void } {
  const written: string[] = [];
  const record = (chunk: string | Uint8Array) => {
    written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  };
  const spies = [
    vi.spyOn(process.stdout, 'write').mockImplementation(record),
    vi.spyOn(process.stderr, 'write').mockImplementation(record),
  ];
  return {
    lines: () =>
      written
        .join('')
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    restore: () => {
      for (const spy of spies) spy.mockRestore();
    },
  };
}

export const patchRequests = (emulator: Emulator) =>
  emulator.requests.filter((request) => request.route === 'patchPool');

/** The flavor counts the PATCH bodies sent to a pool asked for. */
export const patchedCounts = (emulator: Emulator, pool: string) =>
  patchRequests(emulator)
    .filter((request) => request.path.endsWith(`/pools/${pool}`))
    .map(
      (request) =>
        (JSON.parse(request.body ?? '{}') as { spec: { resources: { flavor: string; count: number }[] } })
          .spec.resources,
    );

/** The decision records a run logged. */
export const decisions = (lines: Record<string, unknown>[]) =>
  lines
    .filter((line) => line.message === 'pool decision')
    .map((line) => line.decision as Record<string, unknown>);

/** The EMF documents a run emitted. */
export const emfDocuments = (lines: Record<string, unknown>[]) => lines.filter((line) => '_aws' in line);

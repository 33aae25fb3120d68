// The worker's queue settings as serverless.yml deploys them (its defaults: no --param), so that the
// cycle-cost bench runs workers the way the stack does: `batchSize` records per invocation, at most
// `concurrency` invocations at once.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';

export interface WorkerSettings {
  batchSize: number;
  /** Reserved concurrency (the queue's maximum concurrency is the same parameter). */
  concurrency: number;
}

type Node = Record<string, unknown>;

const at = (node: unknown, path: readonly string[]): unknown =>
  path.reduce<unknown>((value, key) => (value as Node | undefined)?.[key], node);

/** A whole-value `${self:a.b}` or `${param:x}` (the default stage's) reference, resolved; anything else as is. */
function resolve(document: Node, value: unknown, depth = 0): unknown {
  const match = typeof value === 'string' ? /^\$\{(self|param):([\w.]+)\}$/.exec(value) : null;
  if (!match || depth > 5) return value;
  const [, kind, path = ''] = match;
  const target = kind === 'self' ? at(document, path.split('.')) : at(document, ['params', 'default', path]);
  return resolve(document, target, depth + 1);
}

const whole = (value: unknown, what: string): number => {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1)
    throw new Error(`serverless.yml: ${what} is not a whole number (${JSON.stringify(value)})`);
  return value;
};

export async function workerSettings(root = join(import.meta.dirname, '..')): Promise<WorkerSettings> {
  // CloudFormation tags (!Ref, !GetAtt) are left unresolved: only plain values are read here.
  const document = parse(await readFile(join(root, 'serverless.yml'), 'utf8'), {
    logLevel: 'silent',
  }) as Node;
  const worker = at(document, ['functions', 'worker']) as Node;
  const events = (worker.events ?? []) as Node[];
  const sqs = events.map((event) => event.sqs as Node | undefined).find(Boolean);
  return {
    batchSize: whole(resolve(document, sqs?.batchSize), 'functions.worker sqs batchSize'),
    concurrency: whole(resolve(document, worker.reservedConcurrency), 'functions.worker reservedConcurrency'),
  };
}

// The SQS FIFO message the scheduled function sends per pool when it fans out, and the worker reads.
// MessageGroupId = project/pool: pools are worked on in parallel, each pool by one worker at a time.
// MessageDeduplicationId is derived from pool and schedule tick: a retried schedule invocation re-sends
// the same ids, and SQS drops the duplicates (5-minute deduplication window).
//
// The message carries the pool as the scheduled function's LIST answered (`snapshot`, with `listedAt`), so
// that the worker plans on it and an unchanged pool costs no ModelArts request. The snapshot is checked with
// the pool schema on receipt; one that fails (or names another pool) is dropped and the worker reads the pool.

import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { ListedPool } from '../cycle/types';
import { type Pool, parsePool } from '../modelarts/schemas';

// Built on first use (z.lazy): only the worker parses messages; the scheduled function, which sends them,
// neither keeps nor builds the schema.
export const PoolMessageSchema = z.lazy(() => {
  const name = z.string().min(1).max(128);
  return z.strictObject({
    connection: name,
    project: name,
    pool: name,
    /** The schedule tick (EventBridge event time) the message belongs to. */
    tick: z.string().min(1).max(64),
    dryRun: z.boolean().optional(),
    /** The pool as listed; validated on its own (listedPool), so a bad one costs a GET, not the message. */
    snapshot: z.unknown().optional(),
    /** When the LIST answered, epoch ms. */
    listedAt: z.number().int().nonnegative().optional(),
  });
});

export type PoolMessage = z.output<typeof PoolMessageSchema>;

// SQS allows 1..128 characters of alphanumerics and punctuation in both ids.
const SQS_ID = /^[\x21-\x7e]{1,128}$/;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export function messageGroupId(message: Pick<PoolMessage, 'project' | 'pool'>): string {
  const id = `${message.project}/${message.pool}`;
  // Hashing keeps an odd name (spaces, non-ASCII, very long) a valid and still stable group id.
  return SQS_ID.test(id) ? id : `h-${sha256(id)}`;
}

export function messageDeduplicationId(message: Pick<PoolMessage, 'project' | 'pool' | 'tick'>): string {
  return sha256(`${message.project}/${message.pool}@${message.tick}`);
}

/** The message's listed pool, or why it cannot be planned on (the worker then reads the pool). */
export function listedPool(message: PoolMessage): { listed?: ListedPool; problem?: string } {
  if (message.snapshot === undefined) return {};
  if (message.listedAt === undefined) return { problem: 'snapshot without listedAt' };
  let pool: Pool;
  try {
    pool = parsePool(message.snapshot);
  } catch (error) {
    return { problem: `snapshot: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (pool.metadata.name !== message.pool) return { problem: 'snapshot names another pool than the message' };
  return { listed: { connection: message.connection, pool, listedAt: message.listedAt } };
}

// ModelArts clients that account for every call: the HTTP attempts it made (from the client's onRequest
// observer) and the time it waited between them (through the injected sleep, which waits for nothing).

import { setImmediate as yieldTurn } from 'node:timers/promises';
import {
  createModelArtsClient,
  type ModelArtsClient,
  type ModelArtsRequestEvent,
  PoolResponseError,
  type RetryPolicy,
} from '../../lib/modelarts';
import type { AkSkCredentials } from '../../lib/modelarts/signer';

export interface CallRecord {
  operation: string;
  /** Attempt numbers the observer reported, in order: 1, 2, ... for a well-behaved call. */
  attempts: number[];
  waitedMs: number;
  sleeps: number;
  error?: unknown;
}

export interface LedgerOptions {
  endpoint: string;
  projectId: string;
  credentials: AkSkCredentials;
  timeoutMs: number;
  retry: RetryPolicy;
  now: () => number;
}

export interface ClientLedger {
  readonly calls: CallRecord[];
  /** What the client saw on the wire, by outcome. */
  readonly wire: { responses: number; timeouts: number; networkErrors: number; malformed: number };
  /** The client for any connection name, as CycleDeps.clients wants. */
  clients: (connection: string) => ModelArtsClient;
  /** Calls that broke a rule of the retry policy: too many attempts, attempts out of order, overspent wait. */
  violations(): string[];
}

const POOL_OPERATIONS = ['listPools', 'getPool', 'createPool', 'patchPool'] as const;

const isMalformedAnswer = (error: unknown) =>
  error instanceof PoolResponseError &&
  error.problems.some((problem) => problem.problem === 'response body is not JSON');

export function createClientLedger(options: LedgerOptions): ClientLedger {
  const calls: CallRecord[] = [];
  const wire = { responses: 0, timeouts: 0, networkErrors: 0, malformed: 0 };

  // A client per call, its observer and sleep bound to that call's record: calls of one cycle run
  // concurrently, and this attributes every attempt and every wait without any async context tracking.
  const clientFor = (call: CallRecord) =>
    createModelArtsClient({
      projectId: options.projectId,
      endpoint: options.endpoint,
      auth: { type: 'aksk', credentials: options.credentials },
      timeoutMs: options.timeoutMs,
      retry: options.retry,
      now: options.now,
      random: () => 0.5,
      sleep: async (ms) => {
        call.waitedMs += ms;
        call.sleeps += 1;
        await yieldTurn();
      },
      onRequest: (event: ModelArtsRequestEvent) => {
        call.attempts.push(event.attempt);
        if (event.outcome === 'response') wire.responses += 1;
        else if (event.outcome === 'timeout') wire.timeouts += 1;
        else wire.networkErrors += 1;
      },
    });

  const perCall = clientFor({ operation: 'request', attempts: [], waitedMs: 0, sleeps: 0 });
  const client: ModelArtsClient = { ...perCall };
  for (const operation of POOL_OPERATIONS) {
    (client as unknown as Record<string, unknown>)[operation] = async (...args: unknown[]) => {
      const call: CallRecord = { operation, attempts: [], waitedMs: 0, sleeps: 0 };
      calls.push(call);
      const inner = clientFor(call)[operation] as (...params: unknown[]) => Promise<unknown>;
      try {
        return await inner(...args);
      } catch (error) {
        call.error = error;
        if (isMalformedAnswer(error)) wire.malformed += 1;
        throw error;
      }
    };
  }

  return {
    calls,
    wire,
    clients: () => client,
    violations: () =>
      calls.flatMap((call) => {
        const problems: string[] = [];
        const maxAttempts = options.retry.limit + 1;
        if (call.attempts.length > maxAttempts)
          problems.push(`${call.operation}: ${call.attempts.length} attempts, limit ${maxAttempts}`);
        if (call.attempts.some((attempt, index) => attempt !== index + 1))
          problems.push(`${call.operation}: attempts out of order ${call.attempts.join(',')}`);
        if (call.waitedMs > options.retry.budgetMs)
          problems.push(`${call.operation}: waited ${call.waitedMs} ms, budget ${options.retry.budgetMs} ms`);
        // One wait between consecutive attempts, none after the last.
        if (call.sleeps !== Math.max(0, call.attempts.length - 1))
          problems.push(`${call.operation}: slept ${call.sleeps} times for ${call.attempts.length} attempts`);
        return problems;
      }),
  };
}

/** The worst wall time one call can take: every attempt times out, plus a margin per attempt. */
export const worstCallMs = (options: Pick<LedgerOptions, 'timeoutMs' | 'retry'>, marginMs = 250) =>
  (options.retry.limit + 1) * (options.timeoutMs * 2 + marginMs);

/**
 * Vitest's limit for the suite's long loops (100 cycles, thousands of fuzz cases). A loaded CI machine may
 * take minutes; a hang is caught sooner and more precisely by the per-cycle deadline below.
 */
export const LONG_TEST_MS = 240_000;

export class DeadlineExceededError extends Error {
  constructor(what: string, ms: number) {
    super(`${what} still running after ${ms} ms: it hangs`);
    this.name = 'DeadlineExceededError';
  }
}

/** Fails when `work` outlives `ms`: a hang detector, not a speed check (the bound is generous). */
export async function withinDeadline<T>(what: string, ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineExceededError(what, ms)), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

// The notifier the cycle calls once its outcomes are known (CycleDeps.notify). Per pool it works out what
// changed (changes.ts) against what the pool's history says was last announced, sends the messages to every
// receiver within one budget, and remembers the new state in the history item. A pool with nothing to say
// costs no request: its history was loaded by the cycle. A receiver that fails is logged and counted, never
// thrown: scaling does not wait on, or fail for, its notifications.

import { forEachBounded } from '../bounded';
import { saveHistory } from '../cycle/save-history';
import type { CycleNotice, NoticePool } from '../cycle/types';
import type { NotifiedState } from '../state/notified';
import type { StateStore, StoredHistory } from '../state/store';
import { poolChanges, sameState } from './changes';
import { NotifyError } from './errors';
import { eventOf, type NotificationMessage, type NotifyChannel, type NotifySettings } from './types';

/** Pools worked on at once: most have nothing to say, and those that do wait on receivers, not on CPU. */
const POOL_CONCURRENCY = 8;

/** Left between the notifications' budget and the end of the invocation (the function's own answer, logs). */
export const INVOCATION_END_MARGIN_MS = 1_000;

/** Reasons that record a backoff during the cycle, after the plan's history was made: read the saved one. */
const RECORDED_IN_CYCLE = new Set(['patch-sold-out', 'patch-quota', 'stuck-creating']);

export interface NotifierOptions {
  store: StateStore;
  channels: readonly NotifyChannel[];
  settings: NotifySettings;
  /** Each message a receiver did not take, and each state that could not be saved: log and count. */
  onFailure: (error: NotifyError, message?: NotificationMessage) => void;
  /** Each message every receiver took (debug logs, tests). */
  onSent?: (message: NotificationMessage) => void;
  /** The clock the invocation's end is on (default Date.now). */
  now?: () => number;
  /**
   * Kept free at the end of the invocation for the state calls a pool may have started when the budget ends
   * (its history loaded, or its new state saved after a delivery): at most NOTIFY_STATE_CALLS calls, so the
   * runner passes that many of its store's slowest call. Default 0, for a store without a bound of its own.
   */
  stateReserveMs?: number;
}

/**
 * State calls one pool's notification can make once its budget has ended: its state saved after a delivery
 * that just made it (the history loaded, then saved with one conflicting writer: save, load, save).
 */
export const NOTIFY_STATE_CALLS = 4;

const needsFreshHistory = (pool: NoticePool): boolean =>
  pool.loaded === undefined || (pool.plan?.reasons.some((r) => RECORDED_IN_CYCLE.has(r.code)) ?? false);

export function cycleNotifier(options: NotifierOptions): (notice: CycleNotice) => Promise<void> {
  const { store, channels, settings, onFailure } = options;
  const wanted = new Set(settings.events);

  /** Every message to every receiver; true when all were taken. */
  async function deliver(messages: readonly NotificationMessage[], signal: AbortSignal): Promise<boolean> {
    const sends = messages.flatMap((message) => {
      const body = JSON.stringify(message);
      return channels.map((channel) =>
        channel.send(message, body, signal).then(
          () => true,
          (error: unknown) => {
            onFailure(
              error instanceof NotifyError ? error : new NotifyError(channel.name, 'send failed'),
              message,
            );
            return false;
          },
        ),
      );
    });
    const taken = await Promise.all(sends);
    return taken.every(Boolean);
  }

  async function remember(key: string, next: NotifiedState, fresh: StoredHistory | undefined) {
    const stored = fresh ?? (await store.load(key));
    const { notified: _previous, ...rest } = stored.history;
    const history = Object.keys(next).length > 0 ? { ...rest, notified: next } : rest;
    await saveHistory(store, key, history, stored.revision);
  }

  async function notifyPool(pool: NoticePool, at: number, signal: AbortSignal): Promise<void> {
    const key = pool.outcome.key;
    try {
      const fresh = needsFreshHistory(pool) ? await store.load(key) : undefined;
      const history = fresh?.history ?? pool.loaded;
      const previous = history?.notified ?? {};
      const capacity = fresh?.history.capacity ?? pool.plan?.history.capacity;
      const changes = poolChanges({ pool, previous, capacity, at, settings });
      if (changes.messages.length === 0 && sameState(previous, changes.next)) return;
      // A kind the config leaves out is still remembered: turning it on later does not replay old states.
      const messages = changes.messages.filter((message) => wanted.has(eventOf(message.kind)));
      const delivered = await deliver(messages, signal);
      if (delivered) for (const message of messages) options.onSent?.(message);
      // A state whose message a receiver missed is not remembered: the next cycle sends it again.
      if (delivered && !sameState(previous, changes.next)) await remember(key, changes.next, fresh);
    } catch (error) {
      onFailure(
        new NotifyError('state store', `pool ${key}: notification state not read or saved`, { cause: error }),
      );
    }
  }

  const now = options.now ?? Date.now;
  return async (notice) => {
    // timeoutMs, or less when the invocation ends sooner (a webhook's 29 s): the budget, and the state calls
    // started within it, never outlive the invocation.
    const reserve = INVOCATION_END_MARGIN_MS + (options.stateReserveMs ?? 0);
    const left = notice.endsAt === undefined ? Infinity : notice.endsAt - now() - reserve;
    const budget = Math.min(settings.timeoutMs, left);
    if (budget <= 0) {
      onFailure(new NotifyError('notifier', 'no time left in the invocation: nothing sent'));
      return;
    }
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), budget);
    let notStarted = 0;
    try {
      await forEachBounded(notice.pools, POOL_CONCURRENCY, async (pool) => {
        // Past the budget a pool is not started: its state calls could outlive the invocation.
        if (controller.signal.aborted) notStarted++;
        else await notifyPool(pool, notice.at, controller.signal);
      });
    } finally {
      clearTimeout(timer);
    }
    if (notStarted > 0)
      onFailure(new NotifyError('notifier', `budget spent: ${notStarted} pools not looked at this cycle`));
  };
}

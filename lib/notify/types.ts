// The notification contract (issue #18): the kinds of message, the message itself (JSON, versioned), and the
// port a receiver sits behind. Plain data and types: the config schema imports the kind names from here.

/**
 * What `events:` can select. `guard` covers a guard starting and stopping to block a pool; `repeated-failure`
 * covers a failure streak and the pool's recovery from it (one is not wanted without the other).
 */
export const NOTIFY_EVENTS = ['scale-up', 'scale-down', 'guard', 'backoff', 'repeated-failure'] as const;
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];

export type NotifyKind =
  | 'scale-up'
  | 'scale-down'
  | 'guard-started'
  | 'guard-stopped'
  | 'backoff'
  | 'repeated-failure'
  | 'recovered';

export function eventOf(kind: NotifyKind): NotifyEvent {
  if (kind === 'guard-started' || kind === 'guard-stopped') return 'guard';
  return kind === 'recovered' ? 'repeated-failure' : kind;
}

export const DEFAULT_NOTIFY_TIMEOUT_MS = 3_000;
/** A slow receiver must not hold a cycle (or the pools' leases' margin) long. */
export const MAX_NOTIFY_TIMEOUT_MS = 10_000;

/** The format receivers parse; `version` changes only when a field changes meaning or goes away. */
export const MESSAGE_VERSION = 1;

export interface NotificationMessage {
  version: typeof MESSAGE_VERSION;
  /** Stable for one event: a receiver that gets it twice (a retry) can drop the second. */
  id: string;
  kind: NotifyKind;
  /** ISO 8601, the cycle's time. */
  time: string;
  connection: string;
  pool: string;
  /** `projectId/pool`. */
  key: string;
  /** One line for people (chat, e-mail subject). */
  text: string;
  details: Record<string, unknown>;
}

/** A receiver: resolves when it accepted the message; rejects otherwise (a NotifyError, secret-free). */
export interface NotifyChannel {
  /** `webhook` or `sns`, for logs and the failure metric. */
  name: string;
  send(message: NotificationMessage, body: string, signal: AbortSignal): Promise<void>;
}

/** The resolved settings the notifier runs with. */
export interface NotifySettings {
  events: readonly NotifyEvent[];
  failureStreak: number;
  timeoutMs: number;
}

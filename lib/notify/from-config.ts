// A notifier from `notifications:`, for whichever runner has one (the functions, `run` and `apply`): the
// webhook channel signed with the secret the runner reads, and the SNS channel where the runner can publish.

import type { Config } from '../config/types';
import type { CycleDeps } from '../cycle/types';
import type { StateStore } from '../state/store';
import type { NotifyError } from './errors';
import { webhookChannel } from './http';
import { cycleNotifier } from './notifier';
import { NOTIFY_EVENTS, type NotificationMessage, type NotifyChannel } from './types';

export interface NotifierFromConfigInput {
  config: Config;
  store: StateStore;
  now: () => number;
  /** The webhook's signing secret, as the runner reads it (checked to exist before this is called). */
  webhookSecret: () => () => Promise<string>;
  /** The SNS channel for the topic; absent where the runner cannot publish (`run` has no AWS account). */
  sns?: (topicArn: string) => NotifyChannel;
  onFailure: (error: NotifyError, message?: NotificationMessage) => void;
  /** NotifierOptions.stateReserveMs: the time the store's state calls may take after the budget. */
  stateReserveMs?: number;
}

/** CycleDeps.notify, or undefined when the config has no `notifications:` (or none this runner can send). */
export function notifierFromConfig(input: NotifierFromConfigInput): CycleDeps['notify'] {
  const settings = input.config.notifications;
  if (!settings) return undefined;
  const channels: NotifyChannel[] = [];
  if (settings.sns && input.sns) channels.push(input.sns(settings.sns.topicArn));
  if (settings.webhook)
    channels.push(
      webhookChannel({
        url: settings.webhook.url,
        secret: input.webhookSecret(),
        timeoutMs: settings.timeoutMs,
        now: input.now,
      }),
    );
  if (channels.length === 0) return undefined;
  return cycleNotifier({
    store: input.store,
    channels,
    settings: {
      events: settings.events ?? NOTIFY_EVENTS,
      failureStreak: settings.failureStreak,
      timeoutMs: settings.timeoutMs,
    },
    onFailure: input.onFailure,
    now: input.now,
    ...(input.stateReserveMs === undefined ? {} : { stateReserveMs: input.stateReserveMs }),
  });
}

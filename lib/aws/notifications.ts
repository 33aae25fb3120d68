// The functions' notifier (issue #18), from `notifications:` and the environment. The outbound webhook's
// signing secret (first line signs) is read from the SSM parameter named by the first of
//   notifications.webhook.secretParameter  (serverless.yml grants reading it)
//   AUTOSCALER_NOTIFY_SECRET_PARAMETER     (set, and granted, by hand)
// or else the environment variable `notifications.webhook.secretEnv` holds the secret itself. The inbound
// webhook's secret is refused: a receiver that can verify our messages could then forge requests.

import type { Config, Environment } from '../config';
import type { CycleDeps } from '../cycle';
import { notifierFromConfig } from '../notify/from-config';
import { NOTIFY_STATE_CALLS } from '../notify/notifier';
import type { StateStore } from '../state/store';
import { AwsError } from './errors';
import { METRICS } from './metric-catalogue';
import { addCatalogued, type Observability } from './observability';
import type { ParameterStore } from './parameters';
import { AWS_CALL_WORST_MS } from './sdk-settings';
import { readWebhookSecrets } from './secrets';
import { snsChannel } from './sns-channel';

export const NOTIFY_SECRET_PARAMETER_ENV = 'AUTOSCALER_NOTIFY_SECRET_PARAMETER';

export class NotificationSetupError extends AwsError {
  constructor(problem: string) {
    super(`notifications: ${problem}`);
    this.name = 'NotificationSetupError';
  }
}

const present = (env: Environment, name: string): string | undefined => env[name]?.trim() || undefined;

type Webhook = NonNullable<NonNullable<Config['notifications']>['webhook']>;

/** Where the signing secret comes from; throws when nowhere, or from the inbound webhook's parameter. */
function signingSecret(
  webhook: Webhook,
  env: Environment,
  parameters: () => ParameterStore,
): () => Promise<string> {
  const [setting, parameter] = webhook.secretParameter
    ? ['webhook.secretParameter', webhook.secretParameter]
    : [NOTIFY_SECRET_PARAMETER_ENV, present(env, NOTIFY_SECRET_PARAMETER_ENV)];
  if (parameter) {
    if (parameter === present(env, 'AUTOSCALER_WEBHOOK_SECRET_PARAMETER'))
      throw new NotificationSetupError(
        `${setting} names the inbound webhook's secret: give notifications their own`,
      );
    return async () => (await readWebhookSecrets(parameters(), parameter))[0] as string;
  }
  const value = present(env, webhook.secretEnv);
  if (!value)
    throw new NotificationSetupError(
      `webhook.secretEnv: the environment variable ${webhook.secretEnv} is not set (or name the SSM parameter in webhook.secretParameter)`,
    );
  return async () => value;
}

export interface FunctionNotifierInput {
  config: Config;
  env: Environment;
  parameters: () => ParameterStore;
  observability: Observability;
  store: StateStore;
  now: () => number;
}

/** The CycleDeps.notify of a function, or undefined when the config has no `notifications:`. */
export function functionNotifier(input: FunctionNotifierInput): CycleDeps['notify'] {
  const webhook = input.config.notifications?.webhook;
  const { logger, metrics } = input.observability;
  return notifierFromConfig({
    config: input.config,
    store: input.store,
    now: input.now,
    webhookSecret: () => signingSecret(webhook as Webhook, input.env, input.parameters),
    sns: (topicArn) => snsChannel({ topicArn }),
    // The DynamoDB calls a pool may have started when the budget ends finish before the invocation does.
    stateReserveMs: NOTIFY_STATE_CALLS * AWS_CALL_WORST_MS,
    onFailure: (error, message) => {
      logger.warn('notification failed', {
        error: error.message,
        ...(message ? { kind: message.kind, pool: message.pool } : {}),
      });
      addCatalogued(metrics, METRICS.notificationFailures, 1);
    },
  });
}

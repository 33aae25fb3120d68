// `notifications:` (issue #18): where the scaler announces what it did to a pool. The webhook's signing secret
// is never in this file: it comes from the environment or SSM at run time (README "Notifications").

import { z } from 'zod';
import { DEFAULT_NOTIFY_TIMEOUT_MS, MAX_NOTIFY_TIMEOUT_MS, NOTIFY_EVENTS } from '../notify/types';

/** Plain http only to this machine: a receiver in a test or beside `run`; anything else must be https. */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

export function webhookUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.username || url.password) return 'must not carry credentials (value not shown)';
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)) return undefined;
  return 'must be https:// (plain http:// only for 127.0.0.1 or localhost)';
}

/** `/a/b` (hierarchical) or `name`: what SSM accepts, and what can go into an ARN without escaping. */
const SSM_PARAMETER_NAME = /^\/?[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/;

// Refinements, not .regex: the config's issue formatter words a regex failure generically.
const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;

export const NotificationsSchema = z
  .strictObject({
    sns: z
      .strictObject({
        topicArn: z
          .string()
          .refine(
            (arn) => TOPIC_ARN.test(arn),
            'must be an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)',
          )
          .describe(
            'The topic the functions publish to (on Lambda; `run` has no AWS account to publish with).',
          ),
      })
      .optional()
      .describe('Publish each message to an SNS topic.'),
    webhook: z
      .strictObject({
        url: z
          .string()
          .superRefine((value, ctx) => {
            const problem = webhookUrlProblem(value);
            if (problem) ctx.addIssue({ code: 'custom', message: problem });
          })
          .describe('The receiver: https://, or http:// on 127.0.0.1/localhost only.'),
        secretParameter: z
          .string()
          .refine(
            (name) => SSM_PARAMETER_NAME.test(name),
            'must be an SSM parameter name (letters, digits, _ . - and / between levels)',
          )
          .optional()
          .describe(
            'The SSM SecureString parameter holding the signing secret (one per line, the first signs), which ' +
              'the functions read on Lambda: serverless.yml grants them reading this parameter only. ' +
              'You create it (README "Notifications"). Never the inbound webhook secret.',
          ),
        secretEnv: z
          .string()
          .refine((name) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(name), 'must be an environment variable name')
          .default('AUTOSCALER_NOTIFY_SECRET')
          .describe(
            'The environment variable holding the signing secret where secretParameter is not read (`run`, ' +
              '`apply`, or a function without it). Never the inbound webhook secret. Default AUTOSCALER_NOTIFY_SECRET.',
          ),
      })
      .optional()
      .describe('POST each message, signed with HMAC-SHA256 (README "Notifications").'),
    events: z
      .array(z.enum(NOTIFY_EVENTS))
      .min(1)
      .optional()
      .describe(
        `Which kinds of message to send: ${NOTIFY_EVENTS.join(', ')} (which includes recovered). Default all.`,
      ),
    failureStreak: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(3)
      .describe('A pool failing this many cycles in a row is announced once. Default 3.'),
    timeoutMs: z
      .number()
      .int()
      .min(100)
      .max(MAX_NOTIFY_TIMEOUT_MS)
      .default(DEFAULT_NOTIFY_TIMEOUT_MS)
      .describe(
        `The most a cycle waits for its notifications, retry included. Default ${DEFAULT_NOTIFY_TIMEOUT_MS} ms.`,
      ),
  })
  .refine((value) => value.sns !== undefined || value.webhook !== undefined, {
    message: 'name at least one receiver: sns or webhook',
  })
  .optional()
  .describe(
    'Messages about what the scaler did to a pool (scale-up, scale-down, guards, backoffs, failures).',
  );

export type NotificationsConfig = z.output<typeof NotificationsSchema>;

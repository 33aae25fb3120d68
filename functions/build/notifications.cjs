'use strict';
// serverless.yml's optional notification permissions (README "Notifications"), read from the bundled config
// file while the variables resolve:
// - the SNS topic `notifications.sns.topicArn` names, or "" for none (condition PublishesNotifications);
// - the SSM parameter `notifications.webhook.secretParameter` names, as the "/name" that follows `parameter` in
//   its ARN, or "" for none: no webhook, or its secret from an environment variable (condition
//   ReadsNotifySecret). With "", the condition is false and no role gains the permission.

const { readConfigDocument } = require('./config-file.cjs');

/** The topic ARN of a parsed config document ("" when it names none). */
function topicArnOf(document) {
  const arn = document?.notifications?.sns?.topicArn;
  return typeof arn === 'string' ? arn : '';
}

/** As lib/config/notifications-schema.ts: a name SSM takes, which goes into an ARN (and !Sub) as it is. */
const SSM_PARAMETER_NAME = /^\/?[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/;

/** An ARN's `parameter/a/b` holds `a/b` for both `/a/b` and `a/b`: the "/name" form of either. */
const arnPath = (name) => (name.startsWith('/') ? name : `/${name}`);

/** The "/name" of the signing-secret parameter a parsed config document names ("" when it names none). */
function secretParameterOf(document) {
  const name = document?.notifications?.webhook?.secretParameter;
  if (name === undefined) return '';
  if (typeof name !== 'string' || !SSM_PARAMETER_NAME.test(name))
    throw new Error('notifications.webhook.secretParameter: must be an SSM parameter name (value not shown)');
  return arnPath(name);
}

/** serverless.yml: `${file(functions/build/notifications.cjs):topicArn}`. */
async function topicArn({ resolveVariable }) {
  return topicArnOf(readConfigDocument(await resolveVariable('self:custom.autoscaler.configPath')));
}

/**
 * serverless.yml: `${file(functions/build/notifications.cjs):secretParameter}`. Refuses the inbound webhook's
 * parameter here, before a deploy, as the functions would at start.
 */
async function secretParameter({ resolveVariable }) {
  const path = secretParameterOf(
    readConfigDocument(await resolveVariable('self:custom.autoscaler.configPath')),
  );
  const inbound = await resolveVariable('self:custom.autoscaler.webhookSecretParameter');
  if (path !== '' && typeof inbound === 'string' && path === arnPath(inbound))
    throw new Error(
      "notifications.webhook.secretParameter names the inbound webhook's secret parameter: give notifications their own",
    );
  return path;
}

module.exports = { secretParameter, secretParameterOf, topicArn, topicArnOf };

'use strict';
// serverless.yml's optional SNS permission (README "Notifications"): the topic the config's
// `notifications.sns.topicArn` names, or "" for none, read from the bundled config file while the variables
// resolve. With "", the template's PublishesNotifications condition is false and no role may publish.

const { readConfigDocument } = require('./config-file.cjs');

/** The topic ARN of a parsed config document ("" when it names none). */
function topicArnOf(document) {
  const arn = document?.notifications?.sns?.topicArn;
  return typeof arn === 'string' ? arn : '';
}

/** serverless.yml: `${file(functions/build/notifications.cjs):topicArn}`. */
async function topicArn({ resolveVariable }) {
  return topicArnOf(readConfigDocument(await resolveVariable('self:custom.autoscaler.configPath')));
}

module.exports = { topicArn, topicArnOf };

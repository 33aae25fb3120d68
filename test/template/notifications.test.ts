// serverless.yml "PublishesNotifications": with notifications.sns in the bundled config, the functions that run
// cycles may publish to that topic and to no other; without it no role may publish anywhere.

import { beforeAll, describe, expect, it } from 'vitest';
import { topicArnOf } from '../../functions/build/notifications.cjs';
import { TEST_ACCOUNT } from '../aws/account';
import { allows } from '../aws/iam-check';
import type { IamRequest } from '../aws/iam-requests';
import { functionRole } from './function-roles';
import { PACKAGE_TIMEOUT_MS, packagedService, TEST_NOTIFY_TOPIC, type Template } from './packaged';

const PUBLISHERS = ['scheduled', 'worker', 'webhook'] as const;
const FUNCTIONS = [...PUBLISHERS, 'plan'] as const;
const OTHER_TOPIC = 'arn:aws:sns:eu-west-1:123456789012:someone-elses-topic';

let plain: Template;
let notifying: Template;
beforeAll(async () => {
  [plain, notifying] = await Promise.all([
    packagedService('none').then((service) => service.template),
    packagedService('notify').then((service) => service.template),
  ]);
}, PACKAGE_TIMEOUT_MS);

const publish = (topic: string): IamRequest => ({
  action: 'sns:Publish',
  resource: topic,
  context: {},
  origin: 'a notification',
});

const snsActions = (template: Template, name: string) =>
  functionRole({ template, account: TEST_ACCOUNT }, name)
    .policies.flatMap((policy) => policy.document.Statement)
    .flatMap((statement) => (Array.isArray(statement.Action) ? statement.Action : [statement.Action]))
    .filter((action) => action.startsWith('sns:'));

describe('the notification topic in the template', () => {
  it('is read from notifications.sns.topicArn, and is "" without it', () => {
    expect(topicArnOf({ notifications: { sns: { topicArn: TEST_NOTIFY_TOPIC } } })).toBe(TEST_NOTIFY_TOPIC);
    expect(topicArnOf({ notifications: { webhook: { url: 'https://example.com' } } })).toBe('');
    expect(topicArnOf({})).toBe('');
  });

  it('grants no role an SNS action when the config names no topic', async () => {
    for (const name of FUNCTIONS) {
      expect(snsActions(plain, name), name).toEqual([]);
      expect(
        await allows(
          functionRole({ template: plain, account: TEST_ACCOUNT }, name),
          publish(TEST_NOTIFY_TOPIC),
        ),
        name,
      ).toBe(false);
    }
  });

  it('lets the cycle functions publish to the configured topic, and to no other', async () => {
    for (const name of PUBLISHERS) {
      const role = functionRole({ template: notifying, account: TEST_ACCOUNT }, name);
      expect(snsActions(notifying, name), name).toEqual(['sns:Publish']);
      expect(await allows(role, publish(TEST_NOTIFY_TOPIC)), name).toBe(true);
      expect(await allows(role, publish(OTHER_TOPIC)), name).toBe(false);
    }
  });

  it('grants the plan function (always a dry run, which notifies nothing) no SNS action', () => {
    expect(snsActions(notifying, 'plan')).toEqual([]);
  });
});

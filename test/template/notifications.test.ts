// serverless.yml "PublishesNotifications" and "ReadsNotifySecret": with notifications.sns in the bundled config,
// the functions that run cycles may publish to that topic and to no other; with
// notifications.webhook.secretParameter, they may read (and decrypt) that parameter and no other. Without
// them, no role may publish anywhere or read a notification secret.

import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, describe, expect, it } from 'vitest';
import { secretParameter, secretParameterOf, topicArnOf } from '../../functions/build/notifications.cjs';
import { ssmParameterStore } from '../../lib/aws/parameters';
import { TEST_ACCOUNT } from '../aws/account';
import { allows } from '../aws/iam-check';
import { type IamRequest, iamRequests } from '../aws/iam-requests';
import { AwsCallRecorder } from '../aws/recorder';
import { functionRole } from './function-roles';
import {
  PACKAGE_TIMEOUT_MS,
  packagedService,
  STAGE,
  TEST_NOTIFY_SECRET_PARAMETER,
  TEST_NOTIFY_TOPIC,
  type Template,
} from './packaged';

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

/** What IAM is asked when the functions read `name` as they do (decrypted, through Powertools). */
async function secretReadRequests(name: string): Promise<IamRequest[]> {
  const ssm = mockClient(SSMClient);
  ssm.on(GetParameterCommand).resolves({ Parameter: { Name: name, Type: 'SecureString', Value: 'secret' } });
  try {
    await ssmParameterStore(new SSMClient({ region: TEST_ACCOUNT.region })).get(name, { maxAgeSeconds: 1 });
    const recorder = new AwsCallRecorder();
    recorder.takeFromMocks([ssm]);
    await recorder.endTest('reading the notification secret');
    return recorder.calls().flatMap((call) => iamRequests(call, TEST_ACCOUNT));
  } finally {
    ssm.restore();
  }
}

const OTHER_PARAMETER = `/modelarts-autoscaler/${STAGE}/someone-elses-secret`;

const policyNames = (template: Template, name: string) =>
  functionRole({ template, account: TEST_ACCOUNT }, name).policies.map((policy) => policy.name);

async function allowedRequests(template: Template, name: string, requests: readonly IamRequest[]) {
  const role = functionRole({ template, account: TEST_ACCOUNT }, name);
  const decided = [];
  for (const request of requests) decided.push(`${request.action} ${await allows(role, request)}`);
  return decided;
}

describe('the notification signing secret in the template', () => {
  let secretReads: IamRequest[];
  let otherReads: IamRequest[];
  beforeAll(async () => {
    secretReads = await secretReadRequests(TEST_NOTIFY_SECRET_PARAMETER);
    otherReads = await secretReadRequests(OTHER_PARAMETER);
  });

  it('is read from notifications.webhook.secretParameter as its ARN path, and is "" without one', () => {
    const named = (secretParameter?: string) => ({
      notifications: {
        webhook: { url: 'https://example.com', ...(secretParameter ? { secretParameter } : {}) },
      },
    });
    expect(secretParameterOf(named('/autoscaler/notify-secret'))).toBe('/autoscaler/notify-secret');
    expect(secretParameterOf(named('notify-secret'))).toBe('/notify-secret');
    // A webhook whose secret is in an environment variable (secretEnv), an SNS topic only, no notifications.
    expect(secretParameterOf(named())).toBe('');
    expect(secretParameterOf({ notifications: { sns: { topicArn: TEST_NOTIFY_TOPIC } } })).toBe('');
    expect(secretParameterOf({})).toBe('');
    expect(() => secretParameterOf(named('/a/{AWS::AccountId}'))).toThrow(
      /^notifications\.webhook\.secretParameter: must be an SSM parameter name/,
    );
  });

  it("refuses to package a config naming the inbound webhook's secret parameter", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'notify-secret-'));
    const configPath = join(dir, 'autoscaler.yaml');
    await writeFile(
      configPath,
      'notifications:\n  webhook:\n    url: https://example.com\n    secretParameter: /svc/dev/webhook-secret\n',
    );
    const variables: Record<string, string> = {
      'self:custom.autoscaler.configPath': configPath,
      'self:custom.autoscaler.webhookSecretParameter': '/svc/dev/webhook-secret',
    };
    const resolveVariable = async (name: string) => variables[name];
    await expect(secretParameter({ resolveVariable })).rejects.toThrow(/names the inbound webhook's secret/);
    variables['self:custom.autoscaler.webhookSecretParameter'] = '/svc/dev/other';
    await expect(secretParameter({ resolveVariable })).resolves.toBe('/svc/dev/webhook-secret');
  });

  it('grants no role reading a notification secret when the config names none', async () => {
    expect(secretReads.map((request) => request.action)).toEqual(['ssm:GetParameter', 'kms:Decrypt']);
    for (const name of FUNCTIONS) {
      expect(policyNames(plain, name), name).not.toContain('read-notification-secret');
      expect(await allowedRequests(plain, name, secretReads), name).toEqual([
        'ssm:GetParameter false',
        'kms:Decrypt false',
      ]);
    }
  });

  it('lets the cycle functions read and decrypt the configured parameter, and no other', async () => {
    for (const name of PUBLISHERS) {
      expect(await allowedRequests(notifying, name, secretReads), name).toEqual([
        'ssm:GetParameter true',
        'kms:Decrypt true',
      ]);
      expect(await allowedRequests(notifying, name, otherReads), name).toEqual([
        'ssm:GetParameter false',
        'kms:Decrypt false',
      ]);
    }
  });

  it('grants the plan function (which notifies nothing) no reading of the notification secret', async () => {
    expect(policyNames(notifying, 'plan')).not.toContain('read-notification-secret');
    expect(await allowedRequests(notifying, 'plan', secretReads)).toEqual([
      'ssm:GetParameter false',
      'kms:Decrypt false',
    ]);
  });
});

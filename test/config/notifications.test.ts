import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../lib/config/load';
import { minimalConfig, problems, toYaml } from './fixtures';

const withNotifications = (notifications: unknown) => toYaml({ ...minimalConfig(), notifications });
const problemsOf = (notifications: unknown) =>
  problems(() => parseConfig({ text: withNotifications(notifications), env: {} }));

describe('notifications config', () => {
  it('is optional: without it nothing is announced', () => {
    expect(parseConfig({ text: toYaml(minimalConfig()), env: {} }).notifications).toBeUndefined();
  });

  it('takes a webhook and an SNS topic, with defaults for the rest', () => {
    const config = parseConfig({
      text: withNotifications({
        webhook: { url: 'https://hooks.example.com/autoscaler' },
        sns: { topicArn: 'arn:aws:sns:eu-west-1:123456789012:autoscaler' },
      }),
      env: {},
    });
    expect(config.notifications).toEqual({
      webhook: { url: 'https://hooks.example.com/autoscaler', secretEnv: 'AUTOSCALER_NOTIFY_SECRET' },
      sns: { topicArn: 'arn:aws:sns:eu-west-1:123456789012:autoscaler' },
      failureStreak: 3,
      timeoutMs: 3000,
    });
  });

  it('refuse a plain http:// URL except to 127.0.0.1 or localhost, naming the field', () => {
    expect(problemsOf({ webhook: { url: 'http://hooks.example.com/x' } })).toEqual([
      'notifications.webhook.url: must be https:// (plain http:// only for 127.0.0.1 or localhost)',
    ]);
    expect(problemsOf({ webhook: { url: 'not a url' } })).toEqual([
      'notifications.webhook.url: must be an absolute URL',
    ]);
    for (const url of ['http://127.0.0.1:9000/hook', 'http://localhost/hook'])
      expect(
        parseConfig({ text: withNotifications({ webhook: { url } }), env: {} }).notifications?.webhook?.url,
      ).toBe(url);
  });

  it('refuse a URL carrying credentials without repeating them', () => {
    const found = problemsOf({ webhook: { url: 'https://user:hunter2@hooks.example.com/' } });
    expect(found).toEqual(['notifications.webhook.url: must not carry credentials (value not shown)']);
    expect(found.join('')).not.toContain('hunter2');
  });

  it('refuse a signing secret in the file, without repeating it', () => {
    const found = problemsOf({ webhook: { url: 'https://hooks.example.com/', secret: 'do-not-echo-me' } });
    expect(found.join('\n')).toContain('notifications.webhook.secret');
    expect(found.join('\n')).not.toContain('do-not-echo-me');
  });

  it('need at least one receiver', () => {
    expect(problemsOf({ events: ['guard'] })).toEqual([
      'notifications: name at least one receiver: sns or webhook',
    ]);
  });

  it('name a malformed topic ARN, an unknown event and an out-of-range timeout', () => {
    const found = problemsOf({
      sns: { topicArn: 'autoscaler-topic' },
      events: ['scale-sideways'],
      timeoutMs: 60_000,
    });
    expect(found).toHaveLength(3);
    expect(found[0]).toMatch(/^notifications\.events\[0\]: /);
    expect(found[1]).toMatch(/^notifications\.sns\.topicArn: must be an SNS topic ARN/);
    expect(found[2]).toMatch(/^notifications\.timeoutMs: /);
  });

  it('take the SSM parameter holding the signing secret, and name a malformed one', () => {
    const webhook = { url: 'https://hooks.example.com/', secretParameter: '/autoscaler/prod/notify-secret' };
    expect(parseConfig({ text: withNotifications({ webhook }), env: {} }).notifications?.webhook).toEqual({
      ...webhook,
      secretEnv: 'AUTOSCALER_NOTIFY_SECRET',
    });
    for (const secretParameter of ['/autoscaler//x', 'has space', '/a/{AWS::AccountId}', ''])
      expect(problemsOf({ webhook: { ...webhook, secretParameter } })).toEqual([
        'notifications.webhook.secretParameter: must be an SSM parameter name (letters, digits, _ . - and / between levels)',
      ]);
  });
});

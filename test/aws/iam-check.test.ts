import { describe, expect, it } from 'vitest';
import { resolveIntrinsics } from '../template/intrinsics';
import { SECURE_STRING_KEY_ARN, TEST_ACCOUNT } from './account';
import {
  deniedRequests,
  type PolicyStatement,
  type Role,
  SimulationRefusedError,
  unusedGrants,
} from './iam-check';
import { iamRequests, UnmappedCallError } from './iam-requests';
import type { AwsCall } from './recorder';

const TABLE = 'arn:aws:dynamodb:eu-west-1:123456789012:table/state';
const CREDENTIALS = 'arn:aws:ssm:eu-west-1:123456789012:parameter/app/credentials';

const call = (
  service: string,
  command: string,
  input: Record<string, unknown>,
  output?: unknown,
): AwsCall => ({
  service,
  command,
  input,
  output,
  region: 'eu-west-1',
  test: 'a test',
});

const role = (...Statement: PolicyStatement[]): Role => ({
  name: 'AppRole',
  account: TEST_ACCOUNT,
  policies: [{ name: 'app', document: { Version: '2012-10-17', Statement } }],
});

const requestsOf = (...calls: AwsCall[]) => calls.flatMap((recorded) => iamRequests(recorded, TEST_ACCOUNT));

const readCredentials = call(
  'SSM',
  'GetParameter',
  { Name: '/app/credentials', WithDecryption: true },
  { Parameter: { Name: '/app/credentials', Type: 'SecureString', Value: '{}' } },
);

const decryptCredentials: PolicyStatement = {
  Effect: 'Allow',
  Action: 'kms:Decrypt',
  Resource: 'arn:aws:kms:eu-west-1:123456789012:key/*',
  Condition: { StringEquals: { 'kms:EncryptionContext:PARAMETER_ARN': [CREDENTIALS] } },
};

describe('the IAM requests of a recorded call', () => {
  it('name the action and the resource ARN the call touches', () => {
    expect(
      requestsOf(
        call('DynamoDB', 'UpdateItem', { TableName: 'state', Key: { pk: { S: 'x' } } }),
        call('SQS', 'SendMessageBatch', {
          QueueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/q.fifo',
        }),
        call('CloudWatch', 'GetMetricData', {}),
      ).map(({ action, resource }) => `${action} ${resource}`),
    ).toEqual([
      `dynamodb:UpdateItem ${TABLE}`,
      'sqs:SendMessage arn:aws:sqs:eu-west-1:123456789012:q.fifo',
      'cloudwatch:GetMetricData *',
    ]);
  });

  it('include the KMS decrypt SSM makes for a SecureString read with decryption, and only then', () => {
    expect(requestsOf(readCredentials)).toEqual([
      expect.objectContaining({ action: 'ssm:GetParameter', resource: CREDENTIALS }),
      expect.objectContaining({
        action: 'kms:Decrypt',
        resource: SECURE_STRING_KEY_ARN,
        context: expect.objectContaining({
          'kms:EncryptionContext:PARAMETER_ARN': CREDENTIALS,
          'kms:ViaService': 'ssm.eu-west-1.amazonaws.com',
        }),
      }),
    ]);
    const plain = { ...readCredentials, output: { Parameter: { Name: '/app/credentials', Type: 'String' } } };
    expect(requestsOf(plain).map((request) => request.action)).toEqual(['ssm:GetParameter']);
  });

  it('refuse a call they cannot map, naming it', () => {
    expect(() => requestsOf(call('S3', 'GetObject', { Bucket: 'b', Key: 'k' }))).toThrow(UnmappedCallError);
    expect(() => requestsOf(call('DynamoDB', 'PutItem', {}))).toThrow(/DynamoDB PutItem: names no table/);
  });
});

describe('a role checked against the requests', () => {
  const state: PolicyStatement = {
    Effect: 'Allow',
    Action: ['dynamodb:GetItem', 'dynamodb:PutItem'],
    Resource: TABLE,
  };

  it('denies an action the role does not grant, naming the request and who sent it', async () => {
    const update = call('DynamoDB', 'UpdateItem', { TableName: 'state' });
    expect(await deniedRequests(role(state), requestsOf(update))).toEqual([
      `AppRole does not allow dynamodb:UpdateItem on ${TABLE}, needed by DynamoDB UpdateItem in "a test"`,
    ]);
    expect(
      await deniedRequests(role(state), requestsOf(call('DynamoDB', 'GetItem', { TableName: 'state' }))),
    ).toEqual([]);
  });

  it('lets KMS decrypt only for the parameters its encryption-context condition names', async () => {
    const ssm: PolicyStatement = { Effect: 'Allow', Action: 'ssm:GetParameter', Resource: `${CREDENTIALS}*` };
    expect(await deniedRequests(role(ssm, decryptCredentials), requestsOf(readCredentials))).toEqual([]);
    const other = {
      ...readCredentials,
      input: { Name: '/app/credentials-old', WithDecryption: true },
      output: { Parameter: { Name: '/app/credentials-old', Type: 'SecureString' } },
    };
    expect(await deniedRequests(role(ssm, decryptCredentials), requestsOf(other))).toEqual([
      expect.stringMatching(
        /does not allow kms:Decrypt on .* with kms:EncryptionContext:PARAMETER_ARN=.*credentials-old/,
      ),
    ]);
  });

  it('reports each granted action and resource that no request uses', async () => {
    const requests = requestsOf(call('DynamoDB', 'GetItem', { TableName: 'state' }), readCredentials);
    expect(await unusedGrants(role(state, decryptCredentials), requests)).toEqual([
      `AppRole grants dynamodb:PutItem on ${TABLE}, which no call uses`,
    ]);
    expect(await unusedGrants(role(decryptCredentials), [])).toEqual([
      'AppRole grants kms:Decrypt on arn:aws:kms:eu-west-1:123456789012:key/*, which no call uses',
    ]);
  });

  it('refuses a request whose resource is not of a type the action takes', async () => {
    const wrong = {
      ...requestsOf(call('DynamoDB', 'GetItem', { TableName: 'state' }))[0],
      action: 'ssm:GetParameter',
    };
    await expect(deniedRequests(role(state), [wrong as never])).rejects.toThrow(SimulationRefusedError);
  });
});

describe('the template resolved in the test account', () => {
  const template = {
    Resources: {
      Table: { Type: 'AWS::DynamoDB::Table', Properties: { TableName: 'state' } },
      Queue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'q.fifo' } },
    },
  };
  const resolve = (value: unknown) => resolveIntrinsics(value, { template, account: TEST_ACCOUNT });

  it('gives ARNs, queue URLs and substitutions their deployed values', () => {
    expect(
      resolve({
        arn: { 'Fn::GetAtt': ['Table', 'Arn'] },
        url: { Ref: 'Queue' },
        keys: {
          'Fn::Split': [
            ',',
            // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's Fn::Sub syntax
            { 'Fn::Sub': 'arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*' },
          ],
        },
        // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's Fn::Sub syntax
        queue: { 'Fn::Sub': '${Queue.Arn}' },
      }),
    ).toEqual({
      arn: TABLE,
      url: 'https://sqs.eu-west-1.amazonaws.com/123456789012/q.fifo',
      keys: ['arn:aws:kms:eu-west-1:123456789012:key/*'],
      queue: 'arn:aws:sqs:eu-west-1:123456789012:q.fifo',
    });
  });

  it('keeps what a condition allows, and drops what resolves to AWS::NoValue', () => {
    const conditional = {
      ...template,
      Conditions: {
        InVpc: { 'Fn::Not': [{ 'Fn::Equals': ['subnet-1', ''] }] },
        NoTopic: { 'Fn::Equals': ['', ''] },
        Both: { 'Fn::And': [{ Condition: 'InVpc' }, { 'Fn::Not': [{ Condition: 'NoTopic' }] }] },
      },
    };
    const when = (name: string) => ({ 'Fn::If': [name, 'kept', { Ref: 'AWS::NoValue' }] });
    expect(
      resolveIntrinsics(
        { list: [when('InVpc'), when('Both'), 'always'], field: when('Both'), other: when('NoTopic') },
        { template: conditional, account: TEST_ACCOUNT },
      ),
    ).toEqual({ list: ['kept', 'always'], other: 'kept' });
    expect(() => resolve(when('Nowhere'))).toThrow(/no condition Nowhere/);
  });

  it('refuses what it does not know, naming it', () => {
    expect(() => resolve({ 'Fn::ImportValue': 'x' })).toThrow(/Fn::ImportValue/);
    expect(() => resolve({ Ref: 'Nothing' })).toThrow(/no resource Nothing/);
  });
});

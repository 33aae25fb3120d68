// What IAM authorizes for a recorded SDK call: the action, the resource ARN it touches and the condition keys
// the request carries. One call can need several authorizations: a batch names several tables, and reading a
// SecureString parameter with decryption makes SSM call KMS Decrypt as the caller, with the parameter's ARN
// as encryption context. A call this file cannot map fails loudly, naming the service and command: teach
// `resourcesOf` (or `IAM_ACTION`) about it rather than letting a call go unchecked.

import { type AwsAccount, SECURE_STRING_KEY_ARN } from './account';
import type { AwsCall } from './recorder';

export interface IamRequest {
  /** service:Action, e.g. dynamodb:UpdateItem. */
  action: string;
  /** The resource ARN, or * for actions without resource-level permissions. */
  resource: string;
  context: Record<string, string>;
  /** Who needs it, for messages: the call and its test, or the Lambda service. */
  origin: string;
}

export class UnmappedCallError extends Error {
  constructor(call: Pick<AwsCall, 'service' | 'command'>, problem: string) {
    super(
      `${call.service} ${call.command}: ${problem}; teach test/aws/iam-requests.ts which IAM action and ` +
        'resource it needs',
    );
    this.name = 'UnmappedCallError';
  }
}

/** The IAM service prefix of each SDK service id. */
const IAM_PREFIX: Record<string, string> = {
  DynamoDB: 'dynamodb',
  SQS: 'sqs',
  SSM: 'ssm',
  CloudWatch: 'cloudwatch',
  KMS: 'kms',
};

/** Operations authorized as another action (SQS batches are authorized as their single-message action). */
const IAM_ACTION: Record<string, string> = {
  'sqs:SendMessageBatch': 'sqs:SendMessage',
  'sqs:DeleteMessageBatch': 'sqs:DeleteMessage',
  'sqs:ChangeMessageVisibilityBatch': 'sqs:ChangeMessageVisibility',
};

/** Operations that need one authorization per item, each its own action (DynamoDB transactions). */
const TRANSACT_ITEM_ACTION: Record<string, string> = {
  Put: 'dynamodb:PutItem',
  Update: 'dynamodb:UpdateItem',
  Delete: 'dynamodb:DeleteItem',
  ConditionCheck: 'dynamodb:ConditionCheckItem',
  Get: 'dynamodb:GetItem',
};

interface Authorization {
  action?: string;
  resource: string;
}

const text = (call: AwsCall, field: string): string => {
  const value = call.input[field];
  if (typeof value !== 'string' || value === '')
    throw new UnmappedCallError(call, `no ${field} in the input`);
  return value;
};

const arn = (account: AwsAccount, region: string, service: string, resource: string) =>
  `arn:${account.partition}:${service}:${region}:${account.accountId}:${resource}`;

function dynamoDbResources(call: AwsCall, account: AwsAccount): Authorization[] {
  const table = (name: string) => arn(account, call.region, 'dynamodb', `table/${name}`);
  const { TableName, IndexName, RequestItems, TransactItems } = call.input as {
    TableName?: string;
    IndexName?: string;
    RequestItems?: Record<string, unknown>;
    TransactItems?: Record<string, { TableName?: string }>[];
  };
  if (TableName) return [{ resource: `${table(TableName)}${IndexName ? `/index/${IndexName}` : ''}` }];
  if (RequestItems) return Object.keys(RequestItems).map((name) => ({ resource: table(name) }));
  if (TransactItems) {
    return TransactItems.flatMap((item) =>
      Object.entries(item).map(([kind, operation]) => {
        const action = TRANSACT_ITEM_ACTION[kind];
        if (!action || !operation.TableName)
          throw new UnmappedCallError(call, `unknown transaction item ${kind}`);
        return { action, resource: table(operation.TableName) };
      }),
    );
  }
  if (call.command === 'ListTables') return [{ resource: '*' }];
  throw new UnmappedCallError(call, 'names no table');
}

/** https://sqs.<region>.amazonaws.com/<account>/<name> (or the legacy <region>.queue.amazonaws.com). */
function queueArn(call: AwsCall, account: AwsAccount, queueUrl: string): string {
  const url = new URL(queueUrl);
  const region = /^(?:sqs\.)?([a-z]{2}(?:-[a-z]+)+-\d+)\./.exec(url.hostname)?.[1];
  const [owner, name, ...rest] = url.pathname.split('/').filter(Boolean);
  if (!region || !owner || !name || rest.length > 0)
    throw new UnmappedCallError(call, `cannot read a queue ARN from ${queueUrl}`);
  return `arn:${account.partition}:sqs:${region}:${owner}:${name}`;
}

function sqsResources(call: AwsCall, account: AwsAccount): Authorization[] {
  if (typeof call.input.QueueUrl === 'string')
    return [{ resource: queueArn(call, account, call.input.QueueUrl) }];
  if (call.command === 'ListQueues') return [{ resource: '*' }];
  return [{ resource: arn(account, call.region, 'sqs', text(call, 'QueueName')) }];
}

const parameterArn = (account: AwsAccount, region: string, name: string) =>
  arn(account, region, 'ssm', `parameter${name.startsWith('/') ? '' : '/'}${name}`);

function ssmResources(call: AwsCall, account: AwsAccount): Authorization[] {
  const { Name, Names, Path } = call.input as { Name?: string; Names?: string[]; Path?: string };
  const names = Name ? [Name] : (Names ?? (Path ? [Path] : []));
  if (names.length === 0) throw new UnmappedCallError(call, 'names no parameter');
  if (names.some((name) => name.startsWith('/aws/reference/')))
    throw new UnmappedCallError(call, 'reads a Secrets Manager reference (secretsmanager:GetSecretValue)');
  return names.map((name) => ({ resource: parameterArn(account, call.region, name) }));
}

/** CloudWatch's metric operations have no resource-level permissions. */
const CLOUDWATCH_METRIC_OPERATIONS = new Set([
  'GetMetricData',
  'GetMetricStatistics',
  'ListMetrics',
  'PutMetricData',
]);

function cloudWatchResources(call: AwsCall): Authorization[] {
  if (CLOUDWATCH_METRIC_OPERATIONS.has(call.command)) return [{ resource: '*' }];
  throw new UnmappedCallError(call, 'is not a metric operation');
}

function kmsResources(call: AwsCall, account: AwsAccount): Authorization[] {
  const key = text(call, 'KeyId');
  return [{ resource: key.startsWith('arn:') ? key : arn(account, call.region, 'kms', `key/${key}`) }];
}

function resourcesOf(prefix: string, call: AwsCall, account: AwsAccount): Authorization[] {
  switch (prefix) {
    case 'dynamodb':
      return dynamoDbResources(call, account);
    case 'sqs':
      return sqsResources(call, account);
    case 'ssm':
      return ssmResources(call, account);
    case 'cloudwatch':
      return cloudWatchResources(call);
    case 'kms':
      return kmsResources(call, account);
    default:
      throw new UnmappedCallError(call, 'has no resource mapping');
  }
}

/** The SecureString parameters a decrypting SSM read answered with. */
function decryptedParameters(call: AwsCall): string[] {
  if (call.service !== 'SSM' || call.input.WithDecryption !== true) return [];
  const output = call.output as
    | { Parameter?: { Name?: string; Type?: string }; Parameters?: { Name?: string; Type?: string }[] }
    | undefined;
  const answered = output?.Parameter ? [output.Parameter] : (output?.Parameters ?? []);
  return answered
    .filter((parameter) => parameter.Type === 'SecureString')
    .map((parameter) => parameter.Name ?? text(call, 'Name'));
}

/** SSM decrypts with the caller's permissions: KMS sees the call come through SSM, for that parameter. */
function impliedDecrypts(call: AwsCall, account: AwsAccount, origin: string): IamRequest[] {
  return decryptedParameters(call).map((name) => ({
    action: 'kms:Decrypt',
    resource: SECURE_STRING_KEY_ARN,
    context: {
      'kms:EncryptionContext:PARAMETER_ARN': parameterArn(account, call.region, name),
      'kms:ViaService': `ssm.${call.region}.amazonaws.com`,
      'kms:CallerAccount': account.accountId,
    },
    origin: `${origin}, which SSM decrypts with KMS`,
  }));
}

export function iamRequests(call: AwsCall, account: AwsAccount): IamRequest[] {
  const prefix = IAM_PREFIX[call.service];
  if (!prefix) throw new UnmappedCallError(call, `no IAM prefix for the service id ${call.service}`);
  const operation = `${prefix}:${call.command}`;
  const origin = `${call.service} ${call.command} in "${call.test}"`;
  const direct = resourcesOf(prefix, call, account).map(({ action, resource }) => ({
    action: action ?? IAM_ACTION[operation] ?? operation,
    resource,
    context: {},
    origin,
  }));
  return [...direct, ...impliedDecrypts(call, account, origin)];
}

// A function of the generated template as IAM sees it: its role's inline policies and its environment, with
// the intrinsic functions resolved in the test account, and the requests the Lambda service itself makes
// with the role (writing the function's logs, polling its SQS event sources).

import type { AwsAccount } from '../aws/account';
import type { PolicyDocument, Role } from '../aws/iam-check';
import type { IamRequest } from '../aws/iam-requests';
import { IntrinsicError, resolveIntrinsics } from './intrinsics';
import type { Template } from './packaged';

interface Stack {
  template: Template;
  account: AwsAccount;
}

/** The logical id of the function whose handler is functions/<name>.handler. */
export function functionLogicalId({ template }: Stack, name: string): string {
  const found = Object.entries(template.Resources).filter(
    ([, resource]) =>
      resource.Type === 'AWS::Lambda::Function' &&
      resource.Properties.Handler === `functions/${name}.handler`,
  );
  if (found.length !== 1 || !found[0]) throw new IntrinsicError(`${found.length} functions named ${name}`);
  return found[0][0];
}

const propertiesOf = (stack: Stack, logicalId: string) =>
  stack.template.Resources[logicalId]?.Properties ?? {};

export function functionRole(stack: Stack, name: string): Role {
  const functionId = functionLogicalId(stack, name);
  const role = propertiesOf(stack, functionId).Role as { 'Fn::GetAtt'?: [string, string] } | undefined;
  const roleId = role?.['Fn::GetAtt']?.[0];
  if (!roleId) throw new IntrinsicError(`${functionId} has no role of the template`);
  const properties = propertiesOf(stack, roleId);
  if (properties.ManagedPolicyArns || properties.PermissionsBoundary)
    throw new IntrinsicError(`${roleId} has managed policies or a boundary, which are not modelled`);
  const policies = (properties.Policies ?? []) as { PolicyName: string; PolicyDocument: unknown }[];
  return {
    name: roleId,
    account: stack.account,
    policies: policies.map((policy) => ({
      name: policy.PolicyName,
      document: resolveIntrinsics(policy.PolicyDocument, stack) as PolicyDocument,
    })),
  };
}

export function functionEnvironment(stack: Stack, name: string): Record<string, string> {
  const environment = propertiesOf(stack, functionLogicalId(stack, name)).Environment as
    | { Variables?: Record<string, unknown> }
    | undefined;
  return resolveIntrinsics(environment?.Variables ?? {}, stack) as Record<string, string>;
}

/** Settings with which Lambda would make other calls with the role; none is used, none is modelled. */
const UNMODELLED = ['VpcConfig', 'TracingConfig', 'DeadLetterConfig', 'KmsKeyArn', 'FileSystemConfigs'];

const lambdaRequest = (action: string, resource: string, origin: string): IamRequest => ({
  action,
  resource,
  context: {},
  origin,
});

function logRequests(stack: Stack, name: string, functionId: string): IamRequest[] {
  const { partition, region, accountId } = stack.account;
  const properties = propertiesOf(stack, functionId);
  const logGroup =
    (properties.LoggingConfig as { LogGroup?: string } | undefined)?.LogGroup ??
    `/aws/lambda/${resolveIntrinsics({ Ref: functionId }, stack)}`;
  const stream = `arn:${partition}:logs:${region}:${accountId}:log-group:${logGroup}:log-stream:2025/01/15/[$LATEST]0123456789abcdef`;
  return ['logs:CreateLogStream', 'logs:PutLogEvents'].map((action) =>
    lambdaRequest(action, stream, `the Lambda service writing the ${name} logs`),
  );
}

function pollingRequests(stack: Stack, name: string, functionId: string): IamRequest[] {
  const functionArn = resolveIntrinsics({ 'Fn::GetAtt': [functionId, 'Arn'] }, stack);
  const functionName = resolveIntrinsics({ Ref: functionId }, stack);
  const sources = Object.values(stack.template.Resources)
    .filter((resource) => resource.Type === 'AWS::Lambda::EventSourceMapping')
    .map((mapping) => resolveIntrinsics(mapping.Properties, stack) as Record<string, unknown>)
    .filter((mapping) => mapping.FunctionName === functionArn || mapping.FunctionName === functionName)
    .map((mapping) => String(mapping.EventSourceArn));
  return sources.flatMap((source) => {
    if (!source.startsWith(`arn:${stack.account.partition}:sqs:`))
      throw new IntrinsicError(`${functionId} has an event source that is not a queue: ${source}`);
    // What AWSLambdaSQSQueueExecutionRole grants: all an SQS event source mapping needs.
    return ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'].map((action) =>
      lambdaRequest(action, source, `the Lambda service polling the ${name} event source`),
    );
  });
}

/** The Lambda service's requests with the function's role: its logs, and polling its SQS event sources. */
export function lambdaServiceRequests(stack: Stack, name: string): IamRequest[] {
  const functionId = functionLogicalId(stack, name);
  const unmodelled = UNMODELLED.filter((setting) => setting in propertiesOf(stack, functionId));
  if (unmodelled.length > 0) throw new IntrinsicError(`${functionId} sets ${unmodelled.join(', ')}`);
  return [...logRequests(stack, name, functionId), ...pollingRequests(stack, name, functionId)];
}

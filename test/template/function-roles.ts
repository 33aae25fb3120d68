// A function of the generated template as IAM sees it: its role's inline policies and its environment, with
// the intrinsic functions resolved in the test account, and the requests the Lambda service itself makes
// with the role (writing the function's logs, polling its SQS event sources, managing its network interfaces
// in a VPC).

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
  // Resolved as a whole: a policy may be there only under a condition (Fn::If ... AWS::NoValue).
  const policies = resolveIntrinsics(properties.Policies ?? [], stack) as {
    PolicyName: string;
    PolicyDocument: PolicyDocument;
  }[];
  return {
    name: roleId,
    account: stack.account,
    policies: policies.map((policy) => ({ name: policy.PolicyName, document: policy.PolicyDocument })),
  };
}

export function functionEnvironment(stack: Stack, name: string): Record<string, string> {
  const environment = propertiesOf(stack, functionLogicalId(stack, name)).Environment as
    | { Variables?: Record<string, unknown> }
    | undefined;
  return resolveIntrinsics(environment?.Variables ?? {}, stack) as Record<string, string>;
}

/** Settings with which Lambda would make other calls with the role; none is used, none is modelled. */
const UNMODELLED = ['TracingConfig', 'DeadLetterConfig', 'KmsKeyArn', 'FileSystemConfigs'];

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

/**
 * In a VPC, Lambda creates, describes and deletes the network interfaces that attach the function to its
 * subnets, with the function's role (AWSLambdaVPCAccessExecutionRole's actions). No code of ours makes these
 * calls, so no test records them: they are the Lambda service's, like the log writes, and they are what uses
 * the role's network-interface grants in the "every granted action is used" check.
 */
function networkInterfaceRequests(stack: Stack, name: string, functionId: string): IamRequest[] {
  const vpc = resolveIntrinsics(propertiesOf(stack, functionId).VpcConfig, stack) as
    | { SubnetIds?: string[]; SecurityGroupIds?: string[] }
    | undefined;
  if (!vpc) return [];
  const { partition, region, accountId } = stack.account;
  const ec2 = (resource: string) => `arn:${partition}:ec2:${region}:${accountId}:${resource}`;
  const eni = ec2('network-interface/eni-0123456789abcdef0');
  const origin = `the Lambda service attaching ${name} to its VPC`;
  const created = [
    eni,
    ...(vpc.SubnetIds ?? []).map((id) => ec2(`subnet/${id}`)),
    ...(vpc.SecurityGroupIds ?? []).map((id) => ec2(`security-group/${id}`)),
  ];
  return [
    ...created.map((resource) => lambdaRequest('ec2:CreateNetworkInterface', resource, origin)),
    ...['ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets'].map((action) =>
      lambdaRequest(action, '*', origin),
    ),
    ...['ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'].map(
      (action) => lambdaRequest(action, eni, origin),
    ),
  ];
}

/**
 * The Lambda service's requests with the function's role: its logs, polling its SQS event sources, and in a
 * VPC its network interfaces.
 */
export function lambdaServiceRequests(stack: Stack, name: string): IamRequest[] {
  const functionId = functionLogicalId(stack, name);
  const unmodelled = UNMODELLED.filter((setting) => setting in propertiesOf(stack, functionId));
  if (unmodelled.length > 0) throw new IntrinsicError(`${functionId} sets ${unmodelled.join(', ')}`);
  return [
    ...logRequests(stack, name, functionId),
    ...pollingRequests(stack, name, functionId),
    ...networkInterfaceRequests(stack, name, functionId),
  ];
}

// Resolves the CloudFormation intrinsic functions of the generated template the way a deployment into the test
// account would, so that its policies can be evaluated against concrete ARNs: Ref, Fn::GetAtt (the
// attributes the template uses), Fn::Sub, Fn::Split, Fn::Join, Fn::Select, and Fn::If on the template's
// Conditions (Fn::Not, Fn::Equals, Fn::And, Fn::Or, Condition), AWS::NoValue removing what it stands in.
// Anything else throws, naming it.

import type { AwsAccount } from '../aws/account';
import type { Template, TemplateResource } from './packaged';

export class IntrinsicError extends Error {
  constructor(problem: string) {
    super(`cannot resolve the template: ${problem}; teach test/template/intrinsics.ts`);
    this.name = 'IntrinsicError';
  }
}

interface Stack {
  template: Template;
  account: AwsAccount;
}

const resourceOf = ({ template }: Stack, logicalId: string): TemplateResource => {
  const resource = template.Resources[logicalId];
  if (!resource) throw new IntrinsicError(`no resource ${logicalId}`);
  return resource;
};

const nameProperty: Record<string, string> = {
  'AWS::DynamoDB::Table': 'TableName',
  'AWS::SQS::Queue': 'QueueName',
  'AWS::Logs::LogGroup': 'LogGroupName',
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::IAM::Role': 'RoleName',
  'AWS::SSM::Parameter': 'Name',
};

/** The physical name: the one the template sets, else the logical id (CloudFormation would generate one). */
function physicalName(stack: Stack, logicalId: string): string {
  const resource = resourceOf(stack, logicalId);
  const property = nameProperty[resource.Type];
  if (!property) throw new IntrinsicError(`no name for a ${resource.Type} (${logicalId})`);
  const name = resolveIntrinsics(resource.Properties[property] ?? logicalId, stack);
  if (typeof name !== 'string') throw new IntrinsicError(`${logicalId}.${property} is not a string`);
  return name;
}

function pseudoParameter({ account }: Stack, name: string): string | undefined {
  const values: Record<string, string> = {
    'AWS::Partition': account.partition,
    'AWS::Region': account.region,
    'AWS::AccountId': account.accountId,
    'AWS::URLSuffix': 'amazonaws.com',
  };
  return values[name];
}

/** What `Ref: AWS::NoValue` resolves to: removed from the list or object that holds it. */
const NO_VALUE = Symbol('AWS::NoValue');

function condition(stack: Stack, value: unknown): boolean {
  if (typeof value !== 'object' || value === null)
    throw new IntrinsicError(`condition ${JSON.stringify(value)}`);
  const [[name, argument] = []] = Object.entries(value);
  const items = () => (Array.isArray(argument) ? argument : [argument]);
  switch (name) {
    case 'Condition':
      return condition(
        stack,
        stack.template.Conditions?.[String(argument)] ?? missing(`condition ${argument}`),
      );
    case 'Fn::Not':
      return !condition(stack, items()[0]);
    case 'Fn::And':
      return items().every((item) => condition(stack, item));
    case 'Fn::Or':
      return items().some((item) => condition(stack, item));
    case 'Fn::Equals': {
      const [a, b] = items().map((item) => JSON.stringify(resolveIntrinsics(item, stack)));
      return a === b;
    }
    default:
      throw new IntrinsicError(`condition function ${name}`);
  }
}

const missing = (what: string): never => {
  throw new IntrinsicError(`no ${what}`);
};

function ref(stack: Stack, name: string): string | typeof NO_VALUE {
  if (name === 'AWS::NoValue') return NO_VALUE;
  const pseudo = pseudoParameter(stack, name);
  if (pseudo !== undefined) return pseudo;
  const { region, accountId } = stack.account;
  // A queue's Ref is its URL; the other resources used here are referred to by name.
  if (resourceOf(stack, name).Type === 'AWS::SQS::Queue')
    return `https://sqs.${region}.amazonaws.com/${accountId}/${physicalName(stack, name)}`;
  return physicalName(stack, name);
}

function getAtt(stack: Stack, logicalId: string, attribute: string): string {
  const type = resourceOf(stack, logicalId).Type;
  const name = physicalName(stack, logicalId);
  const { partition, region, accountId } = stack.account;
  const arn = (service: string, resource: string, inRegion = region) =>
    `arn:${partition}:${service}:${inRegion}:${accountId}:${resource}`;
  const arns: Record<string, () => string> = {
    'AWS::DynamoDB::Table': () => arn('dynamodb', `table/${name}`),
    'AWS::SQS::Queue': () => arn('sqs', name),
    'AWS::Logs::LogGroup': () => arn('logs', `log-group:${name}:*`),
    'AWS::Lambda::Function': () => arn('lambda', `function:${name}`),
    'AWS::IAM::Role': () => arn('iam', `role/${name}`, ''),
  };
  if (attribute === 'Arn' && arns[type]) return arns[type]();
  if (type === 'AWS::SQS::Queue' && attribute === 'QueueName') return name;
  throw new IntrinsicError(`Fn::GetAtt ${logicalId}.${attribute} of a ${type}`);
}

function sub(stack: Stack, argument: unknown): string {
  const [text, variables] = Array.isArray(argument) ? argument : [argument, {}];
  if (typeof text !== 'string') throw new IntrinsicError('Fn::Sub without a string');
  return text.replace(/\$\{(!?)([^}]+)\}/g, (_, literal: string, name: string) => {
    if (literal) return `\${${name}}`;
    const variable = (variables as Record<string, unknown>)[name];
    if (variable !== undefined) return String(resolveIntrinsics(variable, stack));
    const [logicalId = '', attribute] = name.split('.');
    return attribute ? getAtt(stack, logicalId, attribute) : String(ref(stack, logicalId));
  });
}

const strings = (value: unknown, what: string): string[] => {
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string'))
    throw new IntrinsicError(`${what} of something else than strings`);
  return value as string[];
};

function intrinsic(stack: Stack, name: string, argument: unknown): unknown {
  const args = () => {
    if (!Array.isArray(argument)) throw new IntrinsicError(`${name} without a list`);
    return argument.map((item) => resolveIntrinsics(item, stack));
  };
  switch (name) {
    case 'Ref':
      return ref(stack, String(argument));
    case 'Fn::GetAtt': {
      const [logicalId, attribute] = Array.isArray(argument) ? argument : String(argument).split('.');
      return getAtt(stack, String(logicalId), String(attribute));
    }
    case 'Fn::Sub':
      return sub(stack, argument);
    case 'Fn::Split': {
      const [separator, value] = args();
      return String(value).split(String(separator));
    }
    case 'Fn::Join': {
      const [separator, values] = args();
      return strings(values, 'Fn::Join').join(String(separator));
    }
    case 'Fn::Select': {
      const [index, values] = args();
      return strings(values, 'Fn::Select')[Number(index)];
    }
    case 'Fn::If': {
      const [name, whenTrue, whenFalse] = Array.isArray(argument) ? argument : [];
      const holds = condition(stack, { Condition: name });
      return resolveIntrinsics(holds ? whenTrue : whenFalse, stack);
    }
    default:
      throw new IntrinsicError(name);
  }
}

/** `value` with every intrinsic function replaced by its value in the test account. */
export function resolveIntrinsics(value: unknown, stack: Stack): unknown {
  if (Array.isArray(value))
    return value.map((item) => resolveIntrinsics(item, stack)).filter((item) => item !== NO_VALUE);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value);
  const [only] = entries;
  if (entries.length === 1 && only && (only[0] === 'Ref' || only[0].startsWith('Fn::')))
    return intrinsic(stack, only[0], only[1]);
  return Object.fromEntries(
    entries
      .map(([key, item]) => [key, resolveIntrinsics(item, stack)] as const)
      .filter(([, item]) => item !== NO_VALUE),
  );
}

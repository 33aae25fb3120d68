// Decides IAM requests against a role's policies with a real policy evaluator (@cloud-copilot/iam-simulate),
// both ways: which requests the role does not allow, and which of its grants no request uses.
//
// iam-simulate validates each request (the action exists, the ARN is of a resource type the action takes, the
// policies parse, the condition keys belong to the action) and then evaluates it. One gap: it drops context
// keys with a variable part after a colon, such as kms:EncryptionContext:PARAMETER_ARN, as if the request did
// not carry them. A request whose only dropped keys are of that kind is decided again, with every key, by its
// evaluation core without the validation (runUnsafeSimulation), once the validation has passed.

import { runSimulation, runUnsafeSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import type { AwsAccount } from './account';
import type { IamRequest } from './iam-requests';

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: string;
  Statement: PolicyStatement[];
}

export interface Role {
  name: string;
  account: AwsAccount;
  policies: { name: string; document: PolicyDocument }[];
}

const VARIABLE_AFTER_COLON = /^kms:encryptioncontext:/i;

/**
 * KMS lets IAM policies decide only when the key policy delegates to the account, as the default key policy
 * does. The template does not create the keys; this stands for a key created with the default policy.
 * (Passed pre-validated: runUnsafeSimulation needs a named resource policy.)
 */
const keyPolicy = (account: AwsAccount) => ({
  __validated: true,
  metadata: { name: 'default key policy' },
  errors: [],
  policyDocument: {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { AWS: `arn:${account.partition}:iam::${account.accountId}:root` },
        Action: 'kms:*',
        Resource: '*',
      },
    ],
  },
});

function simulation(role: Role, request: IamRequest): Simulation {
  const { partition, accountId } = role.account;
  return {
    request: {
      principal: `arn:${partition}:sts::${accountId}:assumed-role/${role.name}/function`,
      action: request.action,
      resource: { resource: request.resource, accountId },
      contextVariables: request.context,
    },
    identityPolicies: role.policies.map(({ name, document }) => ({ name, policy: document })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    ...(request.action.startsWith('kms:') ? { resourcePolicy: keyPolicy(role.account) } : {}),
  };
}

export const describeRequest = (request: IamRequest) => {
  const context = Object.entries(request.context)
    .filter(([key]) => VARIABLE_AFTER_COLON.test(key))
    .map(([key, value]) => ` with ${key}=${value}`)
    .join('');
  return `${request.action} on ${request.resource}${context}`;
};

export class SimulationRefusedError extends Error {
  constructor(request: IamRequest, problem: string) {
    super(`iam-simulate refused ${describeRequest(request)} (${request.origin}): ${problem}`);
    this.name = 'SimulationRefusedError';
  }
}

/** true when the role allows the request. Throws SimulationRefusedError when the request itself is invalid. */
export async function allows(role: Role, request: IamRequest): Promise<boolean> {
  const input = simulation(role, request);
  const checked = await runSimulation(input, {});
  if (checked.resultType === 'error') throw new SimulationRefusedError(request, checked.errors.message);
  const results = checked.resultType === 'single' ? [checked.result] : checked.results;
  const ignored = [...new Set(results.flatMap((result) => result.ignoredContextKeys ?? []))];
  const unknown = ignored.filter((key) => !VARIABLE_AFTER_COLON.test(key));
  if (unknown.length > 0)
    throw new SimulationRefusedError(request, `${unknown.join(', ')}: not a condition key of the action`);
  const result = ignored.length > 0 ? runUnsafeSimulation(input, {}) : checked.overallResult;
  return result === 'Allowed';
}

const list = (value: string | string[]) => (Array.isArray(value) ? value : [value]);

/** One of each request, the first (so that a message names the first test that needed it). */
function uniqueRequests(requests: readonly IamRequest[]): IamRequest[] {
  const unique = new Map<string, IamRequest>();
  for (const request of requests) {
    const key = JSON.stringify([request.action, request.resource, request.context]);
    if (!unique.has(key)) unique.set(key, request);
  }
  return [...unique.values()];
}

/** The requests the role does not allow, one line each. */
export async function deniedRequests(role: Role, requests: readonly IamRequest[]): Promise<string[]> {
  const denied: string[] = [];
  for (const request of uniqueRequests(requests)) {
    if (!(await allows(role, request)))
      denied.push(`${role.name} does not allow ${describeRequest(request)}, needed by ${request.origin}`);
  }
  return denied;
}

/** One action on one resource of an Allow statement, with the statement's conditions, as a role of its own. */
interface Grant {
  action: string;
  resource: string;
  alone: Role;
}

function grantsOf(role: Role): Grant[] {
  return role.policies.flatMap(({ name, document }) =>
    document.Statement.filter((statement) => statement.Effect === 'Allow').flatMap((statement) =>
      list(statement.Action).flatMap((action) =>
        list(statement.Resource).map((resource) => ({
          action,
          resource,
          alone: {
            ...role,
            policies: [
              {
                name,
                document: {
                  Version: document.Version,
                  Statement: [{ ...statement, Action: action, Resource: resource }],
                },
              },
            ],
          },
        })),
      ),
    ),
  );
}

async function allowsAny(grant: Grant, requests: readonly IamRequest[]): Promise<boolean> {
  const action = grant.action.toLowerCase();
  for (const request of requests.filter((candidate) => candidate.action.toLowerCase() === action)) {
    if (await allows(grant.alone, request)) return true;
  }
  return false;
}

/**
 * The grants (each action on each resource of an Allow statement) that allow none of the requests, one line
 * each. A grant is decided alone, conditions included: it is used only if it alone would allow a request.
 */
export async function unusedGrants(role: Role, requests: readonly IamRequest[]): Promise<string[]> {
  const unique = uniqueRequests(requests);
  const unused: string[] = [];
  for (const grant of grantsOf(role)) {
    if (!(await allowsAny(grant, unique)))
      unused.push(`${role.name} grants ${grant.action} on ${grant.resource}, which no call uses`);
  }
  return unused;
}

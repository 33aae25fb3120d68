// serverless.yml "Network": optional VPC settings. Without the params the stack is what it always was; with
// them every function runs in the VPC and every role gains the network-interface actions Lambda needs (the
// role checks of each function's test file prove those are exactly what Lambda uses, test/functions).

import { beforeAll, describe, expect, it } from 'vitest';
import { vpcFor } from '../../functions/build/network.cjs';
import { TEST_ACCOUNT } from '../aws/account';
import { functionRole } from './function-roles';
import { PACKAGE_TIMEOUT_MS, packagedService, TEST_VPC, type Template } from './packaged';

const FUNCTIONS = ['scheduled', 'worker', 'webhook', 'plan'] as const;
const ENI_ACTIONS = [
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSubnets',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
];

let plain: Template;
let inVpc: Template;
beforeAll(async () => {
  [plain, inVpc] = await Promise.all([
    packagedService('none').then((service) => service.template),
    packagedService('vpc').then((service) => service.template),
  ]);
}, PACKAGE_TIMEOUT_MS);

const functions = (template: Template) =>
  Object.entries(template.Resources).filter(([, resource]) => resource.Type === 'AWS::Lambda::Function');

const ec2Actions = (template: Template, name: (typeof FUNCTIONS)[number]) =>
  functionRole({ template, account: TEST_ACCOUNT }, name)
    .policies.flatMap((policy) => policy.document.Statement)
    .flatMap((statement) => (Array.isArray(statement.Action) ? statement.Action : [statement.Action]))
    .filter((action) => action.startsWith('ec2:'));

describe('the stack without the VPC params', () => {
  it('runs no function in a VPC and grants no role a network-interface action', () => {
    expect(functions(plain)).toHaveLength(FUNCTIONS.length);
    for (const [id, resource] of functions(plain))
      expect(resource.Properties, id).not.toHaveProperty('VpcConfig');
    for (const name of FUNCTIONS) expect(ec2Actions(plain, name), name).toEqual([]);
  });
});

describe('the stack packaged with subnetIds and securityGroupIds', () => {
  it('runs every function in those subnets and security groups', () => {
    expect(functions(inVpc)).toHaveLength(FUNCTIONS.length);
    for (const [id, resource] of functions(inVpc))
      expect(resource.Properties.VpcConfig, id).toEqual({
        SubnetIds: [...TEST_VPC.subnetIds],
        SecurityGroupIds: [...TEST_VPC.securityGroupIds],
      });
  });

  it("grants every function's role the network-interface actions, on every resource (EC2 names none narrower)", () => {
    for (const name of FUNCTIONS) {
      const policy = functionRole({ template: inVpc, account: TEST_ACCOUNT }, name).policies.find(
        (candidate) => candidate.name === 'vpc-network-interfaces',
      );
      expect(policy?.document.Statement, name).toEqual([
        { Effect: 'Allow', Action: ENI_ACTIONS, Resource: '*' },
      ]);
    }
  });
});

describe('the VPC params', () => {
  it('give no VPC when neither is set, and both lists when both are', () => {
    expect(vpcFor(null, null)).toBeNull();
    expect(vpcFor('', '')).toBeNull();
    expect(vpcFor(' subnet-0123456789abcdef0 , subnet-0fedcba9876543210', 'sg-0123456789abcdef0')).toEqual({
      subnetIds: ['subnet-0123456789abcdef0', 'subnet-0fedcba9876543210'],
      securityGroupIds: ['sg-0123456789abcdef0'],
    });
  });

  it('are refused half set or misspelt, naming the param', () => {
    expect(() => vpcFor('subnet-0123456789abcdef0', '')).toThrow(
      'VPC: the subnetIds param is set but securityGroupIds is not; set both (--param="securityGroupIds=...") or neither',
    );
    expect(() => vpcFor(null, 'sg-0123456789abcdef0')).toThrow(
      /securityGroupIds param is set but subnetIds is not/,
    );
    expect(() => vpcFor('subnet-x', 'sg-0123456789abcdef0,vpc-0123456789abcdef0')).toThrow(
      'VPC: subnetIds: "subnet-x" is not a subnet id (subnet-...); securityGroupIds: "vpc-0123456789abcdef0" is not a security group id (sg-...)',
    );
  });
});

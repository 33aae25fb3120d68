// The role check that ends the test file of each function: every AWS call the file's tests recorded, and each
// call the Lambda service makes for the function, must be allowed by that function's role in the generated
// CloudFormation template; and every action (on every resource) the role grants must be used by one of them.
// A command added to a function is checked as soon as a test of the function makes it. Both ways again with the
// stack packaged in a VPC (serverless.yml "Network"), where Lambda also manages network interfaces with the role.

import { beforeAll, describe, expect, it } from 'vitest';
import { TEST_ACCOUNT } from '../aws/account';
import { deniedRequests, type Role, unusedGrants } from '../aws/iam-check';
import { type IamRequest, iamRequests } from '../aws/iam-requests';
import { functionEnvironment, functionRole, lambdaServiceRequests } from '../template/function-roles';
import { type Network, PACKAGE_TIMEOUT_MS, packagedService } from '../template/packaged';
import { FUNCTION_ENVIRONMENT, type FunctionName, type FunctionTests } from './function-tests';

export function describeRolePermissions(tests: FunctionTests<FunctionName>): void {
  tests.roleChecked();
  describeRole(tests, 'none');
  describeRole(tests, 'vpc');
}

function describeRole(tests: FunctionTests<FunctionName>, network: Network): void {
  const { name } = tests;
  const where = network === 'none' ? '' : ` in a ${network}`;
  describe(`the ${name} role of the generated template${where}`, () => {
    let role: Role;
    let environment: Record<string, string>;
    let requests: IamRequest[];

    beforeAll(async () => {
      const stack = { template: (await packagedService(network)).template, account: TEST_ACCOUNT };
      role = functionRole(stack, name);
      environment = functionEnvironment(stack, name);
      const calls = tests.recorder.calls();
      requests = [
        ...calls.flatMap((call) => iamRequests(call, TEST_ACCOUNT)),
        ...lambdaServiceRequests(stack, name),
      ];
    }, PACKAGE_TIMEOUT_MS);

    it(`ran the ${name} tests with the environment the stack${where} gives ${name}, recording their calls`, () => {
      const stackSettings = Object.fromEntries(
        Object.entries(environment).filter(([key]) => key.startsWith('AUTOSCALER_')),
      );
      expect(FUNCTION_ENVIRONMENT[name]).toEqual(stackSettings);
      expect(
        tests.recorder.calls().length,
        `no AWS call recorded: run the whole ${name} test file`,
      ).toBeGreaterThan(0);
    });

    it(`allows every AWS call the ${name} tests made, and what Lambda does for ${name}${where}`, async () => {
      expect((await deniedRequests(role, requests)).map((line) => `${name}: ${line}`)).toEqual([]);
    });

    it(`grants ${name}${where} nothing that none of those calls uses`, async () => {
      expect((await unusedGrants(role, requests)).map((line) => `${name}: ${line}`)).toEqual([]);
    });
  });
}

// The set-up every test file of a Lambda function shares: per test, a fresh emulator, a fresh DynamoDB
// (dynalite) with the stack's state table, the AWS services it cannot run locally mocked as they answer, and
// the function's stdout captured. Deps are built by the function's own runtime (lib/aws/runtime.ts) from the
// environment the stack gives the function, so the tests make every AWS call the function makes in AWS, and
// every one is recorded, for the role check that ends each file (role-permissions.ts).

import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, beforeEach, vi } from 'vitest';
import { type Emulator, startEmulator } from '../../emulator/server';
import {
  buildFunctionDeps,
  buildScheduledDeps,
  buildWebhookDeps,
  type FunctionDeps,
  type ScheduledDeps,
  type WebhookDeps,
} from '../../lib/aws/runtime';
import type { Config } from '../../lib/config';
import { TEST_ACCOUNT } from '../aws/account';
import { AwsCallRecorder } from '../aws/recorder';
import { type LocalDynamoDb, startLocalDynamoDb } from '../state/local-dynamodb';
import { STAGE } from '../template/packaged';
import {
  type AwsMocks,
  CREDENTIALS_PARAMETER,
  FakeParameterStore,
  KILL_SWITCH_PARAMETER,
  mockAwsClients,
  POOL_QUEUE_URL,
  resetAwsMocks,
  STATE_TABLE,
  TEST_AK,
  TEST_SK,
  WEBHOOK_SECRET_PARAMETER,
} from './aws-fakes';
import { captureOutput, NOW } from './harness';

export type FunctionName = 'scheduled' | 'worker' | 'webhook' | 'plan';

interface DepsOf {
  scheduled: ScheduledDeps;
  worker: FunctionDeps;
  webhook: WebhookDeps;
  plan: FunctionDeps;
}

const builders: { [N in FunctionName]: typeof buildFunctionDeps } = {
  scheduled: buildScheduledDeps,
  worker: buildFunctionDeps,
  webhook: buildWebhookDeps,
  plan: buildFunctionDeps,
};

/** The AUTOSCALER_* environment serverless.yml gives each function (the role check compares). */
export const FUNCTION_ENVIRONMENT: { [N in FunctionName]: Record<string, string> } = {
  scheduled: {
    AUTOSCALER_STATE_TABLE: STATE_TABLE,
    AUTOSCALER_STAGE: STAGE,
    AUTOSCALER_CREDENTIALS_PARAMETER: CREDENTIALS_PARAMETER,
    AUTOSCALER_KILL_SWITCH_PARAMETER: KILL_SWITCH_PARAMETER,
    AUTOSCALER_QUEUE_URL: POOL_QUEUE_URL,
  },
  worker: {
    AUTOSCALER_STATE_TABLE: STATE_TABLE,
    AUTOSCALER_STAGE: STAGE,
    AUTOSCALER_CREDENTIALS_PARAMETER: CREDENTIALS_PARAMETER,
    AUTOSCALER_KILL_SWITCH_PARAMETER: KILL_SWITCH_PARAMETER,
  },
  webhook: {
    AUTOSCALER_STATE_TABLE: STATE_TABLE,
    AUTOSCALER_STAGE: STAGE,
    AUTOSCALER_CREDENTIALS_PARAMETER: CREDENTIALS_PARAMETER,
    AUTOSCALER_KILL_SWITCH_PARAMETER: KILL_SWITCH_PARAMETER,
    AUTOSCALER_WEBHOOK_SECRET_PARAMETER: WEBHOOK_SECRET_PARAMETER,
  },
  plan: {
    AUTOSCALER_STATE_TABLE: STATE_TABLE,
    AUTOSCALER_STAGE: STAGE,
    AUTOSCALER_CREDENTIALS_PARAMETER: CREDENTIALS_PARAMETER,
    AUTOSCALER_DRY_RUN: 'true',
  },
};

export interface FunctionTests<N extends FunctionName> {
  readonly name: N;
  readonly emulator: Emulator;
  readonly output: ReturnType<typeof captureOutput>;
  /** The mocked SSM, SQS and CloudWatch clients: their calls, and answers a test changes. */
  readonly aws: AwsMocks;
  /** The SSM parameters of the stack (credentials, kill switch, webhook secret). */
  readonly parameters: FakeParameterStore;
  /** The function's deps, as its runtime builds them, with `env` changed from the stack's. */
  deps(config: Config, env?: Record<string, string | undefined>): Promise<DepsOf[N]>;
  /** Replaces the emulator by one that checks AK/SK signatures, accepting the credentials parameter's keys. */
  verifySignatures(): Promise<Emulator>;
  /** Every AWS call the file's tests made so far. */
  readonly recorder: AwsCallRecorder;
  /** Said by the role check, which every file that sets up function tests must end with. */
  roleChecked(): void;
}

/** Registers the set-up hooks of a test file for function `name`. */
export function setUpFunctionTests<N extends FunctionName>(name: N): FunctionTests<N> {
  const recorder = new AwsCallRecorder();
  const parameters = new FakeParameterStore();
  let aws: AwsMocks | undefined;
  let emulator: Emulator | undefined;
  let output: ReturnType<typeof captureOutput> | undefined;
  let dynamoDb: LocalDynamoDb | undefined;
  const clients: DynamoDBClient[] = [];
  let checked = false;
  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is only there while a test runs`);
    return value;
  };

  beforeAll(() => {
    // The Lambda runtime sets it; the SDK clients the functions create take their region from it.
    vi.stubEnv('AWS_REGION', TEST_ACCOUNT.region);
    aws = mockAwsClients();
  });
  beforeEach(async () => {
    resetAwsMocks(started(aws, 'aws'), parameters);
    dynamoDb = await startLocalDynamoDb(STATE_TABLE, TEST_ACCOUNT.region);
    emulator = await startEmulator({ now: () => NOW });
    output = captureOutput();
  });
  afterEach(async ({ task }) => {
    output?.restore();
    recorder.takeFromMocks(Object.values(started(aws, 'aws')));
    await recorder.endTest(task.name);
    for (const client of clients.splice(0)) client.destroy();
    await Promise.all([emulator?.close(), dynamoDb?.close()]);
  });
  afterAll(() => {
    for (const mock of Object.values(aws ?? {})) mock.restore();
    vi.unstubAllEnvs();
    if (!checked)
      throw new Error(`test/functions/${name}.test.ts must end with describeRolePermissions(tests)`);
  });

  return {
    name,
    get emulator() {
      return started(emulator, 'the emulator');
    },
    get output() {
      return started(output, 'the output');
    },
    get aws() {
      return started(aws, 'aws');
    },
    parameters,
    recorder,
    async deps(config, env = {}) {
      const client = recorder.attach(started(dynamoDb, 'DynamoDB').client());
      clients.push(client);
      return (await builders[name](
        { ...FUNCTION_ENVIRONMENT[name], ...env },
        { config, dynamoDbClient: client, now: () => NOW, sleep: async () => undefined },
      )) as DepsOf[N];
    },
    async verifySignatures() {
      await emulator?.close();
      emulator = await startEmulator({
        now: () => NOW,
        auth: { mode: 'verify', credentials: { [TEST_AK]: TEST_SK } },
      });
      return emulator;
    },
    roleChecked() {
      checked = true;
    },
  };
}

// The AWS services the function tests cannot run locally, as aws-sdk-client-mock stubs of the SDK clients,
// answering as the services do: SSM Parameter Store (the parameters the stack's functions read, with their
// types, so that a SecureString read shows its KMS decrypt), SQS and CloudWatch backlogs, and the pool queue.

import {
  CloudWatchClient,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
} from '@aws-sdk/client-cloudwatch';
import { GetQueueAttributesCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  GetParameterCommand,
  type GetParameterCommandInput,
  GetParametersCommand,
  type GetParametersCommandInput,
  type Parameter,
  ParameterNotFound,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { TEST_ACCOUNT } from '../aws/account';
import { STAGE } from '../template/packaged';
import { type ConfigDocument, DEMO_WEBHOOK_SECRET, decisions, MULTI_POOL, NOW } from './harness';

const parameterName = (what: string) => `/modelarts-autoscaler/${STAGE}/${what}`;
export const CREDENTIALS_PARAMETER = parameterName('credentials');
export const KILL_SWITCH_PARAMETER = parameterName('kill-switch');
export const WEBHOOK_SECRET_PARAMETER = parameterName('webhook-secret');
export const STATE_TABLE = `modelarts-autoscaler-${STAGE}-state`;
export const POOL_QUEUE_URL = `https://sqs.${TEST_ACCOUNT.region}.amazonaws.com/${TEST_ACCOUNT.accountId}/modelarts-autoscaler-${STAGE}-pools.fifo`;

/** The keys the credentials parameter holds, and a signing emulator accepts. */
export const TEST_AK = 'AKTESTFUNCTIONS0001';
export const TEST_SK = 'sk-of-the-function-tests-only';

/** A backlog queue the SQS source reads: 4 visible and 1 in flight. */
export const BACKLOG_QUEUE_URL = `https://sqs.${TEST_ACCOUNT.region}.amazonaws.com/${TEST_ACCOUNT.accountId}/jobs`;
export const SQS_BACKLOG = 5;
/** The latest datapoint of the CloudWatch backlog metric, a minute old. */
export const CLOUDWATCH_BACKLOG = 3;

export type ParameterType = 'String' | 'SecureString';

/** The parameters of the stack, as the tests start with them. */
const defaultParameters = (): [string, Parameter][] =>
  (
    [
      [CREDENTIALS_PARAMETER, 'SecureString', JSON.stringify({ ak: TEST_AK, sk: TEST_SK })],
      [KILL_SWITCH_PARAMETER, 'String', 'off'],
      [WEBHOOK_SECRET_PARAMETER, 'SecureString', DEMO_WEBHOOK_SECRET],
    ] as const
  ).map(([Name, Type, Value]) => [Name, { Name, Type, Value, Version: 1 }]);

export class FakeParameterStore {
  readonly #parameters = new Map<string, Parameter>();

  reset(): void {
    this.#parameters.clear();
    for (const [name, parameter] of defaultParameters()) this.#parameters.set(name, parameter);
  }

  set(name: string, value: string, type: ParameterType = 'SecureString'): void {
    this.#parameters.set(name, { Name: name, Type: type, Value: value, Version: 1 });
  }

  /** GetParameter as SSM answers it (a SecureString read without decryption would be ciphertext). */
  getParameter({ Name }: GetParameterCommandInput) {
    const parameter = Name === undefined ? undefined : this.#parameters.get(Name);
    if (!parameter) throw new ParameterNotFound({ message: `${Name} not found`, $metadata: {} });
    return { Parameter: parameter };
  }

  getParameters({ Names = [] }: GetParametersCommandInput) {
    return {
      Parameters: Names.flatMap((name) => this.#parameters.get(name) ?? []),
      InvalidParameters: Names.filter((name) => !this.#parameters.has(name)),
    };
  }
}

/** Stubs the clients' `send`, for every instance, wherever the code creates it. */
export const mockAwsClients = () => ({
  ssm: mockClient(SSMClient),
  sqs: mockClient(SQSClient),
  cloudWatch: mockClient(CloudWatchClient),
});

export type AwsMocks = ReturnType<typeof mockAwsClients>;

/** Forgets the calls and answers of the last test, and answers as the services would at the start of one. */
export function resetAwsMocks(mocks: AwsMocks, parameters: FakeParameterStore): void {
  for (const mock of Object.values(mocks)) mock.reset();
  parameters.reset();
  mocks.ssm.on(GetParameterCommand).callsFake((input) => parameters.getParameter(input));
  mocks.ssm.on(GetParametersCommand).callsFake((input) => parameters.getParameters(input));
  mocks.sqs.on(GetQueueAttributesCommand).resolves({
    Attributes: {
      ApproximateNumberOfMessages: String(SQS_BACKLOG - 1),
      ApproximateNumberOfMessagesNotVisible: '1',
      ApproximateNumberOfMessagesDelayed: '0',
    },
  });
  mocks.sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
  mocks.cloudWatch.on(GetMetricDataCommand).resolves({
    MetricDataResults: [
      {
        Id: 'backlog',
        Values: [CLOUDWATCH_BACKLOG],
        Timestamps: [new Date(NOW - 60_000)],
        StatusCode: 'Complete',
      },
    ],
  });
}

/** The multi-flavor pool's backlogs read from SQS and CloudWatch, with the values of its static sources. */
export const awsBacklogSources = (document: ConfigDocument): ConfigDocument => ({
  ...document,
  pools: document.pools.map((entry) =>
    entry.name !== MULTI_POOL
      ? entry
      : {
          ...entry,
          flavors: [
            {
              flavor: 'modelarts.vm.gpu.t4u8',
              backlog: { source: { type: 'sqs', queueUrl: BACKLOG_QUEUE_URL } },
            },
            {
              flavor: 'modelarts.vm.gpu.tnt004',
              backlog: {
                source: {
                  type: 'cloudwatch',
                  namespace: 'Jobs',
                  metricName: 'Pending',
                  dimensions: { pool: '{pool}' },
                },
              },
            },
          ],
        },
  ),
});

/** What the multi-flavor pool's decisions and the mocked services show after a cycle with awsBacklogSources. */
export const AWS_BACKLOG_READS = {
  backlogs: [
    { flavor: 'modelarts.vm.gpu.t4u8', backlog: SQS_BACKLOG },
    { flavor: 'modelarts.vm.gpu.tnt004', backlog: CLOUDWATCH_BACKLOG },
  ],
  queues: [BACKLOG_QUEUE_URL],
  metrics: ['Jobs/Pending'],
};

export function awsBacklogReads(mocks: AwsMocks, lines: Record<string, unknown>[]): typeof AWS_BACKLOG_READS {
  const metric = (input: GetMetricDataCommandInput) =>
    input.MetricDataQueries?.map(
      ({ MetricStat }) => `${MetricStat?.Metric?.Namespace}/${MetricStat?.Metric?.MetricName}`,
    );
  return {
    backlogs: decisions(lines)
      .filter((record) => record.pool === MULTI_POOL)
      .map(({ flavor, backlog }) => ({ flavor: String(flavor), backlog: Number(backlog) })),
    queues: mocks.sqs
      .commandCalls(GetQueueAttributesCommand)
      .map((call) => String(call.args[0].input.QueueUrl)),
    metrics: mocks.cloudWatch
      .commandCalls(GetMetricDataCommand)
      .flatMap((call) => metric(call.args[0].input) ?? []),
  };
}

/** Every connection signs its requests with the AK/SK of the credentials parameter. */
export const signedConnections = (document: ConfigDocument): ConfigDocument => ({
  ...document,
  connections: (document.connections as Record<string, unknown>[]).map((connection) => ({
    ...connection,
    auth: { type: 'aksk' },
  })),
});

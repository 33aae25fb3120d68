// Checks the generated CloudFormation template (packaged once per test run, see packaged.ts)
// and artifacts against what the functions need and may do.

import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../emulator/server';
import { scheduleRateFor } from '../../functions/build/config-file.cjs';
import { stateTableDefinition } from '../../lib/state/dynamodb';
import { DEMO_WEBHOOK_SECRET, SAMPLE_POOL } from '../functions/harness';
import { PACKAGE_TIMEOUT_MS, packagedService, STAGE, type Template, type TemplateResource } from './packaged';
import { deploymentSettings, timeBudgetProblems } from './time-budget';
import { readZip, type ZipEntry } from './zip';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const FUNCTIONS = ['scheduled', 'worker', 'webhook', 'plan'] as const;
type FunctionName = (typeof FUNCTIONS)[number];

type Json = Record<string, unknown>;
type Resource = TemplateResource;
interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Json;
}

let outDir = '';
let template: Template;
const artifacts = new Map<FunctionName, ZipEntry[]>();

beforeAll(async () => {
  ({ dir: outDir, template } = await packagedService());
  for (const name of FUNCTIONS) artifacts.set(name, await readZip(join(outDir, `${name}.zip`)));
}, PACKAGE_TIMEOUT_MS);

const resources = (type: string) =>
  Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);

const resource = (logicalId: string): Resource => {
  const found = template.Resources[logicalId];
  if (!found) throw new Error(`no resource ${logicalId} in the template`);
  return found;
};

const logicalName = (name: FunctionName) => `${name[0]?.toUpperCase()}${name.slice(1)}`;
const lambda = (name: FunctionName) => resource(`${logicalName(name)}LambdaFunction`);
const environment = (name: FunctionName) =>
  (lambda(name).Properties.Environment as { Variables: Record<string, unknown> }).Variables;

const statements = (name: FunctionName): Statement[] => {
  const role = resource(`${logicalName(name)}Role`);
  const policies = role.Properties.Policies as { PolicyDocument?: { Statement: Statement[] } }[];
  // The VPC's policy is there only under a condition (Fn::If, no PolicyDocument here): network.test.ts.
  return policies.flatMap((policy) => policy.PolicyDocument?.Statement ?? []);
};

const actions = (statement: Statement) =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];
const allowing = (name: FunctionName, action: string) =>
  statements(name).filter((statement) => statement.Effect === 'Allow' && actions(statement).includes(action));

/** Resources as text, CloudFormation functions included, to look for parameter names in them. */
const resourceText = (statement: Statement) => JSON.stringify(statement.Resource);

const parameterName = (what: string) => `/modelarts-autoscaler/${STAGE}/${what}`;
const parameterArn = (what: string) => `parameter${parameterName(what)}`;

describe('functions', () => {
  it.each(FUNCTIONS)('%s runs nodejs22.x on arm64 with its own role and an ESM handler', (name) => {
    const { Properties } = lambda(name);
    expect(Properties.Runtime).toBe('nodejs22.x');
    expect(Properties.Architectures).toEqual(['arm64']);
    expect(Properties.Handler).toBe(`functions/${name}.handler`);
    expect(Properties.Role).toEqual({ 'Fn::GetAtt': [`${logicalName(name)}Role`, 'Arn'] });
  });

  it.each(FUNCTIONS)(
    '%s is packaged alone as one minified ESM bundle, the AWS SDK left to the runtime',
    (name) => {
      const entries = artifacts.get(name) ?? [];
      expect(entries.map((entry) => entry.name)).toEqual([`functions/${name}.mjs`]);
      const code = entries[0]?.read().toString('utf8') ?? '';
      expect(code.startsWith("import { createRequire as __createRequire } from 'node:module';")).toBe(true);
      // Minified: long lines (a readable bundle averages well under 100 characters a line).
      expect(code.length / code.split('\n').length).toBeGreaterThan(1000);
      // Loaded on first use from the runtime's SDK (functions/build/esbuild-plugins.cjs), never bundled:
      // their service exception classes would show.
      expect(code).toMatch(/\("@aws-sdk\/client-ssm"\)/);
      expect(code).not.toMatch(/(SSM|SQS|DynamoDB|CloudWatch)ServiceException/);
    },
  );

  it('has no default role: every function has its own', () => {
    expect(template.Resources.IamRoleLambdaExecution).toBeUndefined();
    const roles = FUNCTIONS.map((name) => JSON.stringify(lambda(name).Properties.Role));
    expect(new Set(roles).size).toBe(FUNCTIONS.length);
  });

  it('passes secret parameter NAMES only, never secret values, in the environment', () => {
    for (const name of FUNCTIONS) {
      for (const [key, value] of Object.entries(environment(name))) {
        if (/SECRET|CREDENTIAL|PASSWORD|TOKEN|_AK$|_SK$/.test(key)) {
          expect(key).toMatch(/_PARAMETER$/);
          expect(value).toMatch(/^\/modelarts-autoscaler\//);
        }
      }
    }
    expect(JSON.stringify(template)).not.toContain(DEMO_WEBHOOK_SECRET);
  });

  it('gives each function only the parameters and settings it uses', () => {
    expect(environment('scheduled')).toMatchObject({
      AUTOSCALER_CREDENTIALS_PARAMETER: parameterName('credentials'),
      AUTOSCALER_KILL_SWITCH_PARAMETER: parameterName('kill-switch'),
      AUTOSCALER_QUEUE_URL: { Ref: 'PoolQueue' },
    });
    expect(environment('webhook')).toMatchObject({
      AUTOSCALER_WEBHOOK_SECRET_PARAMETER: parameterName('webhook-secret'),
    });
    for (const name of ['worker', 'plan'] as const) {
      expect(environment(name)).not.toHaveProperty('AUTOSCALER_WEBHOOK_SECRET_PARAMETER');
      expect(environment(name)).not.toHaveProperty('AUTOSCALER_QUEUE_URL');
    }
    expect(environment('plan')).toMatchObject({ AUTOSCALER_DRY_RUN: 'true' });
    for (const name of FUNCTIONS) {
      expect(environment(name)).toMatchObject({
        AUTOSCALER_STATE_TABLE: `modelarts-autoscaler-${STAGE}-state`,
      });
    }
  });
});

describe('events', () => {
  it('runs scheduled on the rate derived from the config file', () => {
    const rules = resources('AWS::Events::Rule');
    expect(rules).toHaveLength(1);
    const [, rule] = rules[0] ?? [];
    expect(rule?.Properties.ScheduleExpression).toBe('rate(1 minute)');
    expect(rule?.Properties.Targets).toEqual([
      expect.objectContaining({ Arn: { 'Fn::GetAtt': ['ScheduledLambdaFunction', 'Arn'] } }),
    ]);
  });

  it('derives whole-minute EventBridge rates from intervalSeconds', () => {
    expect(scheduleRateFor({ intervalSeconds: 30 })).toBe('rate(1 minute)');
    expect(scheduleRateFor({ intervalSeconds: 60 })).toBe('rate(1 minute)');
    expect(scheduleRateFor({ intervalSeconds: 61 })).toBe('rate(2 minutes)');
    expect(scheduleRateFor({})).toBe('rate(1 minute)');
  });

  it('feeds the worker from the FIFO queue with partial batch responses', () => {
    const mappings = resources('AWS::Lambda::EventSourceMapping');
    expect(mappings).toHaveLength(1);
    const [, mapping] = mappings[0] ?? [];
    expect(mapping?.Properties).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': ['PoolQueue', 'Arn'] },
      FunctionName: { 'Fn::GetAtt': ['WorkerLambdaFunction', 'Arn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('routes POST /scale of the HTTP API to the webhook', () => {
    const routes = resources('AWS::ApiGatewayV2::Route');
    expect(routes.map(([, route]) => route.Properties.RouteKey)).toEqual(['POST /scale']);
    const [, integration] = resources('AWS::ApiGatewayV2::Integration')[0] ?? [];
    expect(JSON.stringify(integration?.Properties.IntegrationUri)).toContain('WebhookLambdaFunction');
  });
});

describe('queue, table, alarm and kill switch', () => {
  it('has a FIFO queue whose visibility timeout is at least 6x the worker timeout, redriven to a FIFO DLQ', () => {
    const queue = resource('PoolQueue').Properties;
    expect(queue.FifoQueue).toBe(true);
    expect(queue.VisibilityTimeout).toBeGreaterThanOrEqual(
      6 * (lambda('worker').Properties.Timeout as number),
    );
    expect(queue.RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': ['PoolDeadLetterQueue', 'Arn'] },
      maxReceiveCount: expect.any(Number),
    });
    expect((queue.RedrivePolicy as { maxReceiveCount: number }).maxReceiveCount).toBeGreaterThanOrEqual(2);
    expect(resource('PoolDeadLetterQueue').Properties.FifoQueue).toBe(true);
  });

  it('has the state table of lib/state/dynamodb.ts: key schema, billing mode and TTL', () => {
    const table = resource('StateTable').Properties;
    const expected = stateTableDefinition.properties;
    expect(table.KeySchema).toEqual(expected.KeySchema);
    expect(table.AttributeDefinitions).toEqual(expected.AttributeDefinitions);
    expect(table.BillingMode).toBe(expected.BillingMode);
    expect(table.TimeToLiveSpecification).toEqual(expected.TimeToLiveSpecification);
  });

  it('alarms on any message in the dead-letter queue', () => {
    const alarm = resource('PoolDeadLetterAlarm').Properties;
    expect(alarm).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['PoolDeadLetterQueue', 'QueueName'] } }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });

  it('creates the kill switch parameter, released', () => {
    expect(resource('KillSwitchParameter').Properties).toMatchObject({
      Name: parameterName('kill-switch'),
      Type: 'String',
      Value: 'off',
    });
  });
});

describe('roles (least privilege)', () => {
  it('never allows wildcard actions', () => {
    for (const name of FUNCTIONS) {
      for (const statement of statements(name)) {
        for (const action of actions(statement)) expect(action).not.toMatch(/\*/);
      }
    }
  });

  it('lets only scheduled send to the queue', () => {
    expect(allowing('scheduled', 'sqs:SendMessage').map(resourceText)).toEqual([
      JSON.stringify({ 'Fn::GetAtt': ['PoolQueue', 'Arn'] }),
    ]);
    for (const name of ['worker', 'webhook', 'plan'] as const)
      expect(allowing(name, 'sqs:SendMessage')).toEqual([]);
  });

  it('lets the worker consume the queue', () => {
    for (const action of ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes']) {
      expect(allowing('worker', action).map(resourceText)).toContain(
        JSON.stringify({ 'Fn::GetAtt': ['PoolQueue', 'Arn'] }),
      );
    }
  });

  it('lets only the webhook read (and decrypt) the webhook secret', () => {
    const reads = (name: FunctionName, action: string) =>
      allowing(name, action).some((statement) =>
        JSON.stringify(statement).includes(parameterArn('webhook-secret')),
      );
    expect(reads('webhook', 'ssm:GetParameter')).toBe(true);
    expect(reads('webhook', 'kms:Decrypt')).toBe(true);
    for (const name of ['scheduled', 'worker', 'plan'] as const) {
      expect(reads(name, 'ssm:GetParameter')).toBe(false);
      expect(reads(name, 'kms:Decrypt')).toBe(false);
    }
  });

  it('reads SSM parameters by name only, and decrypts only for those parameters', () => {
    for (const name of FUNCTIONS) {
      for (const statement of allowing(name, 'ssm:GetParameter')) {
        expect(resourceText(statement)).toMatch(/:parameter\/modelarts-autoscaler\//);
        expect(resourceText(statement)).not.toMatch(/parameter\/\*|"\*"/);
      }
      for (const statement of allowing(name, 'kms:Decrypt')) {
        expect(statement.Condition).toHaveProperty(['StringEquals', 'kms:EncryptionContext:PARAMETER_ARN']);
      }
    }
  });

  it('lets the functions that PATCH read the credentials, and plan a credentials parameter of its own', () => {
    for (const name of ['scheduled', 'worker', 'webhook'] as const) {
      expect(allowing(name, 'ssm:GetParameter').map(resourceText).join()).toContain(
        parameterArn('credentials'),
      );
      expect(allowing(name, 'ssm:GetParameter').map(resourceText).join()).toContain(
        parameterArn('kill-switch'),
      );
    }
    const planReads = allowing('plan', 'ssm:GetParameter').map(resourceText);
    expect(planReads).toHaveLength(1);
    expect(planReads[0]).toContain(parameterArn('credentials'));
  });

  it('touches DynamoDB only on the state table; plan only reads it', () => {
    for (const name of FUNCTIONS) {
      for (const statement of statements(name).filter((s) =>
        actions(s).some((a) => a.startsWith('dynamodb:')),
      )) {
        expect(statement.Resource).toEqual({ 'Fn::GetAtt': ['StateTable', 'Arn'] });
      }
    }
    // Histories are read in batches and once more under the lease; histories and leases are conditional
    // UpdateItems; the webhook also puts each signature it accepts.
    for (const action of ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem']) {
      for (const name of ['scheduled', 'worker', 'webhook'] as const)
        expect(allowing(name, action)).toHaveLength(1);
    }
    expect(allowing('webhook', 'dynamodb:PutItem')).toHaveLength(1);
    for (const name of ['scheduled', 'worker', 'plan'] as const)
      expect(allowing(name, 'dynamodb:PutItem')).toEqual([]);
    for (const name of FUNCTIONS) expect(allowing(name, 'dynamodb:DeleteItem')).toEqual([]);
    // A dry run reads the histories in batches, and no lease: it never reads one item alone.
    expect(allowing('plan', 'dynamodb:BatchGetItem')).toHaveLength(1);
    expect(allowing('plan', 'dynamodb:GetItem')).toEqual([]);
    for (const action of ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'])
      expect(allowing('plan', action)).toEqual([]);
  });

  it('writes logs only to its own log group', () => {
    for (const name of FUNCTIONS) {
      expect(allowing(name, 'logs:PutLogEvents').map((statement) => statement.Resource)).toEqual([
        { 'Fn::GetAtt': [`${logicalName(name)}LogGroup`, 'Arn'] },
      ]);
    }
  });
});

describe('the packaged bundles', () => {
  let emulator: Emulator;

  beforeAll(async () => {
    emulator = await startEmulator();
  });
  afterAll(async () => {
    await emulator?.close();
  });

  /** Runs a script in a fresh node process, as the Lambda runtime would load the bundle. */
  const runNode = async (script: string, env: Record<string, string>) => {
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
      cwd: outDir,
      env: { PATH: process.env.PATH ?? '', AWS_REGION: 'eu-west-1', ...env },
    });
    return JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as Record<string, unknown>;
  };

  it('plan.zip runs on its own with the bundled config: a dry-run plan, no PATCH, no AWS SDK loaded', async () => {
    const dir = join(outDir, 'plan-unzipped', 'functions');
    await mkdir(dir, { recursive: true });
    const [bundle] = artifacts.get('plan') ?? [];
    await writeFile(join(dir, 'plan.mjs'), bundle?.read() ?? '');
    emulator.clearRequests();
    const result = await runNode(
      `import { createRequire } from 'node:module';
       const { handler } = await import('./plan-unzipped/functions/plan.mjs');
       const output = await handler({}, { awsRequestId: 'bundle-test', getRemainingTimeInMillis: () => 60000 });
       const sdk = Object.keys(createRequire(import.meta.url).cache).filter((path) => path.includes('@aws-sdk'));
       process.stdout.write('\\n' + JSON.stringify({ output, sdk }));`,
      { AUTOSCALER_ENDPOINT: emulator.url, POWERTOOLS_LOG_LEVEL: 'ERROR' },
    );
    expect(result.sdk).toEqual([]);
    expect(result.output).toMatchObject({ dryRun: true, pools: 2, counts: { 'dry-run': 1, unchanged: 1 } });
    // The growing pool's flavor stock, read fresh in a dry run (issue #15).
    expect(emulator.requests.map((request) => `${request.method} ${request.route}`)).toEqual([
      'GET listPools',
      'GET listFlavors',
      'GET getPool',
    ]);
  });

  it('runs under `osls invoke local --stage local -f plan --path events/plan.json` (the README command)', async () => {
    emulator.clearRequests();
    const osls = createRequire(import.meta.url).resolve('osls/bin/serverless.js');
    const { stdout } = await run(
      process.execPath,
      [osls, 'invoke', 'local', '--stage', 'local', '-f', 'plan', '--path', 'events/plan.json'],
      {
        cwd: ROOT,
        env: { ...process.env, AUTOSCALER_ENDPOINT: emulator.url, POWERTOOLS_LOG_LEVEL: 'ERROR' },
      },
    );
    // osls prints the handler's answer indented, after the function's one-line JSON logs and metrics.
    const output = JSON.parse(stdout.slice(stdout.search(/^\{$/m))) as { outcomes: { pool: string }[] };
    expect(output).toMatchObject({ dryRun: true, pools: 2 });
    expect(output.outcomes.map((outcome) => outcome.pool)).toContain(SAMPLE_POOL);
    expect(emulator.requests.filter((request) => request.route === 'patchPool')).toEqual([]);
    expect(emulator.requests.length).toBeGreaterThan(0);
  }, 180_000);
});

describe('time budget (test/template/time-budget.ts)', () => {
  it('fits every worst case into the function timeouts, the queue settings and the gateway rate limit', () => {
    expect(timeBudgetProblems(deploymentSettings(template))).toEqual([]);
  });
});

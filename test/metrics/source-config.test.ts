import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BacklogSourceConfigSchema } from '../../lib/metrics/registry';

const valid = {
  'modelarts-workloads': { type: 'modelarts-workloads' },
  sqs: { type: 'sqs', queueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/jobs' },
  cloudwatch: { type: 'cloudwatch', namespace: 'Jobs', metricName: 'Queued' },
  prometheus: { type: 'prometheus', url: 'http://prometheus:9090', query: 'sum(queued_jobs)' },
  http: { type: 'http', url: 'https://queue.internal/stats', valueExpression: 'queued' },
  static: { type: 'static', value: 3 },
} as const;

/** The dotted paths of the issues a config is rejected with, plus zod's readable message. */
function rejection(config: unknown): { paths: string[]; message: string } {
  const result = BacklogSourceConfigSchema.safeParse(config);
  if (result.success) throw new Error(`expected ${JSON.stringify(config)} to be rejected`);
  return {
    paths: result.error.issues.map((issue) => issue.path.join('.')),
    message: z.prettifyError(result.error),
  };
}

describe('backlog source config', () => {
  it('accepts a minimal config of every source type and fills its defaults', () => {
    for (const config of Object.values(valid)) {
      expect(BacklogSourceConfigSchema.parse(config).type).toBe(config.type);
    }
    expect(BacklogSourceConfigSchema.parse(valid.sqs)).toMatchObject({
      includeInFlight: true,
      includeDelayed: false,
    });
    expect(BacklogSourceConfigSchema.parse(valid['modelarts-workloads'])).toMatchObject({
      statuses: ['Queue', 'Pending', 'Creating', 'Running', 'Abnormal', 'Terminating'],
      pageSize: 500,
    });
  });

  it.each([
    ['an unknown type', { type: 'kafka' }, 'type'],
    [
      'a job status ModelArts does not have',
      { ...valid['modelarts-workloads'], statuses: ['Queued'] },
      'statuses.0',
    ],
    ['a page size over the API maximum', { ...valid['modelarts-workloads'], pageSize: 501 }, 'pageSize'],
    ['a queue URL that is not a URL', { ...valid.sqs, queueUrl: 'jobs' }, 'queueUrl'],
    ['a region that is not an AWS region', { ...valid.sqs, region: 'Ireland' }, 'region'],
    ['a CloudWatch period CloudWatch refuses', { ...valid.cloudwatch, periodSeconds: 45 }, 'periodSeconds'],
    [
      'a lookback shorter than the period',
      { ...valid.cloudwatch, periodSeconds: 300, lookbackSeconds: 60 },
      'lookbackSeconds',
    ],
    ['an unknown statistic', { ...valid.cloudwatch, statistic: 'Avg' }, 'statistic'],
    ['a Prometheus URL with credentials', { ...valid.prometheus, url: 'http://u:p@prometheus:9090' }, 'url'],
    ['a label name PromQL refuses', { ...valid.prometheus, flavorLabel: '1flavor' }, 'flavorLabel'],
    [
      'an auth variable that is not a variable name',
      { ...valid.prometheus, auth: { type: 'bearer', tokenEnv: 'my token' } },
      'auth.tokenEnv',
    ],
    [
      'a JMESPath expression that does not parse',
      { ...valid.http, valueExpression: 'queued[' },
      'valueExpression',
    ],
    ['an ftp URL', { ...valid.http, url: 'ftp://queue.internal/stats' }, 'url'],
    [
      'a header variable that is not a variable name',
      { ...valid.http, headersFromEnv: { 'X-Api-Key': 'api-key' } },
      'headersFromEnv.X-Api-Key',
    ],
    ['both a value and a file', { ...valid.static, file: 'backlog.json' }, 'file'],
    ['neither a value nor a file', { type: 'static' }, 'value'],
    ['a per-AZ split that does not add up', { ...valid.static, perAz: { 'az-1': 1, 'az-2': 1 } }, 'perAz'],
    ['a negative backlog', { type: 'static', value: -1 }, 'value'],
  ])('rejects %s, naming the field', (_, config, field) => {
    const { paths, message } = rejection(config);
    expect(paths).toContain(field);
    expect(message).toContain(field.split('.').at(-1));
  });

  it('rejects any unknown key of any source, naming the key', () => {
    const known = new Set(
      Object.keys(valid).flatMap((type) =>
        Object.keys(BacklogSourceConfigSchema.parse(valid[type as keyof typeof valid])),
      ),
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...Object.values(valid)),
        fc
          .stringMatching(/^[a-z][A-Za-z]{2,12}$/)
          .filter((key) => !known.has(key) && key !== 'perAz' && key !== 'file'),
        (config, key) => {
          const { message } = rejection({ ...config, [key]: 1 });
          expect(message).toContain(key);
        },
      ),
    );
  });

  it('exports as JSON Schema for the config file', () => {
    const schema = z.toJSONSchema(BacklogSourceConfigSchema, { io: 'input' });
    expect(JSON.stringify(schema)).toContain('modelarts-workloads');
  });
});

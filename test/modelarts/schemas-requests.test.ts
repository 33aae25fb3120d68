import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { formatProblems, toFieldProblems } from '../../lib/modelarts/schema-error';
import { CreatePoolBodySchema, PatchPoolBodySchema } from '../../lib/modelarts/schemas';

// biome-ignore lint/suspicious/noExplicitAny: the tests spoil arbitrary JSON request bodies
type Json = any;
const fixture = (name: string): Json =>
  JSON.parse(readFileSync(new URL(`../fixtures/modelarts/${name}`, import.meta.url), 'utf8'));

function problemsOf(schema: z.ZodType, body: unknown): string {
  const result = schema.safeParse(body);
  if (result.success) throw new Error('expected the body to be refused');
  return formatProblems(toFieldProblems(result.error.issues));
}

describe('PatchPoolBodySchema', () => {
  it('accepts the documentation example', () => {
    const body = fixture('update-pool.request.json');
    expect(PatchPoolBodySchema.parse(body)).toEqual(body);
  });

  it('accepts every field update-pool.txt documents, and null where merge-patch deletes', () => {
    const body = {
      metadata: { annotations: { 'os.modelarts/description': 'gpu pool', 'os.modelarts/order.id': null } },
      spec: {
        scope: ['Train', 'Infer'],
        resources: [
          {
            flavor: 'modelarts.vm.gpu.t4u8',
            count: 3,
            azs: [
              { az: 'cn-north-7a', count: 1 },
              { az: 'cn-north-7b', count: 2 },
            ],
          },
        ],
        jobFlavors: null,
        driver: { gpuVersion: '470.57.02', updateStrategy: 'idle' },
      },
    };
    expect(PatchPoolBodySchema.parse(body)).toEqual(body);
  });

  it.each([
    ['a field the API does not take', { spec: { controlMode: 0 } }, 'spec: Unrecognized key: "controlMode"'],
    [
      'a flavor field beyond flavor, count and azs',
      { spec: { resources: [{ flavor: 'f', count: 1, maxCount: 1 }] } },
      'spec.resources[0]: Unrecognized key: "maxCount"',
    ],
    [
      'a count below 1',
      { spec: { resources: [{ flavor: 'f', count: 0 }] } },
      'spec.resources[0].count: must be at least 1: ModelArts cannot scale a flavor to 0 nodes',
    ],
    [
      'a fractional count',
      { spec: { resources: [{ flavor: 'f', count: 1.5 }] } },
      'spec.resources[0].count: expected int',
    ],
    [
      'AZ counts that do not add up',
      { spec: { resources: [{ flavor: 'f', count: 3, azs: [{ az: 'a', count: 1 }] }] } },
      'spec.resources[0].azs: AZ counts add up to 1, but count is 3',
    ],
    [
      'an AZ listed twice',
      {
        spec: {
          resources: [
            {
              flavor: 'f',
              count: 2,
              azs: [
                { az: 'a', count: 1 },
                { az: 'a', count: 1 },
              ],
            },
          ],
        },
      },
      'spec.resources[0].azs[1].az: AZ "a" is listed twice',
    ],
    [
      'a flavor listed twice',
      {
        spec: {
          resources: [
            { flavor: 'f', count: 1 },
            { flavor: 'f', count: 2 },
          ],
        },
      },
      'spec.resources[1].flavor: flavor "f" is listed twice',
    ],
    ['dropping every flavor', { spec: { resources: [] } }, 'spec.resources: must list at least one flavor'],
    [
      'deleting the resources',
      { spec: { resources: null } },
      'spec.resources: expected array, received null',
    ],
    [
      'a description with a forbidden character',
      { metadata: { annotations: { 'os.modelarts/description': 'a<b' } } },
      'metadata.annotations["os.modelarts/description"]: must not contain any of',
    ],
    [
      'an unknown job type',
      { spec: { scope: ['Batch'] } },
      'spec.scope[0]: expected one of "Train"|"Infer"|"Notebook"',
    ],
  ])('refuses %s, naming the field', (_case, body, message) => {
    expect(problemsOf(PatchPoolBodySchema, body)).toContain(message);
  });
});

describe('CreatePoolBodySchema', () => {
  const example = () => fixture('create-pool.request.json');

  it('accepts the documentation example', () => {
    expect(CreatePoolBodySchema.parse(example())).toEqual(example());
  });

  it('accepts a yearly/monthly pool with its period and order id', () => {
    const body = example();
    body.metadata.annotations = {
      'os.modelarts/billing.mode': '1',
      'os.modelarts/period.type': '3',
      'os.modelarts/period.num': '1',
      'os.modelarts/order.id': 'CS0001',
      'os.modelarts/auto.pay': 'true',
    };
    expect(CreatePoolBodySchema.safeParse(body).success).toBe(true);
  });

  it.each<[string, (body: Json) => void, string]>([
    ['a missing apiVersion', (b) => delete b.apiVersion, 'apiVersion: expected "v2"'],
    ['a wrong kind', (b) => (b.kind = 'PoolList'), 'kind: expected "Pool"'],
    [
      'a missing display name',
      (b) => delete b.metadata.labels['os.modelarts/name'],
      'metadata.labels["os.modelarts/name"]: expected string',
    ],
    [
      'an upper-case display name',
      (b) => (b.metadata.labels['os.modelarts/name'] = 'Pool-001'),
      'must be 3 to 30 characters',
    ],
    [
      'a display name too long for a 63-character pool name',
      (b) => (b.metadata.labels['os.modelarts/name'] = `p${'o'.repeat(30)}`),
      'metadata.labels["os.modelarts/name"]: must be 3 to 30 characters',
    ],
    [
      'a display name ending in a hyphen',
      (b) => (b.metadata.labels['os.modelarts/name'] = 'pool-'),
      'must be 3 to 30 characters',
    ],
    ['a missing spec', (b) => delete b.spec, 'spec: expected object, received undefined'],
    ['no job type', (b) => (b.spec.scope = []), 'spec.scope: must enable at least one job type'],
    ['no flavor', (b) => (b.spec.resources = []), 'spec.resources: must contain at least one flavor'],
    ['a count of 0', (b) => (b.spec.resources[0].count = 0), 'spec.resources[0].count: must be at least 1'],
    [
      'a physical pool without network',
      (b) => delete b.spec.network,
      'spec.network: is mandatory for a physical (Dedicate) pool',
    ],
    [
      'maxCount unlike count in a physical pool',
      (b) => (b.spec.resources[0].maxCount = 5),
      'spec.resources[0].maxCount: must equal count (2)',
    ],
    [
      'an unknown pool type',
      (b) => (b.spec.type = 'Shared'),
      'spec.type: expected one of "Dedicate"|"Logical"',
    ],
    [
      'an unknown update strategy',
      (b) => (b.spec.driver.updateStrategy = 'now'),
      'spec.driver.updateStrategy',
    ],
    [
      'a bad billing mode',
      (b) => (b.metadata.annotations['os.modelarts/billing.mode'] = '2'),
      'metadata.annotations["os.modelarts/billing.mode"]',
    ],
    [
      'a yearly/monthly pool without period or order id',
      (b) => (b.metadata.annotations['os.modelarts/billing.mode'] = '1'),
      'metadata.annotations["os.modelarts/period.type"]: is mandatory for a yearly/monthly pool',
    ],
  ])('refuses %s, naming the field', (_case, spoil, message) => {
    const body = example();
    spoil(body);
    expect(problemsOf(CreatePoolBodySchema, body)).toContain(message);
  });
});

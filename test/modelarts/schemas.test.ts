import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import { PoolResponseError } from '../../lib/modelarts/errors';
import {
  containerNetworkOf,
  ModelArtsErrorBodySchema,
  type Pool,
  PoolListSchema,
  PoolNameSchema,
  parsePool,
  parsePoolList,
} from '../../lib/modelarts/schemas';

const FIXTURES = new URL('../fixtures/modelarts/', import.meta.url);
const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8'));
const fixtureNames = readdirSync(FIXTURES).filter((name) => name.endsWith('.json'));
const clone = <T>(value: T): T => structuredClone(value);

// biome-ignore lint/suspicious/noExplicitAny: the tests spoil arbitrary JSON responses
type Json = any;
const examplePool = (): Json => fixture('get-pool.response-200.json');

describe('documentation examples', () => {
  const poolResponses = fixtureNames.filter((name) => /^(get|update)-pool.*\.response-200\.json$/.test(name));
  const poolLists = fixtureNames.filter((name) => name.startsWith('list-pools.'));
  const errorBodies = fixtureNames.filter((name) => /\.response-(400|404|409)\.json$/.test(name));

  it('has a fixture for every example in the docs', () => {
    expect(poolResponses).toEqual([
      'get-pool-2024.response-200.json',
      'get-pool.response-200.json',
      'update-pool.response-200.json',
    ]);
    expect(errorBodies).toHaveLength(6);
  });

  it.each(poolResponses)('%s parses unchanged', (name) => {
    expect(parsePool(fixture(name))).toEqual(fixture(name));
  });

  it.each(poolLists)('%s parses with every pool and no errors', (name) => {
    const raw = fixture(name) as { items: unknown[] };
    const { pools, errors } = parsePoolList(raw);
    expect(errors).toEqual([]);
    expect(pools).toEqual(raw.items);
    expect(PoolListSchema.parse(raw)).toEqual(raw);
  });

  it.each(errorBodies)('%s parses as a ModelArts error body', (name) => {
    expect(ModelArtsErrorBodySchema.parse(fixture(name))).toMatchObject({
      error_code: expect.stringMatching(/^ModelArts\./),
    });
  });

  it('keeps every documented field of the 2025 get-pool tables', () => {
    const raw = fixture('get-pool.all-documented-fields.json');
    const pool = parsePool(raw);
    expect(pool).toEqual(raw);
    expect(pool.spec.resources[0]?.dataVolumes).toMatchObject({ count: '1' });
    expect(pool.status?.clusters).toMatchObject({ plugins: { name: 'gpu-beta' } });
    expect(containerNetworkOf(pool)).toEqual({ mode: 'overlay_l2' });
  });

  it('keeps every documented field of the OTC list-pools tables, containerNetwork spelling included', () => {
    const { pools } = parsePoolList(fixture('list-pools.all-documented-fields.json'));
    const pool = pools[0] as Pool;
    expect(pool.spec.resources[0]?.dataVolumes).toEqual([
      {
        volumeType: 'SSD',
        size: '500',
        count: 2,
        extendParams: { volumeGroup: 'vg-everest-localvolume-persistent' },
      },
    ]);
    expect(pool.status?.phase).toBe('ScalingFailed');
    expect(containerNetworkOf(pool)).toEqual({ mode: 'vpc-router', cidr: '172.16.0.0/16' });
  });
});

describe('status.resources', () => {
  it('normalises the SDK single-object shape to arrays', () => {
    const pool = parsePool(fixture('get-pool.sdk-single-object.json'));
    expect(pool.status?.resources?.available).toEqual([
      {
        flavor: 'modelarts.vm.cpu.4ud',
        count: 2,
        maxCount: 2,
        azs: [{ az: 'cn-north-7c', count: 2 }],
        nodePool: 'np-1',
      },
    ]);
    expect(pool.status?.resources?.creating).toHaveLength(1);
    expect(pool.status?.resources?.deleting).toBeUndefined();
  });

  it('reads null as no entries', () => {
    const raw = examplePool();
    raw.status.resources = { available: null, creating: [] };
    expect(parsePool(raw).status?.resources).toEqual({ available: undefined, creating: [] });
  });

  it('names the field of a bad entry in the single-object shape', () => {
    const raw = examplePool();
    raw.status.resources = { available: { flavor: 'f', count: '2' } };
    expect(() => parsePool(raw)).toThrow(
      'status.resources.available[0].count: expected number, received string',
    );
  });
});

describe('unknown fields', () => {
  it('pass through untouched at every level', () => {
    const raw = examplePool();
    raw.futureTopLevel = { nested: [1, 'two'] };
    raw.metadata.futureMeta = 'x';
    raw.spec.resources[0].futureFlavorField = { gpuTopology: 'ring' };
    raw.spec.network.futureNetworkField = true;
    const available = raw.status.resources.available[0];
    available.futureCount = 7;
    available.azs[0].futureAz = 'z';
    expect(parsePool(clone(raw))).toEqual(raw);
  });
});

describe('tolerance of non-critical fields', () => {
  it('drops a documented non-critical field of an unexpected type instead of failing the pool', () => {
    const raw = examplePool();
    raw.spec.driver = 'not-an-object';
    raw.spec.scope = 'Train';
    raw.status.root = 42;
    const pool = parsePool(raw);
    expect(pool.spec.driver).toBeUndefined();
    expect(pool.spec.scope).toBeUndefined();
    expect(pool.status?.root).toBeUndefined();
    expect(pool.spec.resources).toEqual([{ flavor: 'modelarts.vm.cpu.4ud', count: 2 }]);
  });
});

describe('fields the scaler relies on are strict about type', () => {
  const cases: [string, (raw: ReturnType<typeof examplePool>) => void, string][] = [
    [
      'metadata.name',
      (raw) => delete raw.metadata.name,
      'metadata.name: expected string, received undefined',
    ],
    [
      'metadata.annotations',
      (raw) => (raw.metadata.annotations['os.modelarts/billing.mode'] = 1),
      'metadata.annotations["os.modelarts/billing.mode"]: expected string, received number',
    ],
    ['spec.resources[].flavor', (raw) => (raw.spec.resources[0].flavor = ''), 'spec.resources[0].flavor:'],
    [
      'spec.resources[].count',
      (raw) => (raw.spec.resources[0].count = '2'),
      'spec.resources[0].count: expected number, received string',
    ],
    [
      'spec.resources[].azs',
      (raw) => (raw.spec.resources[0].azs = [{ az: 1, count: 2 }]),
      'spec.resources[0].azs[0].az: expected string, received number',
    ],
    [
      'spec.controlMode',
      (raw) => (raw.spec.controlMode = '8'),
      'spec.controlMode: expected number, received string',
    ],
    ['status.phase', (raw) => (raw.status.phase = 1), 'status.phase: expected string, received number'],
    [
      'status.resources',
      (raw) => (raw.status.resources.deleting = 'none'),
      'status.resources.deleting: expected array',
    ],
  ];

  it.each(cases)('%s', (_field, spoil, message) => {
    const raw = examplePool();
    spoil(raw);
    expect(() => parsePool(raw)).toThrow(PoolResponseError);
    expect(() => parsePool(raw)).toThrow(message);
  });
});

describe('PoolResponseError', () => {
  it('names the pool, each bad field and its problem, with the zod error as cause', () => {
    const raw = examplePool();
    raw.metadata.name = 'pool-a';
    raw.spec.resources[0].count = '2';
    raw.spec.controlMode = -1;
    const error = catchError(() => parsePool(raw));
    expect(error.message).toBe(
      'pool "pool-a" has a bad response: spec.resources[0].count: expected number, received string; ' +
        'spec.controlMode: Too small: expected number to be >=0',
    );
    expect(error.pool).toBe('pool-a');
    expect(error.problems.map((p) => p.path)).toEqual(['spec.resources[0].count', 'spec.controlMode']);
    expect(error.cause).toBeInstanceOf(ZodError);
  });

  it('says so when the response is not an object at all', () => {
    expect(() => parsePool('<html>')).toThrow(
      /^pool list has a bad response: expected object, received string$/,
    );
  });
});

describe('parsePoolList', () => {
  it('fails a bad pool alone and still parses the others', () => {
    const good = examplePool();
    const badNamed = examplePool();
    badNamed.metadata.name = 'pool-b';
    badNamed.spec.resources = [{ flavor: 'f', count: 'three' }];
    const badNameless = examplePool();
    badNameless.metadata = { labels: {} };
    const { pools, errors } = parsePoolList({ kind: 'PoolList', items: [good, badNamed, badNameless, good] });
    expect(pools).toEqual([good, good]);
    expect(errors.map((e) => e.message)).toEqual([
      'pool "pool-b" has a bad response: spec.resources[0].count: expected number, received string',
      'pool items[2] has a bad response: metadata.name: expected string, received undefined',
    ]);
    expect(errors.map((e) => e.pool)).toEqual(['pool-b', 'items[2]']);
  });

  it('throws when the envelope has no items array', () => {
    expect(() => parsePoolList({ kind: 'PoolList' })).toThrow(
      'pool list has a bad response: items: expected array, received undefined',
    );
  });
});

describe('PoolNameSchema', () => {
  it.each([
    ['a'.repeat(36), true],
    ['a'.repeat(63), true],
    ['auto-pool-os-86c13962597848eeb29c5861153a391f', true],
    ['a'.repeat(35), false],
    ['a'.repeat(64), false],
    [`1${'a'.repeat(40)}`, false],
    [`${'a'.repeat(40)}-`, false],
    [`A${'a'.repeat(40)}`, false],
    [`${'a'.repeat(20)}_${'a'.repeat(20)}`, false],
  ])('%s valid: %s', (name, valid) => {
    expect(PoolNameSchema.safeParse(name).success).toBe(valid);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Property: any valid pool survives parsing unchanged except for the single-object normalisation.

const word = fc.string({ maxLength: 10 });
const extras = fc.dictionary(
  fc.string({ minLength: 1, maxLength: 6 }).map((k) => `x-${k}`),
  fc.jsonValue({ maxDepth: 2 }),
  {
    maxKeys: 2,
  },
);
function loose<T extends object>(record: fc.Arbitrary<T>): fc.Arbitrary<T> {
  return fc.tuple(record, extras).map(([known, unknown]) => ({ ...unknown, ...known }));
}
function some<T extends Record<string, fc.Arbitrary<unknown>>>(fields: T) {
  return loose(fc.record(fields, { requiredKeys: [] }));
}
const stringMap = fc.dictionary(
  fc.string({ maxLength: 8 }).map((k) => `k/${k}`),
  word,
  { maxKeys: 3 },
);
const azCounts = fc.array(loose(fc.record({ az: word, count: fc.nat(20) })), { maxLength: 3 });
const creatingStep = some({ step: fc.integer(), type: word });
const dataVolume = some({
  volumeType: word,
  size: fc.oneof(word, fc.nat()),
  count: fc.oneof(word, fc.nat()),
  extendParams: some({ billing: word, volumeGroup: word }),
});
const volumeGroupConfig = some({
  volumeGroup: word,
  dockerThinPool: fc.oneof(word, fc.nat()),
  lvmConfig: some({ lvType: word, path: word }),
  types: fc.array(word, { maxLength: 2 }),
});
const flavorResource = loose(
  fc.record(
    {
      flavor: fc.string({ minLength: 1, maxLength: 12 }),
      count: fc.nat(100),
      maxCount: fc.nat(100),
      azs: azCounts,
      extendParams: some({ dockerBaseSize: word, volumeGroup: word, runtime: word, postInstall: word }),
      os: some({ name: word, imageId: word, imageType: word }),
      tags: fc.array(some({ key: word, value: word }), { maxLength: 2 }),
      creatingStep,
      rootVolume: some({ volumeType: word, size: fc.oneof(word, fc.nat()) }),
      dataVolumes: fc.oneof(dataVolume, fc.array(dataVolume, { maxLength: 2 })),
      volumeGroupConfigs: fc.oneof(volumeGroupConfig, fc.array(volumeGroupConfig, { maxLength: 2 })),
    },
    { requiredKeys: ['flavor', 'count'] },
  ),
);
const flavorCount = some({
  flavor: word,
  count: fc.nat(100),
  maxCount: fc.nat(100),
  azs: azCounts,
  nodePool: word,
  creatingStep,
});
const flavorCounts = fc.oneof(fc.array(flavorCount, { maxLength: 3 }), flavorCount);
const containerNetwork = some({ mode: word, cidr: word });
const driver = some({ gpuVersion: word, npuVersion: word, updateStrategy: word });
const driverStatus = some({ version: word, state: word });
const cluster = some({
  name: word,
  clusterFlavor: word,
  type: word,
  version: word,
  plugins: fc.oneof(some({ name: word }), fc.array(some({ name: word }))),
});

const validPool = loose(
  fc.record(
    {
      apiVersion: word,
      kind: word,
      metadata: loose(
        fc.record(
          {
            name: fc.string({ minLength: 1, maxLength: 63 }),
            creationTimestamp: word,
            labels: stringMap,
            annotations: stringMap,
          },
          { requiredKeys: ['name'] },
        ),
      ),
      spec: loose(
        fc.record(
          {
            type: word,
            scope: fc.array(word, { maxLength: 3 }),
            resources: fc.array(flavorResource, { maxLength: 3 }),
            containernetwork: containerNetwork,
            containerNetwork,
            network: some({ name: word }),
            jobFlavors: fc.array(word, { maxLength: 2 }),
            driver,
            controlMode: fc.nat(31),
            kubernetesSvcIpRange: word,
            masters: fc.array(some({ az: word }), { maxLength: 3 }),
            clusterFlavor: word,
          },
          { requiredKeys: ['resources'] },
        ),
      ),
      status: some({
        phase: word,
        message: word,
        resources: some({
          creating: flavorCounts,
          available: flavorCounts,
          abnormal: flavorCounts,
          deleting: flavorCounts,
        }),
        scope: fc.array(
          some({
            scopeType: word,
            state: word,
            plugins: fc.array(some({ name: word, phase: word })),
            message: word,
          }),
        ),
        driver: some({ gpu: driverStatus, npu: driverStatus }),
        parent: word,
        root: word,
        clusters: fc.oneof(cluster, fc.array(cluster, { maxLength: 2 })),
      }),
    },
    { requiredKeys: ['metadata', 'spec'] },
  ),
);

function normalised(raw: Json): Json {
  const pool = clone(raw) as { status?: { resources?: Record<string, unknown> } };
  const resources = pool.status?.resources;
  for (const state of ['creating', 'available', 'abnormal', 'deleting']) {
    if (resources && state in resources && !Array.isArray(resources[state]))
      resources[state] = [resources[state]];
  }
  return pool as Json;
}

describe('property: valid pools', () => {
  it('survive parsing unchanged except for the single-object normalisation', () => {
    fc.assert(
      fc.property(validPool, (raw) => {
        expect(parsePool(clone(raw))).toStrictEqual(normalised(raw));
      }),
      { numRuns: 300 },
    );
  });
});

function catchError(fn: () => unknown): PoolResponseError {
  try {
    fn();
  } catch (error) {
    if (error instanceof PoolResponseError) return error;
    throw error;
  }
  throw new Error('expected a PoolResponseError');
}

// fast-check arbitraries for hostile input: values of the wrong type, sizes no one expects, and a valid
// document mutated at random places (a field replaced, removed, added, or wrapped in a list). Where input
// must never be echoed (config files), mutations may carry a sentinel secret, so a message that repeats
// what it refuses is caught by the scan.

import fc from 'fast-check';
import { SENTINEL } from './sentinels';

/** Any JSON value a careless or malicious sender might put where something else belongs. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  fc.constantFrom(
    null,
    true,
    false,
    0,
    -1,
    1.5,
    -0.000001,
    Number.MAX_SAFE_INTEGER,
    1e308,
    -1e308,
    '',
    ' ',
    '0',
    '-1',
    'true',
    'null',
    '1e9',
    '__proto__',
    'constructor',
    '../../etc/passwd',
    '%00',
    '\u0000',
    '\uffff',
    '\ud800',
    'a'.repeat(10_000),
    [],
    {},
  ),
  fc.array(fc.integer(), { minLength: 200, maxLength: 2_000 }),
  fc.string({ unit: 'binary', maxLength: 64 }),
);

/** A secret pasted where it does not belong. */
export const secretValue = fc.constantFrom(
  SENTINEL.sk,
  SENTINEL.securityToken,
  SENTINEL.iamPassword,
  SENTINEL.webhookSecret,
);

/**
 * Secrets shaped like the credentials they stand for (a 40-character SK, a long token): a name-like secret
 * (with dashes) cannot be told from a pool name, so these are what a message must never repeat, even as a key.
 */
export const shapedSecret = fc.constantFrom(SENTINEL.sk, SENTINEL.securityToken);

/** Hostile values, a secret among them now and then. */
export const hostileOrSecret: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileValue },
  secretValue,
);

/** Key names that look like credentials, which a config must refuse without echoing the value. */
export const credentialKey = fc.constantFrom(
  'sk',
  'secretKey',
  'password',
  'token',
  'securityToken',
  'ak',
  'apiKey',
  'SK',
);

export type Mutation =
  | { op: 'replace'; at: number; value: unknown }
  | { op: 'delete'; at: number }
  | { op: 'add'; at: number; key: string; value: unknown }
  | { op: 'wrap'; at: number };

const mutationsByValues = new Map<fc.Arbitrary<unknown>, fc.Arbitrary<Mutation[]>>();

/** 1..4 mutations with values from `values`; built once per `values` (building string arbitraries is costly). */
export function mutations(values: fc.Arbitrary<unknown> = hostileValue): fc.Arbitrary<Mutation[]> {
  let built = mutationsByValues.get(values);
  if (!built) {
    const one: fc.Arbitrary<Mutation> = fc.oneof(
      fc.record({ op: fc.constant('replace' as const), at: fc.nat(), value: values }),
      fc.record({ op: fc.constant('delete' as const), at: fc.nat() }),
      fc.record({
        op: fc.constant('add' as const),
        at: fc.nat(),
        key: fc.oneof(credentialKey, fc.string({ minLength: 1, maxLength: 12 })),
        value: values,
      }),
      fc.record({ op: fc.constant('wrap' as const), at: fc.nat() }),
    );
    built = fc.array(one, { minLength: 1, maxLength: 4 });
    mutationsByValues.set(values, built);
  }
  return built;
}

type Container = Record<string, unknown> | unknown[];
const isContainer = (value: unknown): value is Container => typeof value === 'object' && value !== null;

/** Every [container, key] inside `root`, depth first: the places a mutation can hit. */
function places(root: unknown): [Container, string | number][] {
  const found: [Container, string | number][] = [];
  const walk = (value: unknown) => {
    if (!isContainer(value)) return;
    const keys: (string | number)[] = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
    for (const key of keys) {
      found.push([value, key]);
      walk((value as Record<string | number, unknown>)[key]);
    }
  };
  walk(root);
  return found;
}

/** A deep copy of `document` with the mutations applied in order. */
export function mutate<T>(document: T, mutations: readonly Mutation[]): unknown {
  const root: unknown = structuredClone(document);
  for (const change of mutations) {
    const targets = places(root);
    const target = targets[change.at % Math.max(1, targets.length)];
    if (!target) continue;
    const [container, key] = target;
    const slot = container as Record<string | number, unknown>;
    switch (change.op) {
      case 'replace':
        slot[key] = change.value;
        break;
      case 'delete':
        if (Array.isArray(container) && typeof key === 'number') container.splice(key, 1);
        else delete slot[key];
        break;
      case 'add': {
        const inner = slot[key];
        if (isContainer(inner) && !Array.isArray(inner))
          (inner as Record<string, unknown>)[change.key] = change.value;
        else if (!Array.isArray(container)) slot[change.key] = change.value;
        break;
      }
      case 'wrap':
        slot[key] = [slot[key]];
        break;
    }
  }
  return root;
}

/** A valid document with 1..4 hostile mutations, their values drawn from `values`. */
export const mutated = <T>(
  document: T,
  values: fc.Arbitrary<unknown> = hostileValue,
): fc.Arbitrary<unknown> => mutations(values).map((changes) => mutate(document, changes));

/** Runs per property: "thousands of cases" per input over the suite, within the CI budget. */
export const FUZZ_RUNS = 1_000;

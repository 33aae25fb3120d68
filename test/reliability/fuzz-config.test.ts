// Config files under hostile edits: a complete, valid config mutated at random places (wrong types, values
// out of range, keys removed, unknown and credential-like keys added, secrets pasted in), then written as
// YAML or JSON; raw text that is barely YAML; hostile environment overrides. parseConfig must return a
// config or throw a ConfigError whose every issue names a place and a problem, and must never repeat a
// secret it was handed.

import { readFile } from 'node:fs/promises';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { type Config, ConfigError, parseConfig } from '../../lib/config';
import { recordFigures } from './figures';
import { FUZZ_RUNS, hostileOrSecret, mutated, secretValue, shapedSecret } from './hostile';
import { LONG_TEST_MS } from './ledger';
import { SENTINEL, SecretScan } from './sentinels';

const secrets = new SecretScan();
const cases = { configFiles: 0, configTexts: 0, configEnvironments: 0 };
const outcomes = { valid: 0, refused: 0 };
let base: Record<string, unknown>;

beforeAll(async () => {
  const example = parse(
    await readFile(new URL('../../config.example.yaml', import.meta.url), 'utf8'),
  ) as Record<string, unknown>;
  // The example, plus every source type with credentials by variable name, SSM kill switch and DynamoDB state.
  base = {
    ...example,
    killSwitch: { enabled: false, ssmParameter: '/autoscaler/kill' },
    state: { type: 'dynamodb', tableName: 'autoscaler-state', region: 'eu-west-1' },
    pools: [
      ...(example.pools as unknown[]),
      {
        name: 'single-flavor-pool-0705efad9717089d4c42847b9d448003',
        defaults: { max: 8 },
        flavors: [
          {
            flavor: 'modelarts.vm.cpu.4ud',
            backlog: {
              source: {
                type: 'http',
                url: 'https://metrics.example.com/backlog/{pool}',
                valueExpression: 'pools."{pool}"."{flavor}".queued',
                auth: { type: 'bearer', tokenEnv: 'BACKLOG_TOKEN' },
                headersFromEnv: { 'X-Api-Key': 'BACKLOG_API_KEY' },
              },
            },
          },
          {
            flavor: 'modelarts.vm.gpu.t4u8',
            backlog: {
              source: {
                type: 'prometheus',
                url: 'https://prometheus.example.com',
                query: 'sum(queue_depth{pool="{pool}"})',
                auth: { type: 'basic', usernameEnv: 'PROM_USER', passwordEnv: 'PROM_PASSWORD' },
              },
            },
          },
          {
            flavor: '*',
            backlog: {
              source: { type: 'sqs', queueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/jobs' },
            },
          },
        ],
      },
    ],
  };
  // The base itself is valid: every refusal below comes from a mutation.
  expect(() => parseConfig({ text: JSON.stringify(base), env: {} })).not.toThrow();
});

function withPrometheusUrl(document: Record<string, unknown>, url: string): Record<string, unknown> {
  const pools = document.pools as { flavors: { backlog: { source: Record<string, unknown> } }[] }[];
  const source = pools[3]?.flavors[1]?.backlog.source;
  if (source?.type !== 'prometheus')
    throw new Error('the base config changed: pools[3].flavors[1] is no longer Prometheus');
  source.url = url;
  return document;
}

/** What parseConfig did with `text`: a config, or a ConfigError that is clear and secret-free. Anything else fails. */
function judge(text: string, env: Record<string, string | undefined> = {}): Config | ConfigError {
  let outcome: Config | ConfigError;
  try {
    outcome = parseConfig({ text, env, source: 'fuzzed.yaml' });
    outcomes.valid += 1;
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    const refused = error as ConfigError;
    outcomes.refused += 1;
    secrets.scan('config error', refused);
    expect(refused.issues.length).toBeGreaterThan(0);
    for (const issue of refused.issues) {
      expect(issue.path).toMatch(/\S/);
      expect(issue.message).toMatch(/\S/);
      expect(refused.message).toContain(`${issue.path}: ${issue.message}`);
    }
    return refused;
  }
  // An accepted config holds together.
  expect(outcome.connections.length).toBeGreaterThan(0);
  expect(outcome.pools.length).toBeGreaterThan(0);
  for (const pool of outcome.pools) {
    expect(outcome.connections.map((c) => c.name)).toContain(pool.connection);
    for (const flavor of pool.flavors) expect(flavor.policy.min).toBeLessThanOrEqual(flavor.policy.max);
  }
  return outcome;
}

describe('config files under hostile edits', { timeout: LONG_TEST_MS }, () => {
  it('parses a mutated config or names every problem, in YAML and in JSON', () => {
    fc.assert(
      fc.property(mutated(base, hostileOrSecret), fc.boolean(), (document, asYaml) => {
        cases.configFiles += 1;
        const text = asYaml
          ? stringify(document, { aliasDuplicateObjects: false })
          : (JSON.stringify(document) ?? '');
        judge(text);
      }),
      { numRuns: FUZZ_RUNS, seed: 0xc0f1 },
    );
    // Both ends were reached: some mutations are harmless, most are not.
    expect(outcomes.valid).toBeGreaterThan(20);
    expect(outcomes.refused).toBeGreaterThan(FUZZ_RUNS / 2);
  });

  it('refuses text that is barely YAML with its position, never a parser crash', () => {
    const fragment = fc.constantFrom(
      ':',
      '- ',
      '{',
      '}',
      '[',
      '&a ',
      '*a',
      '!!binary ',
      '!!js/function ',
      '<<: *a',
      '%YAML 1.2\n',
      '---\n',
      '...\n',
      '\t',
      '  ',
      '\n',
      '"',
      "'",
      '#',
      'pools:',
      'connections:',
      'name: x',
      'max: -1',
      '? ',
      '|',
      '>',
    );
    const text = fc.oneof(
      fc
        .array(fc.oneof(fragment, fc.string({ maxLength: 8 }), shapedSecret), { maxLength: 40 })
        .map((parts) => parts.join('')),
      fc.string({ unit: 'binary', maxLength: 400 }),
      // Billion laughs: aliases expanding far beyond the input.
      fc
        .integer({ min: 2, max: 12 })
        .map((depth) =>
          [
            'a0: &a0 [x, x, x, x, x, x, x, x, x, x]',
            ...Array.from(
              { length: depth },
              (_, i) => `a${i + 1}: &a${i + 1} [${Array(10).fill(`*a${i}`).join(', ')}]`,
            ),
          ].join('\n'),
        ),
      // Duplicate keys and deep nesting.
      fc
        .integer({ min: 1, max: 500 })
        .map((depth) => `pools: ${'['.repeat(depth)}${']'.repeat(depth)}\npools: []`),
    );
    fc.assert(
      fc.property(text, (raw) => {
        cases.configTexts += 1;
        judge(raw);
      }),
      { numRuns: FUZZ_RUNS * 0.6, seed: 0x7e47 },
    );
  });

  it('names the variable of every hostile environment override', () => {
    const names = [
      'AUTOSCALER_DRY_RUN',
      'AUTOSCALER_KILL_SWITCH',
      'AUTOSCALER_ENDPOINT',
      'AUTOSCALER_STATE_TABLE',
      'AUTOSCALER_CONFIG',
    ];
    const value = fc.oneof(
      fc.constantFrom('true', 'false', 'on', '0', 'maybe', 'http://emu:1', 'ftp://x', 't'),
      fc.string({ maxLength: 30 }),
      secretValue,
    );
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...names), value, { maxKeys: 5 }), (env) => {
        cases.configEnvironments += 1;
        const outcome = judge(JSON.stringify(base), env);
        if (outcome instanceof ConfigError) {
          for (const issue of outcome.issues) expect(names).toContain(issue.path);
        }
      }),
      { numRuns: FUZZ_RUNS / 5, seed: 0xe4e },
    );
  });

  // What the fuzzing found, kept as examples so that they stay fixed whatever the seeds draw.
  it.each([
    ['a source URL that is no URL', (doc: Record<string, unknown>) => withPrometheusUrl(doc, 'not a url')],
    [
      'a source URL with user:password',
      (doc: Record<string, unknown>) => withPrometheusUrl(doc, `https://u:${SENTINEL.sk}@h`),
    ],
  ])('refuses %s with a ConfigError naming the field', (_, change) => {
    const refused = judge(JSON.stringify(change(structuredClone(base))));
    expect(refused).toBeInstanceOf(ConfigError);
    expect((refused as ConfigError).issues.map((issue) => issue.path)).toContain(
      'pools[3].flavors[1].backlog.source.url',
    );
  });

  it.each([
    [
      'aliases that expand a billion times',
      `a: &a [x, x, x, x, x, x, x, x, x, x]\n${Array.from(
        { length: 9 },
        (_, i) =>
          `b${i}: &b${i} [${Array(10)
            .fill(i ? `*b${i - 1}` : '*a')
            .join(', ')}]`,
      ).join('\n')}`,
    ],
    ['text the parser cannot place', `dryRun: true\n]${SENTINEL.sk}\n`],
    ['a bad block scalar header', `pools: >${SENTINEL.securityToken}\n  x\n`],
    ['a secret pasted as a key', `${SENTINEL.sk}:\npools: []\n`],
  ])('refuses %s without repeating the text', (_, text) => {
    const refused = judge(text);
    expect(refused).toBeInstanceOf(ConfigError);
    expect((refused as ConfigError).message).not.toContain('SENTINEL');
  });

  afterAll(async () => {
    await recordFigures('fuzz-config', { fuzzCases: cases, outcomes, secrets: secrets.figures });
    expect(secrets.findings).toEqual([]);
  });
});

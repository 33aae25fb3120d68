import { describe, expect, it } from 'vitest';
import { DEFAULT_CAPACITY } from '../../lib/capacity/types';
import { ConfigError } from '../../lib/config/issues';
import { parseConfig } from '../../lib/config/load';
import { minimalConfig, toYaml } from './fixtures';

// `capacity:` (issue #15): inherited like the other flavor policy fields, its backoff merged field by field.

type Doc = ReturnType<typeof minimalConfig> & { defaults?: unknown };

const withLayers = (layers: { global?: unknown; pool?: unknown; flavor?: unknown; scaleDown?: unknown }) => {
  const document: Doc = minimalConfig();
  if (layers.global !== undefined) document.defaults = { capacity: layers.global };
  const pool = document.pools[0] as Record<string, unknown>;
  if (layers.pool !== undefined) pool.defaults = { capacity: layers.pool };
  const flavors = pool.flavors as Record<string, unknown>[];
  flavors[0] = {
    ...flavors[0],
    ...(layers.flavor === undefined ? {} : { capacity: layers.flavor }),
    ...(layers.scaleDown === undefined ? {} : { scaleDown: layers.scaleDown }),
  };
  return document;
};

const capacityOf = (document: unknown) =>
  parseConfig({ text: toYaml(document), env: {} }).pools[0]?.flavors[0]?.policy.capacity;

const problems = (document: unknown): string[] => {
  try {
    parseConfig({ text: toYaml(document), env: {} });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).issues.map((issue) => `${issue.path}: ${issue.message}`);
  }
  throw new Error('expected a ConfigError');
};

describe('capacity config', () => {
  it("defaults to cluster-autoscaler's backoff and max-node-provision-time, stock-aware", () => {
    expect(capacityOf(minimalConfig())).toEqual({
      stockAware: true,
      backoff: { initialSeconds: 300, maxSeconds: 1800, resetSeconds: 10_800 },
      maxNodeProvisionSeconds: 900,
    });
    expect(capacityOf(minimalConfig())).toEqual(DEFAULT_CAPACITY);
  });

  it('merges global, pool and flavor layers field by field, the backoff too', () => {
    const capacity = capacityOf(
      withLayers({
        global: { stockAware: false, backoff: { maxSeconds: 3600 } },
        pool: { backoff: { initialSeconds: 60 }, maxNodeProvisionSeconds: 1200 },
        flavor: { stockAware: true, replaceAbnormalAfterSeconds: 600 },
      }),
    );
    expect(capacity).toEqual({
      stockAware: true,
      backoff: { initialSeconds: 60, maxSeconds: 3600, resetSeconds: 10_800 },
      maxNodeProvisionSeconds: 1200,
      replaceAbnormalAfterSeconds: 600,
    });
  });

  it('refuses an initial backoff longer than the longest, naming the field', () => {
    expect(problems(withLayers({ pool: { backoff: { initialSeconds: 2000 } } }))).toEqual([
      'pools[0].flavors[0].capacity.backoff.initialSeconds: must be <= maxSeconds (got 2000 > 1800)',
    ]);
  });

  it('refuses seconds that are not positive whole numbers, naming the field', () => {
    const found = problems(
      withLayers({ flavor: { backoff: { resetSeconds: 0 }, maxNodeProvisionSeconds: 1.5 } }),
    );
    expect(found).toHaveLength(2);
    expect(found[0]).toMatch(/^pools\[0\]\.flavors\[0\]\.capacity\.backoff\.resetSeconds: /);
    expect(found[1]).toMatch(/^pools\[0\]\.flavors\[0\]\.capacity\.maxNodeProvisionSeconds: /);
  });

  it('refuses an unknown capacity key', () => {
    expect(problems(withLayers({ flavor: { stockAwre: true } })).join('\n')).toContain(
      'pools[0].flavors[0].capacity.stockAwre',
    );
  });

  it('refuses replaceAbnormalAfterSeconds with scaleDown.method count, even when inherited', () => {
    expect(
      problems(withLayers({ global: { replaceAbnormalAfterSeconds: 600 }, scaleDown: { method: 'count' } })),
    ).toEqual([
      'pools[0].flavors[0].capacity.replaceAbnormalAfterSeconds: needs scaleDown.method idle-nodes: with count ' +
        'no Abnormal node is replaced (a later count-down could remove a healthy node in its place); remove it ' +
        'or use idle-nodes',
    ]);
    expect(capacityOf(withLayers({ global: { replaceAbnormalAfterSeconds: 600 } }))).toMatchObject({
      replaceAbnormalAfterSeconds: 600,
    });
  });
});

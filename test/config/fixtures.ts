import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { stringify } from 'yaml';
import { ConfigError } from '../../lib/config/issues';
import { type Pool, PoolSchema } from '../../lib/modelarts/schemas';

// A small valid config to vary per test: one connection, one pool, one flavor.
export const minimalConfig = () => ({
  connections: [{ name: 'main', region: 'cn-north-4', projectId: 'project-1' }],
  pools: [
    {
      name: 'pool-a',
      flavors: [
        { flavor: 'modelarts.vm.gpu.t4u8', max: 4, backlog: { source: { type: 'static', value: 3 } } },
      ],
    },
  ],
});

export const toYaml = (document: unknown): string => stringify(document);

/** The emulator's seed pools, parsed. */
export const seedPools: Pool[] = (
  JSON.parse(readFileSync(new URL('../../emulator/seed/pools.json', import.meta.url), 'utf8')) as unknown[]
).map((raw) => PoolSchema.parse(raw));

/** The seed pool whose name starts with `prefix-`. */
export const seedPoolNamed = (prefix: string): Pool => {
  const pool = seedPools.find((candidate) => candidate.metadata.name.startsWith(`${prefix}-`));
  if (!pool) throw new Error(`no seed pool ${prefix}`);
  return pool;
};

/** The problems a config error lists, as `path: message`; fails when `run` does not throw one. */
export const problems = (run: () => unknown): string[] => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).issues.map((issue) => `${issue.path}: ${issue.message}`);
  }
  throw new Error('expected a ConfigError');
};

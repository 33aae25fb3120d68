import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type plugins from '../../functions/build/esbuild-plugins.cjs';
import type resolvedConfig from '../../functions/build/resolved-config.cjs';
import { parseConfig } from '../../lib/config/load';
import { minimalConfig, toYaml } from '../config/fixtures';

const ROOT = resolve(import.meta.dirname, '../..');
const require = createRequire(import.meta.url);
const { createPlugins, registryFor } = require('../../functions/build/esbuild-plugins.cjs') as typeof plugins;
const { backlogSourceTypes, readResolvedConfig } =
  require('../../functions/build/resolved-config.cjs') as typeof resolvedConfig;

const HTTP_SOURCE = { type: 'http', url: 'https://q.example/depth', valueExpression: 'depth' };

let folder: string;
beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'bundled-config-'));
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

const configFile = async (name: string, document: unknown) => {
  const path = join(folder, name);
  await writeFile(path, toYaml(document));
  return path;
};

const withSource = (source: Record<string, unknown>) => {
  const document = minimalConfig();
  const [pool] = document.pools;
  const [flavor] = pool?.flavors ?? [];
  if (!flavor) throw new Error('fixture has no flavor');
  flavor.backlog = { source } as typeof flavor.backlog;
  return document;
};

const bundle = async (configPath: string, entry: string) => {
  const result = await build({
    entryPoints: [join(ROOT, entry)],
    bundle: true,
    format: 'esm',
    platform: 'node',
    write: false,
    metafile: true,
    plugins: createPlugins({ configPath }),
    logLevel: 'silent',
  });
  // Every file esbuild read, less those whose code tree shaking removed whole.
  const [output] = Object.values(result.metafile.outputs);
  const inputs = Object.entries(output?.inputs ?? {})
    .filter(([, input]) => input.bytesInOutput > 0)
    .map(([path]) => path);
  return { code: result.outputFiles[0]?.text ?? '', inputs };
};

describe('the config, resolved at build time', () => {
  it('is the Config lib/config makes of the file, in plain JSON', async () => {
    const path = join(ROOT, 'events/autoscaler.yaml');
    const expected = parseConfig({ text: await readFile(path, 'utf8'), env: {} });
    expect(readResolvedConfig(path)).toStrictEqual(JSON.parse(JSON.stringify(expected)));
  });

  it('fails the build on a bad file, naming every problem', async () => {
    const document = minimalConfig();
    const [pool] = document.pools;
    if (pool?.flavors[0]) pool.flavors[0].max = -1;
    const path = await configFile('bad.yaml', { ...document, intervalSeconds: 'often' });
    expect(() => readResolvedConfig(path)).toThrow(/invalid configuration.*2 problems/s);
    expect(() => readResolvedConfig(path)).toThrow(/intervalSeconds/);
    expect(() => readResolvedConfig(path)).toThrow(/pools\[0\]\.flavors\[0\]\.max/);
  });

  it('lists the backlog source types its flavors read', async () => {
    const path = await configFile('http.yaml', withSource(HTTP_SOURCE));
    expect(backlogSourceTypes(readResolvedConfig(path))).toEqual(['http']);
  });
});

describe('the backlog source registry of a bundle', () => {
  const registry = () => readFile(join(ROOT, 'lib/metrics/registry.ts'), 'utf8');

  it('creates only the source types asked for, and refuses the others by name', async () => {
    const code = registryFor(await registry(), ['static', 'sqs']);
    expect(code).toContain("import { createStaticSource } from './sources/static';");
    expect(code).toContain("import { createSqsSource } from './sources/sqs';");
    expect(code).not.toContain('prometheus');
    expect(code).toContain('is not in this bundle');
  });

  it('refuses a source type the registry does not have', async () => {
    expect(() => registryFor('export function createSource() {}', ['static'])).toThrow(
      /no backlog source of type "static"/,
    );
  });

  it('leaves out the code of unused sources and the config schema', async () => {
    const path = await configFile('static.yaml', minimalConfig());
    const { inputs } = await bundle(path, 'functions/plan.ts');
    expect(inputs.some((input) => input.endsWith('lib/metrics/sources/static.ts'))).toBe(true);
    for (const left of [
      'sources/http.ts',
      'sources/prometheus.ts',
      'lib/config/schema.ts',
      'jmespath/lib/',
    ]) {
      expect(inputs.filter((input) => input.includes(left))).toEqual([]);
    }
  });

  it('keeps the code of the sources the config uses', async () => {
    const path = await configFile('http.yaml', withSource(HTTP_SOURCE));
    const { inputs } = await bundle(path, 'functions/plan.ts');
    expect(inputs.some((input) => input.endsWith('lib/metrics/sources/http.ts'))).toBe(true);
    expect(inputs.some((input) => input.includes('jmespath/lib/'))).toBe(true);
    expect(inputs.some((input) => input.endsWith('lib/metrics/sources/static.ts'))).toBe(false);
  });
});

describe('the cron library of a bundle', () => {
  const withSchedule = () => {
    const document = minimalConfig() as ReturnType<typeof minimalConfig> & {
      pools: { defaults?: Record<string, unknown> }[];
    };
    const [pool] = document.pools;
    if (!pool) throw new Error('fixture has no pool');
    pool.defaults = {
      schedules: [{ cron: '0 8 * * 1-5', timezone: 'Asia/Shanghai', durationSeconds: 36000, min: 1 }],
    };
    return document;
  };
  const hasCroner = (inputs: string[]) => inputs.some((input) => input.includes('node_modules/croner/'));

  it('is left out when the config has no schedules, and refuses by name if ever called', async () => {
    const { inputs } = await bundle(
      await configFile('no-schedules.yaml', minimalConfig()),
      'functions/plan.ts',
    );
    expect(hasCroner(inputs)).toBe(false);
    const stub = await build({
      stdin: {
        contents: "import { Cron } from 'croner'; export const make = () => new Cron('* * * * *');",
        resolveDir: ROOT,
      },
      bundle: true,
      format: 'esm',
      write: false,
      plugins: createPlugins({ configPath: await configFile('no-schedules-2.yaml', minimalConfig()) }),
      logLevel: 'silent',
    });
    const module = await import(
      `data:text/javascript;base64,${Buffer.from(stub.outputFiles[0]?.text ?? '').toString('base64')}`
    );
    expect(() => module.make()).toThrow('cron schedules are not in this bundle');
  });

  it('is kept when a pool has schedules', async () => {
    const { inputs } = await bundle(await configFile('schedules.yaml', withSchedule()), 'functions/plan.ts');
    expect(hasCroner(inputs)).toBe(true);
  });
});

describe('a bundle', () => {
  it('parses with zod as before, but has no JSON Schema converter', async () => {
    const result = await build({
      stdin: {
        contents: [
          "import { z } from 'zod';",
          'const Pool = z.looseObject({ name: z.string().min(3), count: z.number().int() });',
          "export const parsed = Pool.parse({ name: 'pool-a', count: 2, extra: true });",
          "export const refused = Pool['~standard'].validate({ name: 'p', count: 1.5 });",
          'export const convert = () => z.toJSONSchema(Pool);',
        ].join('\n'),
        resolveDir: ROOT,
        loader: 'ts',
      },
      bundle: true,
      format: 'esm',
      platform: 'node',
      write: false,
      plugins: createPlugins({ configPath: join(ROOT, 'events/autoscaler.yaml') }),
      logLevel: 'silent',
    });
    const code = result.outputFiles[0]?.text ?? '';
    expect(code).not.toContain('Cycle detected');
    const module = await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`);
    expect(module.parsed).toEqual({ name: 'pool-a', count: 2, extra: true });
    expect(module.refused.issues.map((issue: { path: string[] }) => issue.path)).toEqual([
      ['name'],
      ['count'],
    ]);
    expect(() => module.convert()).toThrow('zod JSON Schema conversion is not in the function bundles');
  });

  it('holds one copy of the Powertools commons package', async () => {
    const { inputs } = await bundle(join(ROOT, 'events/autoscaler.yaml'), 'functions/worker.ts');
    const copies = new Set(
      inputs
        .filter((input) => input.includes('@aws-lambda-powertools/commons/'))
        .map((input) => input.slice(0, input.indexOf('@aws-lambda-powertools/commons/'))),
    );
    expect(copies.size).toBe(1);
  });
});

import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import type plugins from '../../functions/build/esbuild-plugins.cjs';

const ROOT = resolve(import.meta.dirname, '../..');
const { createPlugins, kyConstantsForNode22, markZodSchemasPure, rewriteZodImports } = createRequire(
  import.meta.url,
)('../../functions/build/esbuild-plugins.cjs') as typeof plugins;

describe('zod imports', () => {
  it('become namespace imports, keeping the other names', () => {
    expect(rewriteZodImports("import { z } from 'zod';")).toBe("import * as z from 'zod';");
    expect(rewriteZodImports('import { type ZodType, z } from "zod"')).toBe(
      'import * as z from "zod"; import { type ZodType } from "zod";',
    );
    const untouched = [
      "import { ZodError } from 'zod';",
      "import type { z } from 'zod';",
      "import { z } from 'zod-x';",
    ];
    for (const source of untouched) expect(rewriteZodImports(source)).toBe(source);
  });
});

describe('ky feature probes', () => {
  const KY_CONSTANTS = resolve(ROOT, 'node_modules/ky/distribution/core/constants.js');

  it('are answered as ky itself answers them on this runtime (Node 22, as Lambda)', async () => {
    const probed = await import(pathToFileURL(KY_CONSTANTS).href);
    const folded = kyConstantsForNode22(await readFile(KY_CONSTANTS, 'utf8'));
    for (const name of ['supportsRequestStreams', 'supportsResponseStreams', 'supportsFormData']) {
      expect(probed[name], name).toBe(true);
      expect(folded).toContain(`export const ${name} = true;`);
    }
    expect(folded).not.toContain('globalThis.Request');
    expect(folded).not.toContain('globalThis.FormData');
  });

  it('fail the build when ky no longer probes the way the plugin expects', () => {
    expect(() => kyConstantsForNode22('export const supportsFormData = true;')).toThrow(
      /supportsRequestStreams probe not found/,
    );
  });
});

describe('module-level zod schemas', () => {
  it('are marked pure, with or without a type annotation, and nothing else is', () => {
    expect(markZodSchemasPure('export const A = z.string();')).toBe(
      'export const A = /* @__PURE__ */ z.string();',
    );
    expect(markZodSchemasPure('const B: z.ZodType<number> = z\n  .number()')).toBe(
      'const B: z.ZodType<number> = /* @__PURE__ */ z\n  .number()',
    );
    const untouched = ['  const inner = z.string();', 'const zed = 1;', 'const text = tolerant(z.string());'];
    for (const source of untouched) expect(markZodSchemasPure(source)).toBe(source);
  });
});

describe('bundles', () => {
  const bundle = async (contents: string) => {
    const result = await build({
      stdin: { contents, resolveDir: ROOT, loader: 'ts' },
      bundle: true,
      format: 'esm',
      platform: 'node',
      write: false,
      plugins: createPlugins({ configPath: resolve(ROOT, 'events/autoscaler.yaml') }),
      logLevel: 'silent',
    });
    return result.outputFiles[0]?.text ?? '';
  };

  it('inline the config file as a parsed document', async () => {
    const code = await bundle(
      'declare const __AUTOSCALER_CONFIG__: unknown; export const c = __AUTOSCALER_CONFIG__;',
    );
    expect(code).toContain('single-flavor-pool-0705efad9717089d4c42847b9d448003');
    expect(code).toContain('fanOutAbovePools: 5');
  });

  it('require an AWS SDK package only when one of its exports is first used', async () => {
    const code = await bundle(
      "import { SSMClient } from '@aws-sdk/client-ssm'; export const make = () => new SSMClient({});",
    );
    expect(code).toContain('require("@aws-sdk/client-ssm")');
    expect(code).not.toContain('SSMServiceException');
  });

  it('drop the module-level schemas nothing uses', async () => {
    const code = await bundle(
      "import { createStaticSource } from './lib/metrics/sources/static';\n" +
        'export const used = createStaticSource;',
    );
    // The static source's config schema (validated at build time) is dropped; its file schema is used.
    expect(code).toContain('createStaticSource');
    expect(code).not.toContain('must add up to value');
  });
  it('neither keep nor build the pool message and pushed backlog schemas where only their helpers are used', async () => {
    // The scheduled function sends pool messages and overlays pushed values without parsing either.
    const code = await bundle(
      "import { messageGroupId } from './lib/aws/pool-message';\n" +
        "import { overlayPushed } from './lib/metrics/pushed';\n" +
        'export const used = [messageGroupId, overlayPushed];',
    );
    expect(code).toContain('messageGroupId');
    expect(code).not.toContain('$ZodType');
  });

  it('keep zod parsing and string bounds but leave out JSON Schema conversion', async () => {
    const code = await bundle(
      "import { z } from 'zod';\n" +
        'const name = z.string().min(3);\n' +
        'export const parsed = name.safeParse("ab").success;\n' +
        'export const minLength = name.minLength;\n' +
        'export const convert = () => z.toJSONSchema(name);',
    );
    const module = await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`);
    expect(module.parsed).toBe(false);
    expect(module.minLength).toBe(3);
    expect(() => module.convert()).toThrow(/JSON Schema conversion is not in the function bundles/);
  });
});

import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import type plugins from '../../functions/build/esbuild-plugins.cjs';

const ROOT = resolve(import.meta.dirname, '../..');
const { createPlugins, rewriteZodImports } = createRequire(import.meta.url)(
  '../../functions/build/esbuild-plugins.cjs',
) as typeof plugins;

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
});

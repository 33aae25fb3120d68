// The container's entry: cli/entry.ts bundled by esbuild into one ES module with every dependency inside,
// so the image needs no node_modules (and none of the dev dependencies the tsx bin runs through). The files
// the code reads beside itself (the example config, the emulator's seed, the version) are copied to the
// same relative paths, and each module's `import.meta.url` is rewritten to its path under the output
// folder, so `new URL('./seed/pools.json', import.meta.url)` still finds them.
//
//   npm run build:container            # -> dist/container/
//   node dist/container/modelarts-autoscaler.mjs run ...

import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';

const ROOT = resolve(import.meta.dirname, '..');
export const CONTAINER_DIR = join(ROOT, 'dist', 'container');
/** The bundle's file name inside the output folder (the Dockerfile's ENTRYPOINT names it). */
export const ENTRY_FILE = 'modelarts-autoscaler.mjs';
/** Read at run time relative to the module that reads them. */
export const DATA_FILES = [
  'config.example.yaml',
  'cli/demo/config.yaml',
  'emulator/seed/pools.json',
  'emulator/seed/workloads.json',
];

const ownSource = (path: string) =>
  path.startsWith(ROOT + sep) && !path.includes(`${sep}node_modules${sep}`) && /\.[cm]?[jt]s$/.test(path);

/** `import.meta.url` of each of our modules as the URL of its own path under the bundle's folder. */
const moduleUrls: Plugin = {
  name: 'module-urls',
  setup(context) {
    context.onLoad({ filter: /\.[cm]?[jt]s$/ }, async (args) => {
      if (!ownSource(args.path)) return undefined;
      const text = await readFile(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      const own = `./${relative(ROOT, args.path).split(sep).join('/')}`;
      return {
        contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify(own)}, import.meta.url).href`),
        loader: args.path.endsWith('.ts') ? 'ts' : 'js',
        resolveDir: dirname(args.path),
      };
    });
  },
};

export async function buildContainer(outDir = CONTAINER_DIR): Promise<string> {
  await rm(outDir, { recursive: true, force: true });
  await build({
    entryPoints: [join(ROOT, 'cli', 'entry.ts')],
    outfile: join(outDir, ENTRY_FILE),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    minify: true,
    keepNames: true,
    mainFields: ['module', 'main'],
    legalComments: 'none',
    logLevel: 'warning',
    // Bundled CommonJS code calls require().
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
    plugins: [moduleUrls],
  });
  for (const file of DATA_FILES) {
    await mkdir(dirname(join(outDir, file)), { recursive: true });
    await copyFile(join(ROOT, file), join(outDir, file));
  }
  const { name, version } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8'));
  await writeFile(
    join(outDir, 'package.json'),
    `${JSON.stringify({ name, version, type: 'module' }, null, 2)}\n`,
  );
  return join(outDir, ENTRY_FILE);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const entry = await buildContainer(process.argv[2] ? resolve(process.argv[2]) : CONTAINER_DIR);
  process.stdout.write(`built ${relative(process.cwd(), entry)}\n`);
}

// Function bundle sizes and module load times, next to an empty middy handler bundled the same way.
// Builds with the esbuild settings of serverless.yml (custom.esbuild and its plugins file), then imports
// each bundle in fresh `node` processes and takes the median.
//
//   npx tsx bench/bundles.ts [--runs 9]
//
// Targets: at most 250 KB per bundle, and a load time at most 2x the empty handler's. Load time is what a
// cold start waits for before the handler can run: from the node process start to the bundle's import
// resolved (performance.now() after the import), reported with the import alone beside it. The AWS SDK
// clients a bundle uses are loaded on first use (see functions/build/esbuild-plugins.cjs), so their cost
// is reported separately, as `sdkMs`: the time to load them in a fresh process. So is `fetchMs`, the time
// Node takes to set up fetch (undici) at the first request: ky's import-time probes, which would pay it
// during the import, are answered at build time for Node 22 (see esbuild-plugins.cjs).

import { execFile } from 'node:child_process';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { type BuildOptions, build, type Metafile, type Plugin } from 'esbuild';
import { parse } from 'yaml';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '..');
const require = createRequire(import.meta.url);

export const SIZE_TARGET_BYTES = 250_000;
export const LOAD_TIME_TARGET_RATIO = 2;

export interface BundleFigures {
  name: string;
  bytes: number;
  /** The bundle gzipped (roughly what the deployment zip holds). */
  gzipBytes: number;
  /** Of `bytes`, what zod's own modules take (esbuild's bytes in output, minified). */
  zodBytes: number;
  /** Median ms from process start to the bundle imported. */
  readyMs: number;
  /** Median ms of the import alone. */
  importMs: number;
  /** SDK packages the bundle loads on first use, and the median ms to load them in a fresh process. */
  sdkPackages: string[];
  sdkMs: number;
}

export interface BundleReport {
  /** Median ms to set up fetch (undici) in a fresh process: what the first HTTP request of any function pays. */
  fetchMs: number;
  empty: BundleFigures;
  functions: BundleFigures[];
}

interface ServerlessEsbuildSettings extends Record<string, unknown> {
  exclude?: string[];
  outputFileExtension?: string;
  plugins?: string;
}

// Options serverless-esbuild consumes itself rather than passing to esbuild.
const SERVERLESS_ONLY = new Set([
  'exclude',
  'outputFileExtension',
  'plugins',
  'packager',
  'packagerOptions',
  'keepOutputDirectory',
  'concurrency',
  'zipConcurrency',
  'nativeZip',
  'installExtraArgs',
  'watch',
  'skipBuild',
  'skipRebuild',
  'skipBuildExcludeFns',
  'stripEntryResolveExtensions',
  'disposeContext',
]);

/** The esbuild options serverless-esbuild derives from serverless.yml, for the config at `configPath`. */
export async function serverlessBuildOptions(configPath: string): Promise<{
  options: BuildOptions;
  handlers: Record<string, string>;
}> {
  const service = parse(await readFile(join(ROOT, 'serverless.yml'), 'utf8'), { logLevel: 'silent' }) as {
    custom: { esbuild: ServerlessEsbuildSettings };
    functions: Record<string, { handler: string }>;
  };
  const settings = service.custom.esbuild;
  const { createPlugins } = require(join(ROOT, settings.plugins ?? '')) as {
    createPlugins: (options: { configPath: string }) => Plugin[];
  };
  const passThrough = Object.fromEntries(
    Object.entries(settings).filter(([key]) => !SERVERLESS_ONLY.has(key)),
  );
  const options: BuildOptions = {
    ...passThrough,
    external: settings.exclude ?? [],
    outExtension: { '.js': settings.outputFileExtension ?? '.js' },
    plugins: createPlugins({ configPath }),
    metafile: true,
    absWorkingDir: ROOT,
    logLevel: 'error',
  };
  const handlers = Object.fromEntries(
    Object.entries(service.functions).map(([name, fn]) => [name, `${fn.handler.replace(/\.[^.]+$/, '')}.ts`]),
  );
  return { options, handlers };
}

const EMPTY_HANDLER = "import middy from '@middy/core';\nexport const handler = middy(async () => ({}));\n";

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

async function nodeTiming(script: string): Promise<{ readyMs: number; importMs: number }> {
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT });
  return JSON.parse(stdout) as { readyMs: number; importMs: number };
}

const importScript = (file: string) =>
  `const t0 = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); const t1 = performance.now();` +
  'process.stdout.write(JSON.stringify({ readyMs: t1, importMs: t1 - t0 }));';

// What ky's probes did at import, and the first request does now: construct a streaming Request, read FormData.
const FETCH_SCRIPT =
  "const t0 = performance.now(); new Request('https://empty.invalid', { method: 'POST', body: new ReadableStream(), duplex: 'half' });" +
  'void FormData; const t1 = performance.now(); process.stdout.write(JSON.stringify({ readyMs: t1, importMs: t1 - t0 }));';

const sdkScript = (packages: string[]) =>
  `import { createRequire } from 'node:module'; const require = createRequire(${JSON.stringify(`${ROOT}/`)});` +
  `const t0 = performance.now(); for (const name of ${JSON.stringify(packages)}) require(name); const t1 = performance.now();` +
  'process.stdout.write(JSON.stringify({ readyMs: t1, importMs: t1 - t0 }));';

const ZOD_MODULE = /(^|\/)node_modules\/zod\//;

/** What zod's modules add to the output: the part of a bundle the stack's validator costs. */
const zodBytesOf = (output: Metafile['outputs'][string]): number =>
  Object.entries(output.inputs)
    .filter(([input]) => ZOD_MODULE.test(input))
    .reduce((sum, [, input]) => sum + input.bytesInOutput, 0);

/** The SDK packages the bundle stubs (see functions/build/esbuild-plugins.cjs). */
const sdkPackagesOf = (metafile: Metafile): string[] =>
  Object.keys(metafile.inputs)
    .filter((input) => input.startsWith('aws-sdk-on-first-use:'))
    .map((input) => input.slice('aws-sdk-on-first-use:'.length))
    .sort();

interface Built {
  name: string;
  file: string;
  bytes: number;
  gzipBytes: number;
  zodBytes: number;
  sdkPackages: string[];
}

async function buildOne(
  name: string,
  options: BuildOptions,
  entry: BuildOptions,
  outDir: string,
): Promise<Built> {
  const result = await build({ ...options, ...entry, outdir: join(outDir, name), write: true });
  const [file, output] = Object.entries(result.metafile?.outputs ?? {})[0] ?? [];
  if (!file || !output) throw new Error(`esbuild produced no output for ${name}`);
  return {
    name,
    file: join(ROOT, file),
    bytes: output.bytes,
    gzipBytes: gzipSync(await readFile(join(ROOT, file))).length,
    zodBytes: zodBytesOf(output),
    sdkPackages: sdkPackagesOf(result.metafile ?? { inputs: {}, outputs: {} }),
  };
}

export async function measureBundles(
  options: { runs?: number; configPath?: string; outDir?: string } = {},
): Promise<BundleReport> {
  const runs = options.runs ?? 9;
  // Not under .esbuild: serverless-esbuild deletes that folder after packaging.
  const outDir = options.outDir ?? join(ROOT, 'bench', 'results', 'bundles');
  const { options: buildOptions, handlers } = await serverlessBuildOptions(
    options.configPath ?? join(ROOT, 'events', 'autoscaler.yaml'),
  );
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const built = [
    await buildOne(
      'empty',
      buildOptions,
      { stdin: { contents: EMPTY_HANDLER, resolveDir: ROOT, loader: 'ts', sourcefile: 'empty-handler.ts' } },
      outDir,
    ),
  ];
  for (const [name, entry] of Object.entries(handlers)) {
    built.push(await buildOne(name, buildOptions, { entryPoints: [join(ROOT, entry)] }, outDir));
  }
  const fetchTimes: number[] = [];
  // Interleaved, so that a noisy moment of the machine spreads over every bundle alike.
  const timings = new Map(
    built.map((bundle) => [
      bundle.name,
      { ready: [] as number[], imports: [] as number[], sdk: [] as number[] },
    ]),
  );
  for (let index = 0; index < runs; index++) {
    fetchTimes.push((await nodeTiming(FETCH_SCRIPT)).importMs);
    for (const bundle of built) {
      const entry = timings.get(bundle.name);
      if (!entry) continue;
      const timing = await nodeTiming(importScript(bundle.file));
      entry.ready.push(timing.readyMs);
      entry.imports.push(timing.importMs);
      if (bundle.sdkPackages.length > 0)
        entry.sdk.push((await nodeTiming(sdkScript(bundle.sdkPackages))).importMs);
    }
  }
  const figures = built.map((bundle): BundleFigures => {
    const entry = timings.get(bundle.name) ?? { ready: [], imports: [], sdk: [] };
    return {
      name: bundle.name,
      bytes: bundle.bytes,
      gzipBytes: bundle.gzipBytes,
      zodBytes: bundle.zodBytes,
      readyMs: median(entry.ready),
      importMs: median(entry.imports),
      sdkPackages: bundle.sdkPackages,
      sdkMs: entry.sdk.length > 0 ? median(entry.sdk) : 0,
    };
  });
  const [empty, ...functions] = figures;
  if (!empty) throw new Error('no empty handler figures');
  return { fetchMs: median(fetchTimes), empty, functions };
}

export function formatBundleReport({ fetchMs, empty, functions }: BundleReport): string {
  const kb = (bytes: number) => `${(bytes / 1000).toFixed(1)} KB`;
  const ms = (value: number) => `${value.toFixed(1)} ms`;
  const lines = [
    `${'bundle'.padEnd(10)} ${'size'.padStart(10)} ${'gzip'.padStart(9)} ${'zod'.padStart(8)} ${'ready'.padStart(10)} ${'import'.padStart(10)} ${'x empty'.padStart(8)}  verdict   SDK on first use`,
  ];
  for (const figures of [empty, ...functions]) {
    const ratio = figures.readyMs / empty.readyMs;
    const ok = figures.bytes <= SIZE_TARGET_BYTES && ratio <= LOAD_TIME_TARGET_RATIO;
    lines.push(
      `${figures.name.padEnd(10)} ${kb(figures.bytes).padStart(10)} ${kb(figures.gzipBytes).padStart(9)} ${kb(figures.zodBytes).padStart(8)} ${ms(figures.readyMs).padStart(10)} ` +
        `${ms(figures.importMs).padStart(10)} ${ratio.toFixed(2).padStart(8)}  ${(ok ? 'ok' : 'MISSED').padEnd(8)}  ` +
        (figures.sdkPackages.length > 0 ? `${ms(figures.sdkMs)}: ${figures.sdkPackages.join(', ')}` : '-'),
    );
  }
  lines.push(
    `targets: size <= ${kb(SIZE_TARGET_BYTES)}; ready (process start to bundle imported) <= ` +
      `${LOAD_TIME_TARGET_RATIO}x the empty middy handler's`,
    `first request: fetch (undici) setup ${ms(fetchMs)}, as for any function that makes HTTP calls`,
    withoutZod(functions, kb),
  );
  return lines.join('\n');
}

/** The size target against the bundles less zod: whether any validator could fit beside the rest. */
function withoutZod(functions: BundleFigures[], kb: (bytes: number) => string): string {
  const rest = functions.map((figures) => figures.bytes - figures.zodBytes);
  const room = SIZE_TARGET_BYTES - Math.max(...rest);
  return (
    `without zod: ${kb(Math.min(...rest))} to ${kb(Math.max(...rest))}, leaving ${kb(room)} under the size ` +
    "target for every bundle's validator (zod/mini: `npx tsx bench/zod-mini.ts`)"
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const runsFlag = process.argv.indexOf('--runs');
  const runs = runsFlag > 0 ? Number(process.argv[runsFlag + 1]) : undefined;
  console.log(formatBundleReport(await measureBundles(runs ? { runs } : {})));
}

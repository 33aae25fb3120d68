// What zod/mini would save the function bundles: one schema set, written once for classic zod and once for
// zod/mini, each bundled alone with the functions' esbuild settings and plugins, then imported in fresh `node`
// processes. The set uses every zod feature the bundled schemas use (looseObject, lazy, record, discriminated
// unions, refine and superRefine, transform, default, catch, url, custom...). zod/mini ships without error
// messages, and ours must name the value's problem, so the mini build loads the English ones, as a move to it
// would have to.
//
//   npx tsx bench/zod-mini.ts [--runs 9]
//
// Read it beside `npx tsx bench/bundles.ts`, whose last line gives the bundles' size without zod.

import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { serverlessBuildOptions } from './bundles';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '..');

// Plain JavaScript, so that the type checker leaves these build inputs alone. Written as the repo writes schemas: `import { z } from 'zod'` (the zodSources plugin makes it a namespace).
const CLASSIC = `import { z } from 'zod';
const Name = z.string().min(1).regex(/^[a-z0-9.-]+$/).describe('a name');
const Count = z.number().int().nonnegative();
const Node = z.looseObject({
  metadata: z.looseObject({ name: Name, labels: z.record(z.string(), z.string()).optional() }),
  status: z.looseObject({ phase: z.enum(['Available', 'Creating', 'Abnormal']).catch('Abnormal') }).optional(),
});
const Tree = z.lazy(() => z.looseObject({ name: Name, children: z.array(Tree).optional() }));
const Event = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('scale'), count: Count.max(1000), at: z.number().positive() }),
  z.strictObject({ kind: z.literal('note'), text: z.string().nullable(), url: z.url().optional() }),
]);
export const Pool = z.looseObject({
  metadata: z.looseObject({ name: Name, annotations: z.record(z.string(), z.unknown()).default({}) }),
  spec: z.object({
    resources: z.array(z.looseObject({ flavor: Name, count: Count, azs: z.array(z.looseObject({ az: Name, count: Count })).optional() })).min(1),
    controlMode: z.union([z.number().int(), z.string().transform((text) => Number(text))]).optional(),
  }).superRefine((spec, context) => { if (spec.resources.length > 64) context.addIssue({ code: 'custom', message: 'too many' }); }),
  nodes: z.array(Node).default([]),
  tree: Tree.optional(),
  events: z.array(Event).optional(),
  hook: z.custom((value) => typeof value === 'function').optional(),
  dryRun: z.boolean().optional(),
}).refine((pool) => pool.metadata.name.length < 64, 'name too long');
export const check = (value) => Pool.safeParse(value).success;
`;

const MINI = `import * as z from 'zod/mini';
import { en } from 'zod/locales';
z.config(en());
const Name = z.string().check(z.minLength(1), z.regex(/^[a-z0-9.-]+$/)).register(z.globalRegistry, { description: 'a name' });
const Count = z.number().check(z.int(), z.nonnegative());
const Node = z.looseObject({
  metadata: z.looseObject({ name: Name, labels: z.optional(z.record(z.string(), z.string())) }),
  status: z.optional(z.looseObject({ phase: z.catch(z.enum(['Available', 'Creating', 'Abnormal']), 'Abnormal') })),
});
const Tree = z.lazy(() => z.looseObject({ name: Name, children: z.optional(z.array(Tree)) }));
const Event = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('scale'), count: Count.check(z.maximum(1000)), at: z.number().check(z.positive()) }),
  z.strictObject({ kind: z.literal('note'), text: z.nullable(z.string()), url: z.optional(z.url()) }),
]);
export const Pool = z.looseObject({
  metadata: z.looseObject({ name: Name, annotations: z._default(z.record(z.string(), z.unknown()), {}) }),
  spec: z.object({
    resources: z.array(z.looseObject({ flavor: Name, count: Count, azs: z.optional(z.array(z.looseObject({ az: Name, count: Count }))) })).check(z.minLength(1)),
    controlMode: z.optional(z.union([z.number().check(z.int()), z.pipe(z.string(), z.transform((text) => Number(text)))])),
  }).check(z.superRefine((spec, context) => { if (spec.resources.length > 64) context.addIssue({ code: 'custom', message: 'too many' }); })),
  nodes: z._default(z.array(Node), []),
  tree: z.optional(Tree),
  events: z.optional(z.array(Event)),
  hook: z.optional(z.custom((value) => typeof value === 'function')),
  dryRun: z.optional(z.boolean()),
}).check(z.refine((pool) => pool.metadata.name.length < 64, 'name too long'));
export const check = (value) => Pool.safeParse(value).success;
`;

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};

async function importMs(file: string): Promise<number> {
  const script =
    `const t0 = performance.now(); const m = await import(${JSON.stringify(pathToFileURL(file).href)});` +
    "if (m.check({}) !== false) throw new Error('the schema accepted an empty pool');" +
    'process.stdout.write(String(performance.now() - t0));';
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT });
  return Number(stdout);
}

export async function measureZodMini(runs = 9): Promise<{ name: string; bytes: number; importMs: number }[]> {
  const outDir = join(ROOT, 'bench', 'results', 'zod-mini');
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const { options } = await serverlessBuildOptions(join(ROOT, 'events', 'autoscaler.yaml'));
  const built: { name: string; file: string; bytes: number; times: number[] }[] = [];
  for (const [name, source] of [
    ['classic', CLASSIC],
    ['mini', MINI],
  ] as const) {
    // Inside the repo, so that the plugins that apply to our own sources apply to this one too.
    const entry = join(outDir, `${name}-schemas.js`);
    await writeFile(entry, source);
    const result = await build({ ...options, entryPoints: [entry], outdir: join(outDir, name), write: true });
    const [file, output] = Object.entries(result.metafile?.outputs ?? {})[0] ?? [];
    if (!file || !output) throw new Error(`esbuild produced no output for ${name}`);
    built.push({ name, file: join(ROOT, file), bytes: (await readFile(join(ROOT, file))).length, times: [] });
  }
  for (let index = 0; index < runs; index++)
    for (const bundle of built) bundle.times.push(await importMs(bundle.file));
  return built.map(({ name, bytes, times }) => ({ name, bytes, importMs: median(times) }));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const runsFlag = process.argv.indexOf('--runs');
  const rows = await measureZodMini(runsFlag > 0 ? Number(process.argv[runsFlag + 1]) : undefined);
  for (const row of rows)
    console.log(
      `${row.name.padEnd(8)} ${(row.bytes / 1000).toFixed(1).padStart(6)} KB  import ${row.importMs.toFixed(1)} ms`,
    );
}

'use strict';
// esbuild plugins for the function bundles, used by serverless-esbuild (custom.esbuild.plugins) and by
// bench/bundles.ts, so both build the same bundles.
//
// - awsSdkOnFirstUse: the AWS SDK v3 is in the nodejs22.x runtime and too big to bundle (one client is
//   ~300 KB minified), so it is not bundled. Each `@aws-sdk/*` import becomes a stub that `require`s the
//   package the first time one of its exports is used: loading the bundle stays fast (the SDK costs
//   100-200 ms per client to load), and a function loads only the clients it uses, when it uses them.
//   `require` (not `import`) also finds the runtime's copy through NODE_PATH.
// - zodSources: `import { z } from 'zod'` defeats esbuild's tree shaking (every locale is kept,
//   ~450 KB); `import * as z from 'zod'` is the same namespace and shakes down to what is used. And our
//   module-level schemas are marked pure, so a bundle keeps only those it uses.
// - zodWithoutJsonSchema: zod 4 attaches JSON Schema conversion to every schema, so its converter
//   (~9 KB minified) is in every bundle though no function converts a schema; in the bundles it is
//   replaced by functions that throw if a conversion is ever asked for. So are its per-type processors
//   (~9 KB), all but `aggregateChecks`, behind string schemas' `minLength` and the like.
// - kyFeaturesOfNode22: ky probes the platform at import (`new Request(...)`, `typeof FormData`,
//   `typeof ReadableStream`), and in Node that first touch of fetch's and web streams' globals loads
//   undici (~30 ms), though the answers are known for the runtime the bundles target: all three features
//   are there in Node 22. The probes are replaced by their answers, and undici loads when the first
//   request is sent, as it would without ky.
// - bundledConfig: inlines the config file, validated and merged at build time (resolved-config.cjs),
//   as `__AUTOSCALER_CONFIG__`, so the functions read no file, need no YAML parser, and build and run
//   no config schema at a cold start.
// - usedBacklogSources: the backlog source registry, cut down to the source types the config uses, so a
//   bundle carries no code (jmespath, ky, SDK stubs) of sources it never creates.
// - cronerOnlyWithSchedules: croner (~33 KB minified, a third of the growth past 250 KB) reads the
//   config's cron schedules; a bundle whose config has none gets a Cron that throws instead.
// - sideEffectFreeModules: our own modules, yaml and Powertools have no side effects on import, and
//   saying so lets esbuild drop the modules a bundle reaches only through a barrel or a package index
//   (config schemas, the JSON Schema export, the YAML loader, sync batch processors). The Powertools
//   packages also pin different minor versions of their shared commons package, so npm installs
//   several copies: a bundle takes the newest one alone.

const { existsSync, readdirSync, readFileSync } = require('node:fs');
const { readFile, rm, writeFile } = require('node:fs/promises');
const { basename, extname, join } = require('node:path');
const { backlogSourceTypes, readResolvedConfig, usesSchedules } = require('./resolved-config.cjs');

const ROOT = join(__dirname, '..', '..');
const SDK_NAMESPACE = 'aws-sdk-on-first-use';

// esbuild's CommonJS interop builds the import namespace with the stub as prototype, so property reads
// reach the proxy only when the code actually uses an export. `__esModule` and symbols are answered
// without loading, as the interop and inspection probe them.
const sdkStub = (name) => `
let loaded;
const load = () => (loaded ??= require(${JSON.stringify(name)}));
module.exports = Object.create(
  new Proxy({}, {
    get: (_, key) => (typeof key === 'symbol' || key === '__esModule' || key === 'then' ? undefined : load()[key]),
    has: (_, key) => typeof key !== 'symbol' && key in load(),
  }),
);
`;

const awsSdkOnFirstUse = {
  name: 'aws-sdk-on-first-use',
  setup(build) {
    build.onResolve({ filter: /^@aws-sdk\// }, (args) =>
      args.namespace === SDK_NAMESPACE
        ? { path: args.path, external: true }
        : { path: args.path, namespace: SDK_NAMESPACE },
    );
    build.onLoad({ filter: /.*/, namespace: SDK_NAMESPACE }, (args) => ({
      contents: sdkStub(args.path),
      loader: 'js',
    }));
  },
};

const ZOD_NAMED_IMPORT = /import\s*\{([^}]*)\}\s*from\s*(['"])zod\2;?/g;

/** Rewrites a named import of `z` from 'zod' into a namespace import; other names stay named imports. */
function rewriteZodImports(source) {
  return source.replace(ZOD_NAMED_IMPORT, (statement, list, quote) => {
    const names = list
      .split(',')
      .map((name) => name.trim())
      .filter(Boolean);
    if (!names.includes('z')) return statement;
    const rest = names.filter((name) => name !== 'z');
    const namespace = `import * as z from ${quote}zod${quote};`;
    return rest.length > 0
      ? `${namespace} import { ${rest.join(', ')} } from ${quote}zod${quote};`
      : namespace;
  });
}

// A module-level `const X = z...` only builds a schema: marked pure, it is dropped from a bundle that never
// uses it (the backlog sources' config schemas, say, as the config is validated at build time).
const ZOD_SCHEMA_CONST = /^((?:export\s+)?const\s+[\w$]+(?:\s*:[^=\n]+)?\s*=\s*)(z\b)/gm;

/** Marks each module-level `const X = z...` initializer `/* @__PURE__ *\/`. */
function markZodSchemasPure(source) {
  return source.replace(ZOD_SCHEMA_CONST, '$1/* @__PURE__ */ $2');
}

const zodSources = {
  name: 'zod-sources',
  setup(build) {
    build.onLoad({ filter: /\.(ts|mts|js|mjs)$/ }, async (args) => {
      if (args.path.includes('/node_modules/zod/')) return undefined;
      const source = await readFile(args.path, 'utf8');
      if (!source.includes('zod')) return undefined;
      const imports = rewriteZodImports(source);
      // Only our own schemas are known to be pure; a package's module-level code is left as it is.
      const rewritten = args.path.includes('/node_modules/') ? imports : markZodSchemasPure(imports);
      if (rewritten === source) return undefined;
      return { contents: rewritten, loader: /\.m?ts$/.test(args.path) ? 'ts' : 'js' };
    });
  },
};

const ZOD_TO_JSON_SCHEMA = /[\\/]node_modules[\\/]zod[\\/]v4[\\/]core[\\/]to-json-schema\.js$/;
const ZOD_JSON_SCHEMA_PROCESSORS =
  /[\\/]node_modules[\\/]zod[\\/]v4[\\/]core[\\/]json-schema-processors\.js$/;
const ZOD_KEPT_PROCESSOR = /^export function aggregateChecks\([\s\S]*?\n\}\n/m;

/** The export names of an ES module's source: `export function|const|class name` and `export { a as b }`. */
function exportNames(source) {
  const names = [
    ...source.matchAll(/^export\s+(?:async\s+)?(?:function\*?|const|let|var|class)\s+([\w$]+)/gm),
  ].map(([, name]) => name);
  for (const [, list] of source.matchAll(/^export\s*\{([^}]*)\}/gm)) {
    for (const entry of list.split(',')) {
      const name = entry
        .trim()
        .split(/\s+as\s+/)
        .at(-1);
      if (name) names.push(name);
    }
  }
  return names;
}

// Every export throws when called, but for the `create...Method` factories, which zod calls as each
// schema's `~standard` is first read: those return a function that throws. A conversion fails loudly,
// while building and parsing schemas is unaffected.
const zodJsonSchemaStub = (names) =>
  [
    "const unavailable = () => { throw new Error('zod JSON Schema conversion is not in the function bundles'); };",
    ...names.map((name) =>
      /^create\w*Method$/.test(name)
        ? `export const ${name} = () => unavailable;`
        : `export const ${name} = unavailable;`,
    ),
    '',
  ].join('\n');

/**
 * The processors module up to `aggregateChecks` (with the helpers it uses), kept as it is, and every
 * export after it stubbed.
 */
function zodProcessorsStub(source) {
  const kept = source.match(ZOD_KEPT_PROCESSOR);
  if (!kept || kept.index === undefined)
    throw new Error('zod json-schema-processors.js: aggregateChecks not found; update the stub');
  const end = kept.index + kept[0].length;
  return [source.slice(0, end), zodJsonSchemaStub(exportNames(source.slice(end)))].join('\n');
}

const zodWithoutJsonSchema = {
  name: 'zod-without-json-schema',
  setup(build) {
    build.onLoad({ filter: ZOD_TO_JSON_SCHEMA }, async (args) => ({
      contents: zodJsonSchemaStub(exportNames(await readFile(args.path, 'utf8'))),
      loader: 'js',
    }));
    build.onLoad({ filter: ZOD_JSON_SCHEMA_PROCESSORS }, async (args) => ({
      contents: zodProcessorsStub(await readFile(args.path, 'utf8')),
      loader: 'js',
    }));
  },
};

const KY_CONSTANTS = /[\\/]node_modules[\\/]ky[\\/]distribution[\\/]core[\\/]constants\.js$/;
const KY_PROBES = [
  [/^export const supportsRequestStreams = \(\(\) => \{[\s\S]*?\n\}\)\(\);$/m, 'supportsRequestStreams'],
  [
    /^export const supportsResponseStreams = typeof globalThis\.ReadableStream === 'function';$/m,
    'supportsResponseStreams',
  ],
  [/^export const supportsFormData = typeof globalThis\.FormData === 'function';$/m, 'supportsFormData'],
];

/** ky's constants module with its fetch probes answered for Node 22; fails loudly if ky changed them. */
function kyConstantsForNode22(source) {
  return KY_PROBES.reduce((result, [probe, name]) => {
    if (!probe.test(result))
      throw new Error(`ky core/constants.js: ${name} probe not found; update the plugin`);
    return result.replace(probe, `export const ${name} = true;`);
  }, source);
}

const kyFeaturesOfNode22 = {
  name: 'ky-features-of-node22',
  setup(build) {
    build.onLoad({ filter: KY_CONSTANTS }, async (args) => ({
      contents: kyConstantsForNode22(await readFile(args.path, 'utf8')),
      loader: 'js',
    }));
  },
};

const bundledConfig = (config) => ({
  name: 'bundled-config',
  setup(build) {
    build.initialOptions.define = {
      ...build.initialOptions.define,
      __AUTOSCALER_CONFIG__: JSON.stringify(config),
    };
  },
});

const REGISTRY = /[\\/]lib[\\/]metrics[\\/]registry\.ts$/;

/** `case 'type': return createX(config, deps);` in the registry, with the module createX comes from. */
function registrySources(source) {
  const modules = new Map();
  for (const [, names, from] of source.matchAll(/import\s*\{([^}]*)\}\s*from\s*'(\.\/sources\/[^']+)'/g)) {
    for (const name of names.split(',')) modules.set(name.trim(), from);
  }
  const sources = new Map();
  for (const [, type, factory] of source.matchAll(/case\s+'([^']+)':\s*return\s+(\w+)\(config, deps\);/g)) {
    const from = modules.get(factory);
    if (!from) throw new Error(`lib/metrics/registry.ts: no import for ${factory}`);
    sources.set(type, { factory, from });
  }
  return sources;
}

/** The registry's createSource, for the source types listed only. */
function registryFor(source, types) {
  const sources = registrySources(source);
  const used = types.map((type) => {
    const found = sources.get(type);
    if (!found) throw new Error(`lib/metrics/registry.ts has no backlog source of type "${type}"`);
    return { type, ...found };
  });
  return [
    ...used.map(({ factory, from }) => `import { ${factory} } from '${from}';`),
    'export function createSource(config, deps = {}) {',
    '  switch (config.type) {',
    ...used.map(({ type, factory }) => `    case ${JSON.stringify(type)}: return ${factory}(config, deps);`),
    '  }',
    "  throw new Error('backlog source type \"' + config.type + '\" is not in this bundle');",
    '}',
    '',
  ].join('\n');
}

const usedBacklogSources = (types) => ({
  name: 'used-backlog-sources',
  setup(build) {
    build.onLoad({ filter: REGISTRY }, async (args) => ({
      contents: registryFor(await readFile(args.path, 'utf8'), types),
      loader: 'js',
    }));
  },
});

// croner's Cron, for a bundle whose config has no schedules: nothing calls it, and if something ever did,
// it fails loudly instead of reading a schedule wrong.
const CRONER_ABSENT = `export class Cron {
  constructor() {
    throw new Error('cron schedules are not in this bundle: its config has none');
  }
}
`;

const cronerOnlyWithSchedules = (wanted) => ({
  name: 'croner-only-with-schedules',
  setup(build) {
    if (wanted) return;
    build.onResolve({ filter: /^croner$/ }, () => ({ path: 'croner', namespace: 'croner-absent' }));
    build.onLoad({ filter: /.*/, namespace: 'croner-absent' }, () => ({
      contents: CRONER_ABSENT,
      loader: 'js',
    }));
  },
});

const COMMONS = /^@aws-lambda-powertools\/commons(\/|$)/;

const versionKey = (version) =>
  version
    .split(/[.-]/)
    .map((part) => part.padStart(8, '0'))
    .join('.');

/** The folder to resolve commons from so as to get its newest installed copy (top level, or nested). */
function newestCommonsFolder(root) {
  const scope = join(root, 'node_modules', '@aws-lambda-powertools');
  let best;
  for (const folder of [root, ...readdirSync(scope).map((name) => join(scope, name))]) {
    const manifest = join(folder, 'node_modules', '@aws-lambda-powertools', 'commons', 'package.json');
    if (!existsSync(manifest)) continue;
    const { version } = JSON.parse(readFileSync(manifest, 'utf8'));
    if (!best || versionKey(version) > versionKey(best.version)) best = { folder, version };
  }
  return best?.folder;
}

// The functions get the config inlined, so the YAML loader is never called in a bundle (yaml alone is
// 115 KB minified).
const SIDE_EFFECT_FREE = [
  /[\\/]node_modules[\\/]yaml[\\/]/,
  /[\\/]node_modules[\\/]@aws-lambda-powertools[\\/]/,
];

// Marks this plugin's own resolve calls, which it must not see again.
const RESOLVING = { sideEffectFreeModules: true };

const sideEffectFreeModules = {
  name: 'side-effect-free-modules',
  setup(build) {
    const ownLib = join(ROOT, 'lib');
    const commonsFolder = newestCommonsFolder(ROOT);
    const sideEffectFree = (path) =>
      (path.startsWith(ownLib) && path.endsWith('.ts')) ||
      SIDE_EFFECT_FREE.some((pattern) => pattern.test(path));
    build.onResolve({ filter: /.*/ }, async (args) => {
      if (args.pluginData === RESOLVING || args.namespace !== 'file') return undefined;
      const commons = commonsFolder !== undefined && COMMONS.test(args.path);
      const resolved = await build.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: commons ? commonsFolder : args.resolveDir,
        pluginData: RESOLVING,
      });
      if (resolved.errors.length > 0 || resolved.external) return undefined;
      if (sideEffectFree(resolved.path)) return { ...resolved, sideEffects: false };
      return commons ? resolved : undefined;
    });
  },
};

/** The plugins for a bundle of the functions with the config file at `configPath`. */
function createPlugins({ configPath }) {
  const config = readResolvedConfig(configPath);
  return [
    awsSdkOnFirstUse,
    sideEffectFreeModules,
    usedBacklogSources(backlogSourceTypes(config)),
    cronerOnlyWithSchedules(usesSchedules(config)),
    zodWithoutJsonSchema,
    kyFeaturesOfNode22,
    zodSources,
    bundledConfig(config),
  ];
}

// `osls invoke local` loads a handler with require(path-without-extension), which finds .js and .cjs
// files but never .mjs. For local invocations only, a one-line CommonJS file beside each bundle
// re-exports it (Node 22 can require an ES module without top-level await). Every other build removes
// such a file left in the shared build folder, so deployed zips hold the .mjs bundle alone.
const invokeLocalShims = (wanted) => ({
  name: 'invoke-local-shims',
  setup(build) {
    build.onEnd(async (result) => {
      const { entryPoints, outdir, outExtension } = build.initialOptions;
      if (result.errors.length > 0 || !outdir || !Array.isArray(entryPoints)) return;
      for (const entry of entryPoints) {
        const name = basename(String(entry), extname(String(entry)));
        const shim = join(outdir, `${name}.cjs`);
        if (!wanted) await rm(shim, { force: true });
        else
          await writeFile(shim, `module.exports = require('./${name}${outExtension?.['.js'] ?? '.js'}');\n`);
      }
    });
  },
});

const isInvokeLocal = (serverless) => {
  const [command, subcommand] = serverless.processedInput?.commands ?? [];
  return command === 'invoke' && subcommand === 'local';
};

/** serverless-esbuild calls this with the resolved service. */
module.exports = (serverless) => [
  ...createPlugins({ configPath: serverless.service.custom.autoscaler.configPath }),
  invokeLocalShims(isInvokeLocal(serverless)),
];
module.exports.createPlugins = createPlugins;
module.exports.rewriteZodImports = rewriteZodImports;
module.exports.markZodSchemasPure = markZodSchemasPure;
module.exports.registryFor = registryFor;
module.exports.kyConstantsForNode22 = kyConstantsForNode22;
module.exports.zodProcessorsStub = zodProcessorsStub;

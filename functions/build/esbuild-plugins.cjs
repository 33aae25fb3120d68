'use strict';
// esbuild plugins for the function bundles, used by serverless-esbuild (custom.esbuild.plugins) and by
// bench/bundles.ts, so both build the same bundles.
//
// - awsSdkOnFirstUse: the AWS SDK v3 is in the nodejs22.x runtime and too big to bundle (one client is
//   ~300 KB minified), so it is not bundled. Each `@aws-sdk/*` import becomes a stub that `require`s the
//   package the first time one of its exports is used: loading the bundle stays fast (the SDK costs
//   100-200 ms per client to load), and a function loads only the clients it uses, when it uses them.
//   `require` (not `import`) also finds the runtime's copy through NODE_PATH.
// - zodNamespaceImports: `import { z } from 'zod'` defeats esbuild's tree shaking (every locale is
//   kept, ~450 KB); `import * as z from 'zod'` is the same namespace and shakes down to what is used.
// - bundledConfig: inlines the parsed config file as `__AUTOSCALER_CONFIG__`, so the functions read
//   no file and need no YAML parser.

const { readFile, rm, writeFile } = require('node:fs/promises');
const { basename, extname, join } = require('node:path');
const { readConfigDocument } = require('./config-file.cjs');

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

const zodNamespaceImports = {
  name: 'zod-namespace-imports',
  setup(build) {
    build.onLoad({ filter: /\.(ts|mts|js|mjs)$/ }, async (args) => {
      if (args.path.includes('/node_modules/zod/')) return undefined;
      const source = await readFile(args.path, 'utf8');
      if (!source.includes('zod')) return undefined;
      const rewritten = rewriteZodImports(source);
      if (rewritten === source) return undefined;
      return { contents: rewritten, loader: /\.m?ts$/.test(args.path) ? 'ts' : 'js' };
    });
  },
};

// The functions get the config as an inlined document, so lib/config's YAML loader is never called in a
// bundle; yaml has no side effects on import, and saying so lets esbuild drop it (115 KB minified).
const YAML_UNUSED = /^yaml$/;
const yamlWithoutSideEffects = {
  name: 'yaml-without-side-effects',
  setup(build) {
    build.onResolve({ filter: YAML_UNUSED }, async (args) => {
      if (args.pluginData === 'yaml-resolved') return undefined;
      const resolved = await build.resolve(args.path, {
        kind: args.kind,
        resolveDir: args.resolveDir,
        importer: args.importer,
        pluginData: 'yaml-resolved',
      });
      return resolved.errors.length > 0 ? undefined : { ...resolved, sideEffects: false };
    });
  },
};

const bundledConfig = (configPath) => ({
  name: 'bundled-config',
  setup(build) {
    const document = readConfigDocument(configPath);
    build.initialOptions.define = {
      ...build.initialOptions.define,
      __AUTOSCALER_CONFIG__: JSON.stringify(document),
    };
  },
});

/** The plugins for a bundle of the functions with the config file at `configPath`. */
function createPlugins({ configPath }) {
  return [awsSdkOnFirstUse, zodNamespaceImports, yamlWithoutSideEffects, bundledConfig(configPath)];
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

'use strict';
// Build-time validation of the autoscaler config: lib/config's own resolver (bundled on the fly, as this
// file runs in plain Node) turns the parsed document into the Config the functions run with, so the
// bundles inline a Config that is already checked and merged, and carry no config schema to build and
// run at each cold start. A bad document fails the build with lib/config's ConfigError.

const { join } = require('node:path');
const { buildSync } = require('esbuild');
const { readConfigDocument } = require('./config-file.cjs');

const ROOT = join(__dirname, '..', '..');

const RESOLVER_ENTRY = `
export { resolveConfig } from './lib/config/resolve';
export { ConfigError } from './lib/config/issues';
export { isLocalStage, loopbackConnectionIssues, missingConfigError } from './lib/config/deploy-stage';
`;

let resolver;

/** The exports of `entry` (TypeScript importing from the repository root), bundled and evaluated. */
function bundledModule(entry, sourcefile) {
  const { outputFiles } = buildSync({
    stdin: { contents: entry, resolveDir: ROOT, loader: 'ts', sourcefile },
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node22',
    write: false,
    logLevel: 'silent',
  });
  const module = { exports: {} };
  new Function('module', 'exports', 'require', outputFiles[0].text)(module, module.exports, require);
  return module.exports;
}

/** lib/config's resolveConfig, ConfigError and stage checks, loaded once per process. */
function configResolver() {
  resolver ??= bundledModule(RESOLVER_ENTRY, 'config-resolver.ts');
  return resolver;
}

/** The validated Config of the file at `path`; throws lib/config's ConfigError on a bad document. */
function readResolvedConfig(path) {
  const { resolveConfig, ConfigError } = configResolver();
  const result = resolveConfig(readConfigDocument(path));
  if (!result.ok) throw new ConfigError(result.issues, { source: path });
  return result.config;
}

/** The backlog source types the config's flavors read, sorted. */
function backlogSourceTypes(config) {
  const types = new Set();
  for (const pool of config.pools) for (const flavor of pool.flavors) types.add(flavor.backlog.source.type);
  return [...types].sort();
}

/** Whether any flavor of the config has schedules (pool defaults are merged into each flavor's policy). */
function usesSchedules(config) {
  return config.pools.some((pool) =>
    pool.flavors.some((flavor) => (flavor.policy.schedules?.length ?? 0) > 0),
  );
}

module.exports = { backlogSourceTypes, usesSchedules, bundledModule, configResolver, readResolvedConfig };

// The config the functions run with: the document the bundler inlined from the config file (see
// functions/build/esbuild-plugins.cjs), or, when running unbundled (tsx, tests), the file named by
// AUTOSCALER_CONFIG. Validated and overridden by the environment either way.

import { type Config, ConfigError, type Environment, loadConfig } from '../config';
import { applyEnvironment, readEnvironment } from '../config/env';
import { resolveConfig } from '../config/resolve';

declare const __AUTOSCALER_CONFIG__: unknown;

/** The inlined document, or undefined in an unbundled run. */
export function bundledConfigDocument(): unknown {
  return typeof __AUTOSCALER_CONFIG__ === 'undefined' ? undefined : __AUTOSCALER_CONFIG__;
}

/** Validates a parsed config document and applies the environment overrides; throws ConfigError. */
export function configFromDocument(document: unknown, env: Environment, source?: string): Config {
  const { settings, issues: environmentIssues } = readEnvironment(env);
  const result = resolveConfig(document);
  const issues = [...environmentIssues, ...(result.ok ? [] : result.issues)];
  if (!result.ok || issues.length > 0) throw new ConfigError(issues, { source });
  return applyEnvironment(result.config, settings);
}

export async function functionConfig(env: Environment): Promise<Config> {
  const document = bundledConfigDocument();
  return document === undefined ? loadConfig({ env }) : configFromDocument(document, env, 'the bundled config');
}

// The config the functions run with: the document the bundler inlined from the config file (see
// functions/build/esbuild-plugins.cjs), validated and overridden by the environment (AUTOSCALER_*).
// The functions never read a file or parse YAML at run time.

import { type Config, ConfigError, type Environment } from '../config';
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

/** The bundled config, validated. Tests and local tools build their Config with lib/config directly. */
export function functionConfig(env: Environment): Config {
  const document = bundledConfigDocument();
  if (document === undefined) {
    throw new ConfigError([
      {
        path: '__AUTOSCALER_CONFIG__',
        message:
          'no config bundled: build the functions with serverless-esbuild (npm run package, osls invoke local)',
      },
    ]);
  }
  return configFromDocument(document, env, 'the bundled config');
}

// The config the functions run with: the Config the bundler inlined from the config file, already
// validated and merged at build time (see functions/build/resolved-config.cjs), overridden by the
// environment (AUTOSCALER_*). The functions never read a file, parse YAML or run the config schema.

import { applyEnvironment, type Environment, readEnvironment } from '../config/env';
import { ConfigError } from '../config/issues';
import { resolveConfig } from '../config/resolve';
import type { Config } from '../config/types';

declare const __AUTOSCALER_CONFIG__: Config | undefined;

/** The inlined Config, or undefined in an unbundled run. */
export function bundledConfig(): Config | undefined {
  return typeof __AUTOSCALER_CONFIG__ === 'undefined' ? undefined : __AUTOSCALER_CONFIG__;
}

/** A validated Config with the environment overrides applied; throws ConfigError. */
export function configWithEnvironment(config: Config, env: Environment, source?: string): Config {
  const { settings, issues } = readEnvironment(env);
  if (issues.length > 0) throw new ConfigError(issues, { source });
  return applyEnvironment(config, settings);
}

/** Validates a parsed config document and applies the environment overrides; throws ConfigError. */
export function configFromDocument(document: unknown, env: Environment, source?: string): Config {
  const { settings, issues: environmentIssues } = readEnvironment(env);
  const result = resolveConfig(document);
  const issues = [...environmentIssues, ...(result.ok ? [] : result.issues)];
  if (!result.ok || issues.length > 0) throw new ConfigError(issues, { source });
  return applyEnvironment(result.config, settings);
}

/** The bundled config. Tests and local tools build their Config with lib/config directly. */
export function functionConfig(env: Environment): Config {
  const config = bundledConfig();
  if (config === undefined) {
    throw new ConfigError([
      {
        path: '__AUTOSCALER_CONFIG__',
        message:
          'no config bundled: build the functions with serverless-esbuild (npm run package, osls invoke local)',
      },
    ]);
  }
  return configWithEnvironment(config, env, 'the bundled config');
}

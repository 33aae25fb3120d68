import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument } from 'yaml';
import { applyEnvironment, type Environment, readEnvironment } from './env';
import { ConfigError, type ConfigIssue } from './issues';
import { resolveConfig } from './resolve';
import type { Config } from './types';
import { describeYamlError } from './yaml-errors';

export interface ParseConfigOptions {
  /** YAML or JSON (JSON is YAML). */
  text: string;
  env: Environment;
  /** Where the text came from, for the error message. */
  source?: string;
}

export interface LoadConfigOptions {
  /** The config file; default AUTOSCALER_CONFIG. Ignored for reading when `text` is given. */
  path?: string;
  text?: string;
  env: Environment;
}

// YAML errors are reported by position and a fixed description: the parser's pretty errors quote the source
// line, and its messages the text at fault, either of which may hold a secret someone pasted in. Only the first
// is reported: after a syntax error the parser guesses how the text goes on, and its later errors (often a
// dozen for one missing colon) describe its guesses, not the file.
function parseYaml(text: string): { document: unknown; issues: ConfigIssue[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const issues = doc.errors.slice(0, 1).map((error) => {
    const { line, col } = lineCounter.linePos(error.pos[0]);
    return { path: `line ${line}, column ${col}`, message: describeYamlError(error.code) };
  });
  if (issues.length > 0) return { document: undefined, issues };
  try {
    return { document: doc.toJS({ maxAliasCount: 100 }), issues };
  } catch {
    // toJS refuses a document whose aliases expand past maxAliasCount ("billion laughs"); its message is not
    // repeated, as it may name an anchor from the text.
    return {
      document: undefined,
      issues: [{ path: '(top level)', message: describeYamlError('RESOURCE_EXHAUSTION') }],
    };
  }
}

/** Validates an already parsed document (e.g. one a bundler inlined), then applies the environment overrides. */
export function configFromDocument(document: unknown, env: Environment, source?: string): Config {
  const environment = readEnvironment(env);
  const result = resolveConfig(document);
  // Environment problems first, then the file's: all of them in one error.
  const issues = [...environment.issues, ...(result.ok ? [] : result.issues)];
  if (!result.ok || issues.length > 0) throw new ConfigError(issues, { source });
  return applyEnvironment(result.config, environment.settings);
}

/** Parses and validates config text, then applies the environment overrides. Throws ConfigError. */
export function parseConfig(options: ParseConfigOptions): Config {
  const { document, issues } = parseYaml(options.text);
  if (issues.length > 0) {
    throw new ConfigError([...readEnvironment(options.env).issues, ...issues], { source: options.source });
  }
  return configFromDocument(document, options.env, options.source);
}

/** Reads the config file (or takes `text`), validates it and applies the environment overrides. */
export async function loadConfig(options: LoadConfigOptions): Promise<Config> {
  if (options.text !== undefined)
    return parseConfig({ text: options.text, env: options.env, source: options.path });
  const path = options.path ?? readEnvironment(options.env).settings.configPath;
  if (!path) {
    throw new ConfigError([
      { path: 'AUTOSCALER_CONFIG', message: 'no config file: pass a path or set AUTOSCALER_CONFIG' },
    ]);
  }
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    const reason = (cause as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : 'cannot be read';
    throw new ConfigError([{ path, message: `config file ${reason}` }], { cause });
  }
  return parseConfig({ text, env: options.env, source: path });
}

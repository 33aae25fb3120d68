import type { z } from 'zod';
import { credentialKeyMessage, isCredentialKey } from './secrets';
import { keysAt, nearMiss } from './suggest';

// Config problems, each named by its path in the file (`pools[2].flavors[0].max`) or by the environment
// variable. Messages never carry string values from the input: a misplaced secret must not reach a log.

export interface ConfigIssue {
  path: string;
  message: string;
}

export type PathSegment = PropertyKey;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly issues: ConfigIssue[];

  constructor(issues: ConfigIssue[], options?: { source?: string; cause?: unknown }) {
    const where = options?.source ? ` (${options.source})` : '';
    const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
    const lines = issues.map((issue) => `${issue.path}: ${issue.message}`);
    super(`invalid configuration${where}, ${count}:\n${lines.join('\n')}`, { cause: options?.cause });
    this.issues = issues;
  }
}

const identifier = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

export function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (typeof segment === 'string' && identifier.test(segment)) text += text ? `.${segment}` : segment;
    else text += `[${JSON.stringify(String(segment))}]`;
  }
  return text || '(top level)';
}

const describeInput = (input: unknown): string => {
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'a list';
  if (typeof input === 'object') return 'an object';
  return `a ${typeof input}`;
};

const numberInput = (input: unknown): string => (typeof input === 'number' ? ` (got ${input})` : '');

const expectedNames: Record<string, string> = {
  int: 'a whole number',
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  record: 'an object',
};

function bound(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig, word: '>' | '<'): string {
  const limit = 'minimum' in issue ? issue.minimum : issue.maximum;
  if (issue.origin === 'array') return `must have ${word === '>' ? 'at least' : 'at most'} ${limit} item(s)`;
  if (issue.origin === 'string') {
    return word === '>' && Number(limit) === 1
      ? 'must not be empty'
      : `must be ${word}= ${limit} characters long`;
  }
  return `must be ${word}${issue.inclusive ? '=' : ''} ${limit}${numberInput(issue.input)}`;
}

/** The keys the schema takes at a path relative to the issues being converted. */
type KnownKeys = (path: readonly PropertyKey[]) => string[];

/**
 * Turns zod issues into config issues under `prefix`, one per problem, secret-free. With the schema that
 * produced them, an unknown key close to a known one gets a "did you mean".
 */
export function fromZodIssues(
  issues: readonly z.core.$ZodIssue[],
  prefix: readonly PathSegment[],
  schema?: z.core.$ZodType,
): ConfigIssue[] {
  return convert(issues, prefix, (path) => (schema === undefined ? [] : keysAt(schema, path)));
}

function unknownKeyMessage(key: string, known: readonly string[]): string {
  if (isCredentialKey(key)) return credentialKeyMessage;
  const meant = shownKey(key) === key ? nearMiss(key, known) : undefined;
  return meant === undefined ? 'unknown field' : `unknown field: did you mean "${meant}"?`;
}

function convert(
  issues: readonly z.core.$ZodIssue[],
  prefix: readonly PathSegment[],
  knownKeys: KnownKeys,
): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    const at = (message: string, extra: PropertyKey[] = []) =>
      out.push({ path: formatPath([...path, ...extra]), message });
    switch (issue.code) {
      case 'invalid_type':
        at(
          issue.input === undefined
            ? 'required'
            : `expected ${expectedNames[issue.expected] ?? issue.expected}, got ${describeInput(issue.input)}`,
        );
        break;
      case 'too_small':
        at(bound(issue, '>'));
        break;
      case 'too_big':
        at(bound(issue, '<'));
        break;
      case 'invalid_value':
        at(`must be one of ${issue.values.map((value) => JSON.stringify(value)).join(', ')}`);
        break;
      case 'invalid_format':
        at(issue.format === 'url' ? 'must be an http(s) URL' : `must be a valid ${issue.format}`);
        break;
      case 'unrecognized_keys':
        for (const key of issue.keys) at(unknownKeyMessage(key, knownKeys(issue.path)), [shownKey(key)]);
        break;
      case 'invalid_union':
        out.push(...fromUnionIssue(issue, path, (inner) => knownKeys([...issue.path, ...inner])));
        break;
      default:
        at(issue.message);
    }
  }
  return out;
}

// A union reports one issue list per member. When every member failed at the top (wrong type or value),
// name what would have been accepted; otherwise the member that got furthest is what the user meant.
function fromUnionIssue(
  issue: z.core.$ZodIssueInvalidUnion,
  path: PathSegment[],
  knownKeys: KnownKeys,
): ConfigIssue[] {
  const formatted = formatPath(path);
  if (issue.discriminator !== undefined && 'options' in issue && issue.options && issue.errors.length === 0) {
    const options = issue.options.map((option) => JSON.stringify(option)).join(', ');
    return [{ path: formatted, message: `must be one of ${options}` }];
  }
  const branches = issue.errors;
  const shallow = branches.every((branch) =>
    branch.every(
      (inner) => inner.path.length === 0 && ['invalid_type', 'invalid_value'].includes(inner.code),
    ),
  );
  if (shallow) {
    const accepted = branches.flat().map((inner) => {
      if (inner.code === 'invalid_value')
        return inner.values.map((value) => JSON.stringify(value)).join(', ');
      if (inner.code === 'invalid_type') return expectedNames[inner.expected] ?? inner.expected;
      return inner.message;
    });
    return [{ path: formatted, message: `expected ${accepted.join(' or ')}` }];
  }
  const depth = (branch: readonly z.core.$ZodIssue[]) =>
    Math.max(...branch.map((inner) => inner.path.length));
  const best = branches.reduce((a, b) => (depth(b) > depth(a) ? b : a));
  return convert(best, path, knownKeys);
}

// Names from the file (connections, pools, flavors) are worth repeating in a message; anything shaped like a
// key or token is not.
const looksLikeSecret = (value: string): boolean =>
  value.length >= 16 && !/[-._/:\s]/.test(value) && /[0-9]/.test(value) && /[A-Za-z]/.test(value);

export const quote = (value: string): string =>
  looksLikeSecret(value) ? '(value not shown)' : JSON.stringify(value);

// A key the schema does not know is named so that it can be found, unless part of it is shaped like a key or
// token: a secret pasted on a line of its own followed by a colon becomes a key.
const shownKey = (key: string): string =>
  key.split(/[-._/:\s]+/).some(looksLikeSecret) ? '(key not shown)' : key;

// Pieces shared by the source configs: field schemas, query templates and secret-free URL labels.

import { z } from 'zod';

export const envVarName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name (letters, digits, _)');

/** An http(s) URL that carries no credentials: secrets come from environment variables instead. */
export const credentialFreeUrl = z.url({ protocol: /^https?$/ }).refine(
  (value) => {
    // zod runs refinements after a failed check too: a value that is no URL is already reported by z.url.
    if (!URL.canParse(value)) return true;
    const url = new URL(value);
    return url.username === '' && url.password === '';
  },
  { message: 'must not contain user:password; name environment variables in `auth` instead' },
);

/** How a reading that has no data (empty vector, no datapoints) counts. KEDA's default is zero. */
export const emptyAs = z
  .enum(['zero', 'missing'])
  .default('zero')
  .describe('"zero": no data means no backlog (as KEDA); "missing": no data holds the flavor.');

export interface TemplateValues {
  pool: string;
  flavor: string;
}

/** Replaces `{pool}` and `{flavor}`; other braces (PromQL label matchers) are left alone. */
export function renderTemplate(
  template: string,
  values: TemplateValues,
  encode: (value: string) => string = (value) => value,
): string {
  return template.replace(/\{(pool|flavor)\}/g, (_, key: keyof TemplateValues) => encode(values[key]));
}

/** Origin plus path: no user info, no query string (where tokens like to hide). */
export function urlLabel(url: string): string {
  const parsed = new URL(url);
  return `${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
}

/** A finite, non-negative number from a number or a numeric string; undefined otherwise. */
export function toBacklogNumber(value: unknown): number | undefined {
  const number =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && value.trim() !== ''
        ? Number(value)
        : NaN;
  return Number.isFinite(number) && number >= 0 ? number : undefined;
}

export const sumValues = (record: Record<string, number>) =>
  Object.values(record).reduce((total, value) => total + value, 0);

/** Reads environment variables named in config; the values never leave the request that uses them. */
export type EnvReader = (name: string) => string | undefined;

export const processEnv: EnvReader = (name) => process.env[name];

/** One AWS SDK client per region for the life of the Lambda container, as AWS advises. */
export function perRegion<T>(create: (region: string | undefined) => T): (region: string | undefined) => T {
  const clients = new Map<string, T>();
  return (region) => {
    const client = clients.get(region ?? '') ?? create(region);
    clients.set(region ?? '', client);
    return client;
  };
}

// The secrets the functions read at run time: Huawei Cloud credentials per connection and the webhook
// secret. The template passes parameter NAMES; the values live in SSM (SecureString) or Secrets Manager.
//
// Credentials parameter value (JSON), either one AK/SK pair for every connection:
//   {"ak": "...", "sk": "...", "securityToken": "..." (optional, temporary keys)}
// or one entry per connection name (an IAM password for `auth: token` connections):
//   {"prod-cn-north-4": {"ak": "...", "sk": "..."}, "staging": {"password": "..."}}

import { z } from 'zod';
import type { ConnectionSecret, ConnectionSecrets } from '../modelarts/clients';
import { AwsError } from './errors';
import { ParameterReadError, type ParameterStore } from './parameters';
import { parseWebhookSecrets } from './webhook-signature';

/** Secrets change rarely; a rotated value is picked up within this many seconds. */
export const SECRET_MAX_AGE_SECONDS = 300;
/** After a failed read, the last value read is used this long before SSM is asked again. */
export const SECRET_RETRY_AFTER_MS = 30_000;

export class SecretFormatError extends AwsError {
  readonly parameter: string;

  constructor(parameter: string, problem: string) {
    // No cause: a JSON or zod error could quote the value.
    super(`secret parameter ${parameter}: ${problem} (value not shown)`);
    this.name = 'SecretFormatError';
    this.parameter = parameter;
  }
}

const text = z.string().trim().min(1);
const AkSkSchema = z.strictObject({ ak: text, sk: text, securityToken: text.optional() });
const PasswordSchema = z.strictObject({ password: text });
const EntrySchema = z.union([AkSkSchema, PasswordSchema], {
  error: 'must be {"ak", "sk"[, "securityToken"]} or {"password"}',
});
const ByConnectionSchema = z.record(z.string().min(1), EntrySchema);

const toSecret = (entry: z.output<typeof EntrySchema>): ConnectionSecret =>
  'password' in entry
    ? { type: 'password', password: entry.password }
    : {
        type: 'aksk',
        credentials: {
          ak: entry.ak,
          sk: entry.sk,
          ...(entry.securityToken ? { securityToken: entry.securityToken } : {}),
        },
      };

const describeIssues = (issues: readonly z.core.$ZodIssue[]): string =>
  issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(top level)'}: ${issue.message}`)
    .join('; ');

export function parseConnectionSecrets(parameter: string, value: string): ConnectionSecrets {
  let raw: unknown;
  try {
    raw = JSON.parse(value);
  } catch {
    throw new SecretFormatError(parameter, 'is not valid JSON');
  }
  if (typeof raw === 'object' && raw !== null && 'ak' in raw) {
    const single = AkSkSchema.safeParse(raw);
    if (!single.success) throw new SecretFormatError(parameter, describeIssues(single.error.issues));
    const secret = toSecret(single.data);
    return { forConnection: () => secret };
  }
  const byConnection = ByConnectionSchema.safeParse(raw);
  if (!byConnection.success)
    throw new SecretFormatError(parameter, describeIssues(byConnection.error.issues));
  const entries = byConnection.data;
  return {
    forConnection(connection) {
      const entry = Object.hasOwn(entries, connection) ? entries[connection] : undefined;
      if (!entry) throw new SecretFormatError(parameter, `has no entry for connection "${connection}"`);
      return toSecret(entry);
    },
  };
}

export async function readConnectionSecrets(
  store: ParameterStore,
  parameter: string,
): Promise<ConnectionSecrets> {
  return parseConnectionSecrets(
    parameter,
    await store.get(parameter, { maxAgeSeconds: SECRET_MAX_AGE_SECONDS }),
  );
}

export interface SecretSourceOptions {
  /** Clock in epoch ms, for the pause after a failed read. Default Date.now. */
  now?: () => number;
}

/**
 * The connections' secrets as the parameter holds them now, read through the store's cache (at most
 * SECRET_MAX_AGE_SECONDS old), so a rotated AK/SK or password is used without a cold start. The same
 * object comes back while the value is unchanged. When SSM cannot be read, the last value read is used
 * (it worked until now; a rotation that revoked it shows as 401s) and SSM is left alone for
 * SECRET_RETRY_AFTER_MS; a malformed new value fails, naming the parameter.
 */
export function connectionSecretsSource(
  store: ParameterStore,
  parameter: string,
  options: SecretSourceOptions = {},
): () => Promise<ConnectionSecrets> {
  const now = options.now ?? Date.now;
  let last: { value: string; secrets: ConnectionSecrets } | undefined;
  let quietUntil = Number.NEGATIVE_INFINITY;
  let reading: Promise<ConnectionSecrets> | undefined;

  async function read(): Promise<ConnectionSecrets> {
    if (last && now() < quietUntil) return last.secrets;
    let value: string;
    try {
      value = await store.get(parameter, { maxAgeSeconds: SECRET_MAX_AGE_SECONDS });
    } catch (error) {
      if (!last || !(error instanceof ParameterReadError)) throw error;
      quietUntil = now() + SECRET_RETRY_AFTER_MS;
      return last.secrets;
    }
    if (value !== last?.value) last = { value, secrets: parseConnectionSecrets(parameter, value) };
    return last.secrets;
  }

  // Concurrent callers share one read: a cycle asks once per ModelArts request.
  return () => {
    reading ??= read().finally(() => {
      reading = undefined;
    });
    return reading;
  };
}

/** The accepted webhook secrets (one per line; two while rotating). */
export async function readWebhookSecrets(store: ParameterStore, parameter: string): Promise<string[]> {
  const secrets = parseWebhookSecrets(await store.get(parameter, { maxAgeSeconds: SECRET_MAX_AGE_SECONDS }));
  if (secrets.length === 0) throw new SecretFormatError(parameter, 'is empty');
  return secrets;
}

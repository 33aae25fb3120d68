// AK/SK credentials from the environment, in an object that will not print its secrets.

import { ModelArtsError } from './errors';
import type { AkSkCredentials } from './signer';

// util.inspect.custom, which Node defines as this registered symbol: the masking needs no node:util.
const INSPECT_CUSTOM = Symbol.for('nodejs.util.inspect.custom');

/** The variables the Huawei Cloud SDKs read. */
export const CREDENTIAL_ENV = {
  ak: 'HUAWEICLOUD_SDK_AK',
  sk: 'HUAWEICLOUD_SDK_SK',
  securityToken: 'HUAWEICLOUD_SDK_SECURITY_TOKEN',
  projectId: 'HUAWEICLOUD_SDK_PROJECT_ID',
} as const;

export class CredentialsError extends ModelArtsError {
  /** Names of the missing variables or fields; never their values. */
  readonly missing: readonly string[];

  constructor(missing: readonly string[]) {
    super('credentials', `missing AK/SK credentials: ${missing.join(', ')} must be set and non-empty`);
    this.name = 'CredentialsError';
    this.missing = missing;
  }
}

const MASK = '***';

// `this`-based and enumerable on purpose: `{ ...creds, projectId }` (which the transport does) copies the
// masking along with the secrets, so the copy does not print them either.
function maskedView(this: AkSkCredentials) {
  return {
    ak: this.ak,
    sk: MASK,
    ...(this.securityToken === undefined ? {} : { securityToken: MASK }),
    ...(this.projectId === undefined ? {} : { projectId: this.projectId }),
  };
}

/**
 * Credentials that JSON.stringify, util.inspect and console.log show with the SK and security token
 * masked, also after being spread into a new object. Frozen.
 */
export function akSkCredentials(fields: AkSkCredentials): AkSkCredentials {
  const missing = (['ak', 'sk'] as const).filter((field) => !fields[field]);
  if (missing.length > 0) throw new CredentialsError(missing);
  return Object.freeze({
    ak: fields.ak,
    sk: fields.sk,
    ...(fields.securityToken === undefined ? {} : { securityToken: fields.securityToken }),
    ...(fields.projectId === undefined ? {} : { projectId: fields.projectId }),
    toJSON: maskedView,
    [INSPECT_CUSTOM]: maskedView,
  });
}

/**
 * Reads HUAWEICLOUD_SDK_AK / _SK (required) and _SECURITY_TOKEN / _PROJECT_ID (optional). Values are
 * trimmed (a pasted newline is common); blank counts as unset.
 */
export function credentialsFromEnv(env: Record<string, string | undefined> = process.env): AkSkCredentials {
  const read = (name: string) => {
    const value = env[name]?.trim();
    return value === '' ? undefined : value;
  };
  const missing = [CREDENTIAL_ENV.ak, CREDENTIAL_ENV.sk].filter((name) => read(name) === undefined);
  if (missing.length > 0) throw new CredentialsError(missing);
  const securityToken = read(CREDENTIAL_ENV.securityToken);
  const projectId = read(CREDENTIAL_ENV.projectId);
  return akSkCredentials({
    ak: read(CREDENTIAL_ENV.ak) ?? '',
    sk: read(CREDENTIAL_ENV.sk) ?? '',
    ...(securityToken === undefined ? {} : { securityToken }),
    ...(projectId === undefined ? {} : { projectId }),
  });
}

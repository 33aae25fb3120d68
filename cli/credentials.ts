// The CLI's secrets come from the environment: the official Huawei Cloud SDK variables for AK/SK (so a shell
// set up for hcloud or the SDKs works as is), and one variable for an IAM password.

import type { Config, Environment } from '../lib/config';
import type { ConnectionSecrets } from '../lib/modelarts/clients';
import { CredentialsError, credentialsFromEnv } from '../lib/modelarts/credentials';
import { CliError } from './errors';

export const IAM_PASSWORD_ENV = 'AUTOSCALER_IAM_PASSWORD';

/** A connection's credentials are missing: the message names the connection and the variables, never values. */
export class MissingCredentialsError extends CliError {
  override readonly name = 'MissingCredentialsError';

  constructor(
    readonly connection: string,
    readonly variables: readonly string[],
    what: string,
  ) {
    super(`connection "${connection}" needs ${what}: set ${variables.join(' and ')}`);
  }
}

export function environmentSecrets(config: Pick<Config, 'connections'>, env: Environment): ConnectionSecrets {
  return {
    forConnection(name) {
      const connection = config.connections.find((candidate) => candidate.name === name);
      if (connection?.auth.type === 'token') {
        const password = env[IAM_PASSWORD_ENV]?.trim();
        if (!password) throw new MissingCredentialsError(name, [IAM_PASSWORD_ENV], 'an IAM password');
        return { type: 'password', password };
      }
      try {
        return { type: 'aksk', credentials: credentialsFromEnv(env) };
      } catch (error) {
        if (error instanceof CredentialsError)
          throw new MissingCredentialsError(name, error.missing, 'AK/SK credentials');
        throw error;
      }
    },
  };
}

// Run-time reads of SSM parameters (SecureString or plain) through Powertools Parameters, which caches
// each value for `maxAgeSeconds`. A Secrets Manager secret is read the same way, through the SSM
// reference name `/aws/reference/secretsmanager/<secret-id>`, so one client and one IAM action cover both.
// Errors name the parameter and the failure, never the value.

import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { AwsError } from './errors';

export class ParameterReadError extends AwsError {
  readonly parameter: string;
  /** SSM answered that the parameter does not exist (as opposed to an access or network failure). */
  readonly notFound: boolean;

  constructor(parameter: string, problem: string, options: { notFound?: boolean; cause?: unknown } = {}) {
    super(
      `SSM parameter ${parameter}: ${problem}`,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = 'ParameterReadError';
    this.parameter = parameter;
    this.notFound = options.notFound ?? false;
  }
}

export interface ParameterGetOptions {
  /** Seconds a value is served from the cache. */
  maxAgeSeconds: number;
}

/** The decrypted value of a parameter; throws ParameterReadError. */
export interface ParameterStore {
  get(name: string, options: ParameterGetOptions): Promise<string>;
}

/** The AWS SDK error name somewhere in a cause chain (Powertools wraps the SDK's error). */
function sdkErrorName(error: unknown): string | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; depth++) {
    if (current.name !== 'GetParameterError' && current.name !== 'Error') return current.name;
    current = current.cause;
  }
  return undefined;
}

export function ssmParameterStore(client: SSMClient): ParameterStore {
  const provider = new SSMProvider({ awsSdkV3Client: client });
  return {
    async get(name, { maxAgeSeconds }) {
      let value: string | undefined;
      try {
        value = await provider.get(name, { decrypt: true, maxAge: maxAgeSeconds });
      } catch (error) {
        const code = sdkErrorName(error) ?? 'read failed';
        // SDK error messages carry no parameter values, so the chain is kept for the logs.
        throw new ParameterReadError(name, code, { notFound: code === 'ParameterNotFound', cause: error });
      }
      if (typeof value !== 'string') throw new ParameterReadError(name, 'has no value', { notFound: true });
      return value;
    },
  };
}

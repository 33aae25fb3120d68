import type { ConnectionConfig } from '../config/types';
import { ModelArtsApiError } from '../modelarts/errors';
import type { PoolOutcome } from './types';

/** errorCode of a failed outcome for a pool the invocation named but the config does not manage. */
export const NOT_MANAGED = 'not-managed';

/** Every pool is keyed by project and name, so two connections can never manage one pool twice. */
export const poolKey = (connection: ConnectionConfig, name: string) => `${connection.projectId}/${name}`;

// Errors from lib/ carry secret-free messages by construction; anything else is reduced to its message.
const describeFailure = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export function failure(error: unknown): Pick<PoolOutcome, 'status' | 'error' | 'httpStatus' | 'errorCode'> {
  const api = error instanceof ModelArtsApiError ? error : undefined;
  return {
    status: 'failed',
    error: describeFailure(error),
    ...(api ? { httpStatus: api.status } : {}),
    ...(api?.errorCode ? { errorCode: api.errorCode } : {}),
  };
}

export function failed(connection: ConnectionConfig, pool: string, error: unknown): PoolOutcome {
  return { key: poolKey(connection, pool), pool, connection: connection.name, ...failure(error) };
}

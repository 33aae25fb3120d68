// The ModelArts API surface the rest of the autoscaler imports from.

export {
  createModelArtsClient,
  type ListPoolsQuery,
  type ModelArtsClient,
  type PoolCallOptions,
  type PoolListResult,
} from './client';
export {
  DEFAULT_ATTEMPT_TIMEOUT_MS,
  type ModelArtsAuth,
  type ModelArtsClientOptions,
  ModelArtsClientOptionsSchema,
  type ModelArtsRequestEvent,
  type PoolOperation,
} from './client-options';
export * from './credentials';
export { poolPath, poolsPath, queryString, regionEndpoint, resolveEndpoint } from './endpoint';
export * from './errors';
export * from './flavors';
export * from './iam-token';
export * from './node-errors';
export * from './node-facts';
export * from './node-schemas';
export * from './nodes';
export {
  backoffDelay,
  DEFAULT_RETRY_POLICY,
  decideRetry,
  parseRetryAfter,
  type RetryDecision,
  type RetryHooks,
  type RetryPolicy,
  withRetry,
} from './retry';
export * from './schema-error';
export * from './schemas';
export {
  type AkSkCredentials,
  type SignableRequest,
  SigningError,
  signRequest,
  verifySignature,
} from './signer';
export type { ModelArtsCall, ModelArtsTransport } from './transport';
export * from './workloads';

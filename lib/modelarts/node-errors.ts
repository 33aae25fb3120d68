// Typed errors of the node APIs, told apart from the answer's status, code and message. The docs give only
// fragments (node-apis.md): batch-delete answers an unknown node with `"<name>" not found`, batch-drain with
// `node cannot be drained because it is not in pool`; an API the gateway does not publish answers 404
// APIGW.0101; a pool that is gone, 404 ModelArts.50015001.

import { ModelArtsApiError, ModelArtsError } from './errors';

export type NodeOperation = 'listNodes' | 'getNode' | 'drainNodes' | 'undrainNodes' | 'deleteNodes';

const POOL_NOT_FOUND = 'ModelArts.50015001';
const UNPUBLISHED_API = /^APIG(W)?\.0101$/;

const details = (error: ModelArtsApiError) => ({
  status: error.status,
  ...(error.errorCode === undefined ? {} : { errorCode: error.errorCode }),
  ...(error.errorMsg === undefined ? {} : { errorMsg: error.errorMsg }),
  ...(error.requestId === undefined ? {} : { requestId: error.requestId }),
});

const requestOf = (error: ModelArtsApiError) => ({ method: error.method ?? '', path: error.path ?? '' });

/** A named node is not in the pool. `nodeNames`: those the answer names, else every name sent. */
export class NodeNotFoundError extends ModelArtsApiError {
  readonly nodeNames: readonly string[];

  constructor(cause: ModelArtsApiError, nodeNames: readonly string[]) {
    super(requestOf(cause), details(cause), { cause });
    this.nodeNames = nodeNames;
    this.message = `${this.message} (node ${nodeNames.join(', ')} not in the pool)`;
  }
}

/**
 * The platform does not serve this node API: batch-drain is in newer API versions only, and no undrain is
 * documented at all. Not a failure of the pool: the caller switches to its fallback.
 */
export class NodeApiMissingError extends ModelArtsApiError {
  readonly operation: NodeOperation;

  constructor(cause: ModelArtsApiError, operation: NodeOperation) {
    super(requestOf(cause), details(cause), { cause });
    this.operation = operation;
    this.message = `${this.message} (the ${operation} API is not available here)`;
  }
}

/** Drain calls go 10 names at a time: one failed after others had drained nodes. `cause` is its error. */
export class NodeDrainIncompleteError extends ModelArtsError {
  constructor(
    readonly pool: string,
    readonly drained: readonly string[],
    readonly notDrained: readonly string[],
    cause: unknown,
  ) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super('api', `pool "${pool}": drained ${drained.join(', ')} but not ${notDrained.join(', ')}: ${why}`, {
      cause,
      retryable: cause instanceof ModelArtsError && cause.retryable,
    });
  }
}

/** The names an error message says are not found (`"a" not found`), among those sent. */
function namesNotFound(message: string, sent: readonly string[]): string[] | undefined {
  const quoted = [...message.matchAll(/"([^"]+)" not found/g)].map((match) => match[1] as string);
  const named = quoted.filter((name) => sent.includes(name));
  if (named.length > 0) return named;
  if (/not in (the )?pool/i.test(message)) {
    const mentioned = sent.filter((name) => message.includes(name));
    return mentioned.length > 0 ? mentioned : [...sent];
  }
  return undefined;
}

/**
 * The typed error for a failed node call, or `error` itself. 404 on a write or a single node read that is not
 * "pool not found" means the API is missing (for drain and undrain) or the node is (for get and delete).
 */
export function nodeCallError(error: unknown, operation: NodeOperation, sent: readonly string[]): unknown {
  if (!(error instanceof ModelArtsApiError) || error instanceof NodeNotFoundError) return error;
  if (error instanceof NodeApiMissingError) return error;
  if (UNPUBLISHED_API.test(error.errorCode ?? '')) return new NodeApiMissingError(error, operation);
  const notFound = namesNotFound(error.errorMsg ?? '', sent);
  if (notFound) return new NodeNotFoundError(error, notFound);
  if (error.status !== 404 || error.errorCode === POOL_NOT_FOUND) return error;
  if (operation === 'drainNodes' || operation === 'undrainNodes')
    return new NodeApiMissingError(error, operation);
  if (operation === 'getNode') return new NodeNotFoundError(error, sent);
  return error;
}

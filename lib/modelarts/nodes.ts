// The pool node APIs (node-apis.md): the paged list, one node, batch-drain, batch-delete, and an undrain that no
// doc describes (tried only if the caller wants drained nodes back; a platform without it says so with
// NodeApiMissingError). Each takes the per-call deadline of the pool's lease, like getPool and patchPool.

import { poolPath, queryString } from './endpoint';
import { ModelArtsValidationError } from './errors';
import { NodeDrainIncompleteError, type NodeOperation, nodeCallError } from './node-errors';
import { type ModelArtsNode, NodeResponseError, nodeJson, parseNode, parseNodePage } from './node-schemas';
import { signerEncode } from './signer';
import type { ModelArtsCall, ModelArtsTransport, PoolCallOptions } from './transport';

/** Page size limit of the node list. */
export const MAX_NODE_PAGE_SIZE = 500;
/** Names per batch-drain call (BatchDrainPoolNodes: "at most 10 nodes"). */
export const DRAIN_BATCH_SIZE = 10;

export interface ListNodesOptions extends PoolCallOptions {
  /** 1..500 (default 500). */
  pageSize?: number;
  /** A list longer than this many pages is an error, not a partial answer (default 20: 10,000 nodes). */
  maxPages?: number;
}

export interface NodesApi {
  /** Every node of the pool, following `metadata.continue`; any bad page or node fails the whole list. */
  listNodes(pool: string, options?: ListNodesOptions): Promise<ModelArtsNode[]>;
  getNode(pool: string, node: string, options?: PoolCallOptions): Promise<ModelArtsNode>;
  /**
   * Drains the nodes, 10 per call. Replaying a drain is harmless, so it is retried like a read. A call failing
   * after others succeeded throws NodeDrainIncompleteError naming both sides.
   */
  drainNodes(pool: string, nodes: readonly string[], options?: PoolCallOptions): Promise<void>;
  /** Puts drained nodes back in service, 10 per call: a made-up API, see the file comment. */
  undrainNodes(pool: string, nodes: readonly string[], options?: PoolCallOptions): Promise<void>;
  /**
   * Deletes exactly these nodes, in one call. Not idempotent: retried only when surely not applied (429,
   * connection refused). It does not lower any count: read the pool back to see whether the platform did.
   */
  deleteNodes(pool: string, nodes: readonly string[], options?: PoolCallOptions): Promise<void>;
}

/** What the node APIs need from a ModelArts client. */
export type NodesTransport = Pick<ModelArtsTransport, 'projectId' | 'request'>;

const CONTENT_JSON = 'application/json';

export const nodesPath = (projectId: string, pool: string) => `${poolPath(projectId, pool)}/nodes`;

export function createNodesApi(transport: NodesTransport): NodesApi {
  const { projectId } = transport;

  async function send(
    operation: NodeOperation,
    call: Omit<ModelArtsCall, 'operation'>,
    names: readonly string[],
  ): Promise<string> {
    try {
      return await transport.request({ operation, ...call });
    } catch (error) {
      throw nodeCallError(error, operation, names);
    }
  }

  function checkedNames(operation: NodeOperation, pool: string, nodes: readonly string[]): string[] {
    const path = `${nodesPath(projectId, pool)}/${operation}`;
    // `.` and `..` would address another resource once in a URL path.
    const bad = nodes.findIndex(
      (name) => typeof name !== 'string' || name.trim() === '' || name === '.' || name === '..',
    );
    if (bad !== -1) {
      throw new ModelArtsValidationError({ method: 'POST', path }, 'node names', [
        { path: `[${bad}]`, problem: 'must be a node name' },
      ]);
    }
    return [...new Set(nodes)];
  }

  async function batch(
    operation: 'drainNodes' | 'undrainNodes',
    pool: string,
    nodes: readonly string[],
    options: PoolCallOptions,
  ): Promise<void> {
    const names = checkedNames(operation, pool, nodes);
    const action = operation === 'drainNodes' ? 'batch-drain' : 'batch-undrain';
    const done: string[] = [];
    for (let i = 0; i < names.length; i += DRAIN_BATCH_SIZE) {
      const chunk = names.slice(i, i + DRAIN_BATCH_SIZE);
      try {
        await send(
          operation,
          {
            method: 'POST',
            path: `${nodesPath(projectId, pool)}/${action}`,
            contentType: CONTENT_JSON,
            body: JSON.stringify({ nodeNames: chunk }),
            // Draining a drained node changes nothing, so a replay after an ambiguous failure is harmless.
            idempotent: true,
            ...options,
          },
          chunk,
        );
      } catch (error) {
        if (done.length === 0) throw error;
        throw new NodeDrainIncompleteError(pool, done, names.slice(i), error);
      }
      done.push(...chunk);
    }
  }

  return {
    async listNodes(pool, options = {}) {
      const { pageSize = MAX_NODE_PAGE_SIZE, maxPages = 20, ...call } = options;
      if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_NODE_PAGE_SIZE) {
        throw new ModelArtsValidationError({ method: 'GET', path: nodesPath(projectId, pool) }, 'page size', [
          { path: 'pageSize', problem: `must be an integer from 1 to ${MAX_NODE_PAGE_SIZE}` },
        ]);
      }
      const nodes = new Map<string, ModelArtsNode>();
      const seen = new Set<string>();
      let token: string | undefined;
      for (let page = 1; page <= maxPages; page++) {
        const text = await send(
          'listNodes',
          {
            method: 'GET',
            path: nodesPath(projectId, pool),
            query: queryString({ limit: String(pageSize), continue: token }),
            ...call,
          },
          [],
        );
        const parsed = parseNodePage(nodeJson(text, pool, `node list page ${page}`), pool, page);
        // A list that shifts between pages may repeat a node: the first reading stands.
        for (const node of parsed.nodes)
          if (!nodes.has(node.metadata.name)) nodes.set(node.metadata.name, node);
        token = parsed.continue;
        if (token === undefined) return [...nodes.values()];
        if (seen.has(token)) {
          throw new NodeResponseError(pool, 'node list', [
            { path: 'metadata.continue', problem: `page ${page} repeats an earlier cursor` },
          ]);
        }
        seen.add(token);
      }
      throw new NodeResponseError(pool, 'node list', [
        { path: 'metadata.continue', problem: `more than ${maxPages} pages of ${pageSize} nodes` },
      ]);
    },

    async getNode(pool, node, options = {}) {
      const [name] = checkedNames('getNode', pool, [node]) as [string];
      const text = await send(
        'getNode',
        { method: 'GET', path: `${nodesPath(projectId, pool)}/${signerEncode(name)}`, ...options },
        [name],
      );
      const parsed = parseNode(nodeJson(text, pool, `node "${name}"`), pool, `node "${name}"`);
      if (parsed.metadata.name !== name) {
        throw new NodeResponseError(pool, `node "${name}"`, [
          { path: 'metadata.name', problem: 'names another node than the one asked for' },
        ]);
      }
      return parsed;
    },

    drainNodes: (pool, nodes, options = {}) => batch('drainNodes', pool, nodes, options),
    undrainNodes: (pool, nodes, options = {}) => batch('undrainNodes', pool, nodes, options),

    async deleteNodes(pool, nodes, options = {}) {
      const names = checkedNames('deleteNodes', pool, nodes);
      if (names.length === 0) return;
      await send(
        'deleteNodes',
        {
          method: 'POST',
          path: `${nodesPath(projectId, pool)}/batch-delete`,
          contentType: CONTENT_JSON,
          body: JSON.stringify({ deleteNodeNames: names }),
          idempotent: false,
          ...options,
        },
        names,
      );
    },
  };
}

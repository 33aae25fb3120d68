// The pool node APIs (node-apis.md): the paged node list, one node, batch-drain and batch-delete, over the node
// model in lib/nodes. Plus admin routes to see the model, change a node by hand and set the node API rules.

import { z } from 'zod';
import { ErrorCodes } from '../../lib/modelarts/error-codes';
import { formatProblems, toFieldProblems } from '../../lib/modelarts/schema-error';
import { refuseUpdate } from '../../lib/modelarts/update-rules';
import {
  describeRefusal,
  jobsOn,
  NODE_PHASES,
  type NodeChange,
  type NodePool,
  type PoolNode,
} from '../../lib/nodes';
import { validated } from '../admin';
import { NodeApiRulesChangeSchema } from '../node-rules';
import {
  ApiError,
  badRequest,
  type EmulatorState,
  jsonBody,
  poolNotFound,
  type Route,
  type RouteResult,
} from '../route';

export const MAX_NODE_PAGE_SIZE = 500;

const GPU_FLAVOR = /\.gpu\./;

/** A node as GET /nodes shows it. Busy nodes show their accelerators taken, as `availableResources` would. */
export function renderNode(node: PoolNode, nodes: NodePool, projectId: string): Record<string, unknown> {
  const busy = jobsOn(nodes, node).length > 0;
  const gpu = GPU_FLAVOR.test(node.flavor);
  const annotations: Record<string, string> = {
    // Not among the node annotations the SDKs model; the pool's key and values, so a client can tell.
    'os.modelarts/billing.mode': node.billing === 'yearly-monthly' ? '1' : '0',
  };
  if (node.drained) annotations['os.modelarts.node/drain'] = 'true';
  if (node.deleteLocked) annotations['os.modelarts.node/lock.action'] = 'delete';
  return {
    apiVersion: 'v2',
    kind: 'Node',
    metadata: {
      name: node.name,
      creationTimestamp: timestamp(node.createdAt),
      labels: {
        'os.modelarts.node/cluster': `${nodes.pool.slice(0, 40)}-cluster`,
        'os.modelarts.node/nodepool': `${nodes.pool.slice(0, 40)}-default`,
        'os.modelarts/resource.id': `${node.name}-resource`,
        'os.modelarts/tenant.project.id': projectId,
        'os.modelarts/billing.status': '0',
      },
      annotations,
    },
    spec: {
      flavor: node.flavor,
      hostNetwork: { vpc: 'vpc-emulator', subnet: 'subnet-emulator', securityGroups: [] },
    },
    status: {
      phase: node.phase,
      az: node.az,
      privateIp: node.privateIp,
      resources: { cpu: '8', memory: '32Gi', ...(gpu ? { 'nvidia.com/gpu': '1' } : {}) },
      // System pods take a little even on an idle node (node-apis.md): compare accelerators only.
      availableResources: {
        cpu: busy ? '500m' : '7500m',
        memory: busy ? '2Gi' : '30Gi',
        ...(gpu ? { 'nvidia.com/gpu': busy ? '0' : '1' } : {}),
      },
      taints: node.drained
        ? [
            {
              key: 'node.kubernetes.io/unschedulable',
              effect: 'NoSchedule',
              timeAdded: timestamp(node.drainedAt ?? node.createdAt),
            },
          ]
        : [],
    },
  };
}

const timestamp = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

// The continue token is opaque to clients; here it is the offset of the next page.
const encodeContinue = (offset: number) => Buffer.from(`offset:${offset}`).toString('base64url');

function decodeContinue(token: string): number {
  const match = /^offset:(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  if (!match) throw badRequest(`continue "${token}" is not a token this API returned`);
  return Number(match[1]);
}

function pageLimit(query: URLSearchParams): number {
  const raw = query.get('limit');
  if (raw === null || raw === '') return MAX_NODE_PAGE_SIZE;
  if (!/^\d+$/.test(raw) || Number(raw) > MAX_NODE_PAGE_SIZE)
    throw badRequest(`limit must be an integer from 0 to ${MAX_NODE_PAGE_SIZE}, got "${raw}"`);
  return Number(raw) || MAX_NODE_PAGE_SIZE;
}

function poolNodes(state: EmulatorState, name: string): NodePool {
  const nodes = state.pools.nodes(name);
  if (!nodes) throw poolNotFound(name);
  return nodes;
}

const nodeNotFound = (name: string) => new ApiError(404, ErrorCodes.nodeNotFound, `"${name}" not found`);

export const listNodes: Route = {
  name: 'listNodes',
  method: 'GET',
  path: '/v2/{project_id}/pools/{pool_name}/nodes',
  auth: 'modelarts',
  handle({ params, query, state }) {
    const nodes = poolNodes(state, params.pool_name as string);
    const limit = pageLimit(query);
    const token = query.get('continue');
    const offset = token ? decodeContinue(token) : 0;
    const items = nodes.nodes.slice(offset, offset + limit);
    const remaining = Math.max(0, nodes.nodes.length - offset - items.length);
    return {
      status: 200,
      body: {
        apiVersion: 'v2',
        kind: 'NodeList',
        metadata:
          remaining > 0 ? { continue: encodeContinue(offset + limit), remainingItemCount: remaining } : {},
        items: items.map((node) => renderNode(node, nodes, state.projectId)),
      },
    };
  },
};

export const getNode: Route = {
  name: 'getNode',
  method: 'GET',
  path: '/v2/{project_id}/pools/{pool_name}/nodes/{node_name}',
  auth: 'modelarts',
  handle({ params, state }) {
    const nodes = poolNodes(state, params.pool_name as string);
    const name = params.node_name as string;
    const node = nodes.nodes.find((candidate) => candidate.name === name);
    if (!node) throw nodeNotFound(name);
    return { status: 200, body: renderNode(node, nodes, state.projectId) };
  },
};

/** A batch body: `{ <field>: ["name", ...] }`. */
function namesIn(body: string | undefined, field: 'nodeNames' | 'deleteNodeNames'): string[] {
  const parsed = z.looseObject({ [field]: z.array(z.string().min(1)).min(1) }).safeParse(jsonBody(body));
  if (!parsed.success) throw badRequest(formatProblems(toFieldProblems(parsed.error.issues)));
  return parsed.data[field] as string[];
}

/** A pool the node operations may act on: it exists, runs and is not frozen. */
function writablePool(state: EmulatorState, name: string): void {
  const pool = state.pools.get(name);
  if (!pool) throw poolNotFound(name);
  const refusal = refuseUpdate(pool, {});
  if (refusal) throw ApiError.refusing(refusal);
}

function answer(change: NodeChange | undefined, pool: string, unknownNode: (name: string) => ApiError) {
  if (!change) throw poolNotFound(pool);
  if (!change.ok) {
    const { refusal } = change;
    if (refusal.reason === 'unknown-node') throw unknownNode(refusal.node);
    throw badRequest(describeRefusal(refusal));
  }
}

/** The gateway's answer for an API it does not publish, as the emulator gives for any unknown path. */
export const unknownApi = (method: string, path: string) =>
  new ApiError(
    404,
    ErrorCodes.noSuchApi,
    `The API does not exist or has not been published: ${method} ${path}`,
  );

/**
 * batch-drain, or the made-up batch-undrain: `{"nodeNames": [...]}`. `missing` says how the platform answers
 * when it does not have the API, or undefined when it does.
 */
function drainRoute(
  name: 'drainNodes' | 'undrainNodes',
  verb: 'drain' | 'undrain',
  missing: (state: EmulatorState) => 'missing' | 'unknown-api' | undefined,
): Route {
  const action = `batch-${verb}`;
  return {
    name,
    method: 'POST',
    path: `/v2/{project_id}/pools/{pool_name}/nodes/${action}`,
    auth: 'modelarts',
    handle({ params, body, state }) {
      const pool = params.pool_name as string;
      const absent = missing(state);
      if (absent === 'missing') return { status: 404 };
      if (absent === 'unknown-api')
        throw unknownApi('POST', `/v2/${params.project_id}/pools/${pool}/nodes/${action}`);
      writablePool(state, pool);
      const names = namesIn(body, 'nodeNames');
      const change = verb === 'drain' ? state.pools.drain(pool, names) : state.pools.undrain(pool, names);
      // The error BatchDrainPoolNodes documents for a node of another pool.
      answer(change, pool, (node) =>
        badRequest(`Bad request. node cannot be ${verb}ed because it is not in pool: ${node}`),
      );
      return { status: 200, body: {} };
    },
  };
}

export const drainNodesRoute = drainRoute('drainNodes', 'drain', (state) => {
  const { drain } = state.pools.rules;
  return drain === 'available' ? undefined : drain;
});

export const undrainNodesRoute = drainRoute('undrainNodes', 'undrain', (state) =>
  state.pools.rules.undrain ? undefined : 'unknown-api',
);

export const deleteNodesRoute: Route = {
  name: 'deleteNodes',
  method: 'POST',
  path: '/v2/{project_id}/pools/{pool_name}/nodes/batch-delete',
  auth: 'modelarts',
  handle({ params, body, state }) {
    const pool = params.pool_name as string;
    writablePool(state, pool);
    answer(state.pools.deleteNodes(pool, namesIn(body, 'deleteNodeNames')), pool, nodeNotFound);
    // 200 has no documented body.
    return { status: 200 };
  },
};

export const nodeRoutes: readonly Route[] = [
  listNodes,
  getNode,
  drainNodesRoute,
  undrainNodesRoute,
  deleteNodesRoute,
];

// ---------------------------------------------------------------------------------------------------------------
// admin

const NodeUpdateSchema = z.strictObject({
  deleteLocked: z.boolean().optional(),
  billing: z.enum(['pay-per-use', 'yearly-monthly']).optional(),
  phase: z.enum(NODE_PHASES.filter((phase) => phase !== 'Creating' && phase !== 'Deleting')).optional(),
  drained: z.boolean().optional(),
});

const ADMIN_NODES = /^\/__admin\/pools\/([^/]+)\/nodes(?:\/([^/]+))?$/;

/**
 * `GET /__admin/pools/{pool}/nodes` (the model: nodes and jobs), `POST /__admin/pools/{pool}/nodes/{node}`
 * (`{deleteLocked?, billing?, phase?, drained?}`), `GET|POST /__admin/node-rules`.
 */
export function handleNodesAdmin(
  method: string,
  path: string,
  body: string | undefined,
  state: EmulatorState,
): RouteResult | undefined {
  if (path === '/__admin/node-rules') {
    if (method === 'GET') return { status: 200, body: state.pools.rules };
    if (method !== 'POST') return undefined;
    return { status: 200, body: state.pools.setRules(validated(NodeApiRulesChangeSchema, body)) };
  }
  const match = ADMIN_NODES.exec(path);
  if (!match) return undefined;
  const pool = decodeURIComponent(match[1] as string);
  const node = match[2] === undefined ? undefined : decodeURIComponent(match[2]);
  if (method === 'GET' && node === undefined) {
    const nodes = poolNodes(state, pool);
    return { status: 200, body: { pool, nodes: nodes.nodes, jobs: nodes.jobs } };
  }
  if (method !== 'POST' || node === undefined) return undefined;
  const change = state.pools.setNode(pool, node, validated(NodeUpdateSchema, body));
  answer(change, pool, nodeNotFound);
  return { status: 200, body: change?.ok ? change.nodes[0] : undefined };
}

// Schemas of the node list and one node (node-apis.md, related-apis.md §1). Strict where a scale-in decision
// rests on the field (name, flavor, phase present; annotations as strings, since drain, lock and billing live
// there); tolerant elsewhere. A phase the docs do not list is kept as text, and every object is loose, so
// fields the API adds later pass through. Neither SDK models `status.taints`: they are read from the raw JSON.
// Built on first use (z.lazy), like the workload schemas: a cold start that reads no nodes does not pay.

import { z } from 'zod';
import { ModelArtsError } from './errors';
import { type FieldProblem, formatProblems, toFieldProblems } from './schema-error';

/** A field the scaler does not decide on: optional, and dropped when its type is unexpected. */
const tolerant = <T extends z.ZodType>(schema: T) => schema.optional().catch(undefined);

/** Kubernetes quantities (`"3920m"`, `"6270Mi"`, `"1"`); some servers send numbers. */
const quantities = () => tolerant(z.record(z.string(), z.union([z.string(), z.number()])));

export const NodeTaintSchema = z.lazy(() =>
  z.looseObject({
    key: z.string(),
    value: z.string().optional(),
    /** `NoSchedule`, `PreferNoSchedule`, `NoExecute`. */
    effect: z.string().optional(),
    timeAdded: z.string().optional(),
  }),
);

export const NodeSchema = z.lazy(() =>
  z.looseObject({
    apiVersion: tolerant(z.string()),
    kind: tolerant(z.string()),
    metadata: z.looseObject({
      name: z.string().min(1),
      creationTimestamp: tolerant(z.string()),
      labels: tolerant(z.record(z.string(), z.string())),
      /** `os.modelarts.node/drain`, `os.modelarts.node/lock.action`, `os.modelarts/npu-topology-placement`, ... */
      annotations: z.record(z.string(), z.string()).optional(),
    }),
    spec: z.looseObject({ flavor: z.string().min(1) }),
    status: z.looseObject({
      /** `Available`, `Creating`, `Deleting`, `Abnormal`, `Checking`, or one the API adds. */
      phase: z.string().min(1),
      az: tolerant(z.string()),
      /** Absent while a node is being created, perhaps. */
      privateIp: tolerant(z.string()),
      resources: quantities(),
      availableResources: quantities(),
      taints: tolerant(z.array(NodeTaintSchema)),
    }),
  }),
);

export const NodeListSchema = z.lazy(() =>
  z.looseObject({
    apiVersion: tolerant(z.string()),
    kind: tolerant(z.string()),
    metadata: z
      .looseObject({
        /** Cursor of the next page; absent or empty on the last. */
        continue: z.string().optional(),
        remainingItemCount: tolerant(z.number()),
      })
      .optional(),
    items: z.array(z.unknown()).default([]),
  }),
);

export type ModelArtsNode = z.infer<typeof NodeSchema>;
export type NodeTaint = z.infer<typeof NodeTaintSchema>;

/** A node answer that lacks what the scaler relies on. A scale-in never acts on a list it could not read. */
export class NodeResponseError extends ModelArtsError {
  override readonly name = 'NodeResponseError';

  /** @param subject the node's name, `items[3]` of page n, or `node list` for the envelope. */
  constructor(
    readonly pool: string,
    readonly subject: string,
    readonly problems: readonly FieldProblem[],
    options?: { cause?: unknown },
  ) {
    super('response', `pool "${pool}": ${subject} has a bad response: ${formatProblems(problems)}`, options);
  }
}

/** Parses JSON text, or says the answer is not JSON. */
export function nodeJson(text: string, pool: string, subject: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new NodeResponseError(pool, subject, [{ path: '', problem: 'response body is not JSON' }], {
      cause: error,
    });
  }
}

export function parseNode(raw: unknown, pool: string, subject: string): ModelArtsNode {
  const parsed = NodeSchema.safeParse(raw);
  if (!parsed.success)
    throw new NodeResponseError(pool, subject, toFieldProblems(parsed.error.issues), { cause: parsed.error });
  return parsed.data;
}

export interface NodePage {
  nodes: ModelArtsNode[];
  continue: string | undefined;
}

/** One page of the node list; any bad node fails the page. */
export function parseNodePage(raw: unknown, pool: string, page: number): NodePage {
  const parsed = NodeListSchema.safeParse(raw);
  if (!parsed.success)
    throw new NodeResponseError(pool, `node list page ${page}`, toFieldProblems(parsed.error.issues));
  const nodes = parsed.data.items.map((item, i) => {
    const name = (item as { metadata?: { name?: unknown } } | null)?.metadata?.name;
    return parseNode(item, pool, typeof name === 'string' ? `node "${name}"` : `items[${i}] of page ${page}`);
  });
  const token = parsed.data.metadata?.continue;
  return { nodes, continue: token === undefined || token === '' ? undefined : token };
}

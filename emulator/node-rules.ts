// How the emulator answers where the node API docs leave the answer open (node-apis.md, [unconfirmed]). Each
// rule can be set at start (EmulatorOptions.nodeRules), from a test (setNodeRules) or over HTTP
// (POST /__admin/node-rules), so that the autoscaler is tested against every answer.

import { z } from 'zod';

const NodeApiRulesSchema = z.strictObject({
  /**
   * batch-drain: `available`; `missing`, a bare 404 (an older API version without it); `unknown-api`, the
   * gateway's 404 APIGW.0101 for an API it does not publish.
   */
  drain: z.enum(['available', 'missing', 'unknown-api']),
  /** Whether `spec.resources[].count` drops by itself when batch-delete removes nodes. */
  deleteLowersCount: z.boolean(),
  /** Names batch-delete takes per call; null for no limit. */
  maxDeleteNames: z.number().int().positive().nullable(),
  /**
   * Whether a drained node can be put back in service. No undrain API is documented; when true the emulator
   * serves a made-up `POST .../nodes/batch-undrain` ({"nodeNames": [...]}) so the reuse path can be tested.
   */
  undrain: z.boolean(),
});

export type NodeApiRules = z.output<typeof NodeApiRulesSchema>;

export const DEFAULT_NODE_API_RULES = {
  drain: 'available',
  deleteLowersCount: true,
  maxDeleteNames: null,
  undrain: false,
} as const satisfies NodeApiRules;

/** Some of the rules, the others left as they are. */
export const NodeApiRulesChangeSchema = NodeApiRulesSchema.partial();

/** `current` with `change` applied; throws a ZodError naming a bad field. */
export function changeNodeApiRules(current: NodeApiRules, change: unknown): NodeApiRules {
  return { ...current, ...NodeApiRulesChangeSchema.parse(change) };
}

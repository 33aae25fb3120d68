// How the emulator answers a scale-out where capacity runs short (issue #15; node-apis.md "Sold out and quota",
// related-apis.md §6), and the order a PATCH starts. Where the docs leave the answer open ([unconfirmed]) each
// answer can be played: set at start (EmulatorOptions.capacity), from a test (setCapacityRules) or over HTTP
// (POST /__admin/capacity); reset restores the starting rules.

import { z } from 'zod';
import { QUOTA_CODES, SOLD_OUT_CODES } from '../lib/capacity/refusals';

/** The documented sold-out codes (all 400). */
const SoldOutCodeSchema = z.enum(SOLD_OUT_CODES as [string, ...string[]]);
/** The documented quota codes: ModelArts.5040 is a 403, the others 400. */
const QuotaCodeSchema = z.enum(QUOTA_CODES as [string, ...string[]]);

const CapacityRulesSchema = z.strictObject({
  /** The code a PATCH growing a flavor into a sold-out AZ is refused with. */
  soldOutCode: SoldOutCodeSchema,
  /** Whether that refusal's message names the AZ (the docs do not say). */
  soldOutNamesAz: z.boolean(),
  /** Nodes of a flavor the project may have, summed over its pools' counts; a flavor not listed has no quota. */
  quotas: z.record(z.string().min(1), z.number().int().nonnegative()),
  /** The code a PATCH over a quota is refused with. */
  quotaCode: QuotaCodeSchema,
  /** After a refused scale-out (sold out or quota) the pool's phase turns ScalingFailed (OTC docs list it). */
  scalingFailed: z.boolean(),
  /**
   * How long an order takes before ModelArts starts the nodes: the spec's count changes at once, the new
   * (Creating) nodes show in status.resources and the node list only this much later.
   */
  orderSeconds: z.number().nonnegative(),
  /** Whether GET keeps showing label os.modelarts/order.name once the order is done (undocumented). */
  keepOrderLabel: z.boolean(),
  /** Whether a PATCH while an order runs is answered 409 ModelArts.5044 (undocumented for pools). */
  conflictWhileOrder: z.boolean(),
});

export type CapacityRules = z.output<typeof CapacityRulesSchema>;

export const DEFAULT_CAPACITY_RULES: CapacityRules = {
  soldOutCode: 'ModelArts.6716',
  soldOutNamesAz: true,
  quotas: {},
  quotaCode: 'ModelArts.0118',
  scalingFailed: false,
  orderSeconds: 0,
  keepOrderLabel: true,
  conflictWhileOrder: false,
};

/** Some of the rules, the others left as they are. */
export const CapacityRulesChangeSchema = CapacityRulesSchema.partial();

/** `current` with `change` applied (`quotas`, when given, replaces them all); throws a ZodError naming a bad field. */
export function changeCapacityRules(current: CapacityRules, change: unknown): CapacityRules {
  return { ...current, ...CapacityRulesChangeSchema.parse(change) };
}

/** The HTTP status of a quota refusal: ModelArts.5040 is "usage over maximum quota", a 403. */
export const quotaStatus = (code: string): 400 | 403 => (code === 'ModelArts.5040' ? 403 : 400);

// What a PATCH that went through, or was answered with a conflict, leaves in the pool's capacity memory: the order
// it started (until the status shows it, the pool is in flight), or the conflict wait. Pure: the cycle and the
// simulator both record with it.

import type { Pool } from '../modelarts/schemas';
import type { PatchBody } from '../scaling/patch';
import { nextConflict } from './conflict';
import type { CapacityMemory } from './types';

export const ORDER_LABEL = 'os.modelarts/order.name';

/** A PATCH answered with a conflict: no change until the wait is over, longer with each in a row. */
export function recordConflict(memory: CapacityMemory | undefined, now: number): CapacityMemory {
  return { ...memory, conflict: nextConflict(memory?.conflict, now) };
}

/** A PATCH that went through: the order it started (the answer's label), and no conflict wait any more. */
export function recordOrder(
  memory: CapacityMemory | undefined,
  patch: PatchBody,
  answer: Pool | undefined,
  now: number,
): CapacityMemory {
  const { conflict: _settled, ...rest } = memory ?? {};
  const flavors: Record<string, number> = {};
  for (const resource of patch.spec.resources) flavors[resource.flavor] = resource.count;
  const name = answer?.metadata.labels?.[ORDER_LABEL];
  return { ...rest, order: name ? { at: now, name, flavors } : { at: now, flavors } };
}

// The cycle's side of capacity memory (issue #15): which memory a save carries, and what a refused PATCH
// records. The planner (pure) reads the memory; only the cycle writes it, always in a revision-conditional save.

import { recordConflict } from '../capacity/order';
import { type CapacityRefusal, capacityRefusal } from '../capacity/refusals';
import type { CapacityMemory } from '../capacity/types';
import { ModelArtsApiError } from '../modelarts/errors';
import type { PoolPlan } from '../scaling/plan';
import { msg, type Reason, reason } from '../scaling/reasons';
import type { PoolHistory } from '../state/store';
import { growthOf, knownAzs, recordRefusal } from './capacity-memory';
import { isConflict } from './conflict-backoff';
import { capacitySettings as settingsOf } from './read-stock';
import type { Prepared } from './types';

/** The capacity memory to save with `poolPlan`'s history: the planner's when it carries one, else the loaded one. */
export const capacityOf = (poolPlan: PoolPlan, loaded: PoolHistory): CapacityMemory | undefined =>
  poolPlan.history.capacity ?? loaded.capacity;

/** `history` carrying `capacity` (none: without it). */
export function withCapacity(history: PoolHistory, capacity: CapacityMemory | undefined): PoolHistory {
  const { capacity: _replaced, ...rest } = history;
  return capacity === undefined ? rest : { ...rest, capacity };
}

const iso = (ms: number) => new Date(ms).toISOString();

function describe(refusal: CapacityRefusal, backedOff: Record<string, string[]>, until: number): string {
  const where = Object.entries(backedOff)
    .map(([flavor, azs]) => `${flavor} in ${azs.map((az) => (az === '*' ? 'every AZ' : az)).join(', ')}`)
    .join('; ');
  return refusal.kind === 'quota'
    ? msg`ModelArts refused the PATCH over quota "${refusal.quota}" (${refusal.code}): ${where} back off until ${iso(until)}`
    : msg`ModelArts refused the PATCH as sold out (${refusal.code}): ${where} back off until ${iso(until)}`;
}

/**
 * What a refused PATCH records: a backoff for a sold-out or quota refusal, the conflict wait for a conflict;
 * undefined for any other failure (an ordinary error, which backs off nothing).
 */
export function refusedPatch(
  error: unknown,
  current: PoolPlan,
  prepared: Prepared,
  loaded: CapacityMemory | undefined,
  now: number,
): { capacity: CapacityMemory; reason: Reason } | undefined {
  if (!(error instanceof ModelArtsApiError)) return undefined;
  if (isConflict(error)) {
    const capacity = recordConflict(loaded, now);
    const wait = capacity.conflict as NonNullable<CapacityMemory['conflict']>;
    return {
      capacity,
      reason: reason(
        'patch-conflict',
        msg`ModelArts answered the PATCH with a conflict (${wait.failures} in a row, ${error.errorCode ?? error.status}): no change until ${iso(wait.until)}`,
      ),
    };
  }
  const refusal = capacityRefusal(error, knownAzs(current));
  if (refusal === undefined) return undefined;
  const settings = (flavor: string) => settingsOf(prepared.input.policy.flavors[flavor]);
  const recorded = recordRefusal(loaded, refusal, growthOf(current), settings, now);
  return {
    capacity: recorded.memory,
    reason: reason(
      refusal.kind === 'quota' ? 'patch-quota' : 'patch-sold-out',
      describe(refusal, recorded.backedOff, recorded.until),
    ),
  };
}

// What a refused scale-up leaves in the pool's capacity memory, for the cycle and the simulator alike (issue #15):
// a PATCH refused as sold out backs off the flavor in the AZs the PATCH grew, only the named AZ when the error
// names one; a quota refusal backs off each flavor the PATCH grew in every AZ (quota is per project). Pure: the
// caller reads the refusal (capacityRefusal) and saves the memory it gets back.

import type { PatchResource } from '../scaling/patch';
import { nextBackoff } from './backoff';
import type { CapacityRefusal } from './refusals';
import { type Backoff, type CapacityMemory, type CapacitySettings, WHOLE_FLAVOR } from './types';

/** flavor -> the AZs a change grows in, or [WHOLE_FLAVOR] for a flavor without azs. */
export type GrownAzs = Record<string, string[]>;

type Resource = Pick<PatchResource, 'flavor' | 'count' | 'azs'>;

/** What `after` (a PATCH body's resources) grows over `before` (the pool's spec.resources). */
export function grownAzs(before: readonly Resource[], after: readonly Resource[]): GrownAzs {
  const was = new Map(before.map((resource) => [resource.flavor, resource]));
  const grown: GrownAzs = {};
  for (const resource of after) {
    const previous = was.get(resource.flavor);
    const azs = (resource.azs ?? []).filter(
      ({ az, count }) => count > (previous?.azs?.find((entry) => entry.az === az)?.count ?? 0),
    );
    if (azs.length > 0) grown[resource.flavor] = azs.map(({ az }) => az);
    else if (resource.count > (previous?.count ?? 0)) grown[resource.flavor] = [WHOLE_FLAVOR];
  }
  return grown;
}

/**
 * The memory after `refusal` of a PATCH that grew `grown`, at `now` (epoch ms). A sold-out error naming an AZ
 * backs off that AZ of each flavor grown there; one naming none, or an AZ nothing grew in, backs off every AZ
 * grown. `settingsOf` gives each flavor's capacity settings (its policy's, DEFAULT_CAPACITY when absent).
 */
export function recordRefusal(
  memory: CapacityMemory | undefined,
  grown: GrownAzs,
  refusal: CapacityRefusal,
  now: number,
  settingsOf: (flavor: string) => CapacitySettings,
): CapacityMemory {
  const next: CapacityMemory = { ...memory };
  if (refusal.kind === 'quota') {
    const quota = { ...next.quota };
    for (const flavor of Object.keys(grown))
      quota[flavor] = nextBackoff(quota[flavor], 'quota', now, settingsOf(flavor).backoff, refusal.quota);
    if (Object.keys(grown).length > 0) next.quota = quota;
    return next;
  }
  const named = refusal.az;
  const hit = named !== undefined && Object.values(grown).some((azs) => azs.includes(named));
  const azs: Record<string, Record<string, Backoff>> = { ...next.azs };
  for (const [flavor, grownIn] of Object.entries(grown)) {
    const targets = hit ? grownIn.filter((az) => az === named) : grownIn;
    if (targets.length === 0) continue;
    const backoffs = { ...azs[flavor] };
    for (const az of targets)
      backoffs[az] = nextBackoff(backoffs[az], 'sold-out', now, settingsOf(flavor).backoff, refusal.code);
    azs[flavor] = backoffs;
  }
  if (Object.keys(azs).length > 0) next.azs = azs;
  return next;
}

/** The backoffs of `memory` recorded at `now` (AZ and quota): what one refusal added, for counts in reports. */
export const backoffsAt = (memory: CapacityMemory | undefined, now: number): number =>
  [
    ...Object.values(memory?.azs ?? {}).flatMap((azs) => Object.values(azs)),
    ...Object.values(memory?.quota ?? {}),
  ].filter((backoff) => backoff.lastFailureAt === now).length;

// The capacity memory a plan hands on (issue #15): what is still needed, in a fixed key order. A backoff stays
// until its row is over (`expired`), so that the next failure in the row doubles the wait; a settled order goes.
// The rest (creatingSince, conflict) is the cycle's to change and is carried as it is.

import { expired } from './backoff';
import type { Backoff, CapacityMemory, CapacitySettings } from './types';

/**
 * `memory` without the backoffs whose row is over and without a settled order; undefined when nothing is left.
 * Returns `memory` itself when nothing goes (the usual case: no copy). `settingsOf(flavor)`: its capacity settings.
 */
export function pruneCapacity(
  memory: CapacityMemory | undefined,
  settingsOf: (flavor: string) => CapacitySettings,
  orderSettled: boolean,
  now: number,
): CapacityMemory | undefined {
  if (memory === undefined) return undefined;
  const over = (flavor: string, backoff: Backoff) => expired(backoff, now, settingsOf(flavor).backoff);
  const dropOrder = memory.order !== undefined && orderSettled;
  if (!dropOrder && !anyOver(memory, over)) return isEmpty(memory) ? undefined : memory;

  const next: CapacityMemory = {};
  const azs = pruneAzs(memory.azs, over);
  if (azs !== undefined) next.azs = azs;
  const quota = pruneFlat(memory.quota, over);
  if (quota !== undefined) next.quota = quota;
  if (memory.order !== undefined && !dropOrder) next.order = memory.order;
  if (memory.creatingSince !== undefined) next.creatingSince = memory.creatingSince;
  if (memory.conflict !== undefined) next.conflict = memory.conflict;
  return isEmpty(next) ? undefined : next;
}

type Over = (flavor: string, backoff: Backoff) => boolean;

function anyOver(memory: CapacityMemory, over: Over): boolean {
  for (const flavor in memory.azs ?? {}) {
    const azs = memory.azs?.[flavor] ?? {};
    for (const az in azs) if (over(flavor, azs[az] as Backoff)) return true;
  }
  for (const flavor in memory.quota ?? {}) if (over(flavor, memory.quota?.[flavor] as Backoff)) return true;
  return false;
}

function pruneAzs(
  azs: CapacityMemory['azs'],
  over: Over,
): Record<string, Record<string, Backoff>> | undefined {
  if (azs === undefined) return undefined;
  let kept: Record<string, Record<string, Backoff>> | undefined;
  for (const flavor of Object.keys(azs)) {
    const flavorAzs = pruneFlat(azs[flavor], (_az, backoff) => over(flavor, backoff));
    if (flavorAzs === undefined) continue;
    kept ??= {};
    kept[flavor] = flavorAzs;
  }
  return kept;
}

function pruneFlat(
  backoffs: Record<string, Backoff> | undefined,
  over: (key: string, backoff: Backoff) => boolean,
): Record<string, Backoff> | undefined {
  if (backoffs === undefined) return undefined;
  let kept: Record<string, Backoff> | undefined;
  for (const key of Object.keys(backoffs)) {
    const backoff = backoffs[key] as Backoff;
    if (over(key, backoff)) continue;
    kept ??= {};
    kept[key] = backoff;
  }
  return kept;
}

function isEmpty(memory: CapacityMemory): boolean {
  for (const key in memory) if ((memory as Record<string, unknown>)[key] !== undefined) return false;
  return true;
}

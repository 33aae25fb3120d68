// Which AZs a flavor may lose a node in, as its AZ strategy allows. The counts move as nodes are chosen, so
// every choice is checked against the counts after the ones before it.

import type { FlavorScaleIn } from './types';

export interface AzCounts {
  /** Nodes per AZ after the removals chosen so far; undefined: the flavor has no AZ split, any node may go. */
  counts: Map<string, number> | undefined;
  quotas: Map<string, number> | undefined;
}

export function azCounts(flavor: FlavorScaleIn): AzCounts {
  if (flavor.azsBefore === undefined || flavor.azsBefore.length === 0) {
    return { counts: undefined, quotas: undefined };
  }
  const counts = new Map(flavor.azsBefore.map((az) => [az.az, az.count]));
  const quotas =
    flavor.azsAfter !== undefined && (flavor.azStrategy === 'weighted' || flavor.azStrategy === 'backlog')
      ? new Map(flavor.azsAfter.map((az) => [az.az, az.count]))
      : undefined;
  return { counts, quotas };
}

/**
 * Whether one more node of `az` may go. balanced: only from the largest AZs, so the AZs stay within one node of
 * each other; fixed: never the last node of an AZ; weighted and backlog: only while the AZ is above the
 * planner's quota for it. A node with no AZ, or of an AZ the split does not list, is not allowed when there is
 * a split.
 */
export function azAllows(flavor: FlavorScaleIn, state: AzCounts, az: string | undefined): boolean {
  const { counts, quotas } = state;
  if (counts === undefined) return true;
  if (az === undefined) return false;
  const count = counts.get(az);
  if (count === undefined || count <= 0) return false;
  switch (flavor.azStrategy) {
    case 'balanced':
      return count === Math.max(...counts.values());
    case 'fixed':
      return count > 1;
    default:
      return quotas === undefined ? count > 1 : count > (quotas.get(az) ?? 0);
  }
}

/** Count one node of `az` as removed. */
export function takeFromAz(state: AzCounts, az: string | undefined): void {
  if (state.counts === undefined || az === undefined) return;
  const count = state.counts.get(az);
  if (count !== undefined) state.counts.set(az, count - 1);
}

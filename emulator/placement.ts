// Where a resize puts each flavor's nodes, AZ by AZ, given the AZs where the flavor is sold out. A flavor with
// `azs` goes exactly where they say (a sold-out AZ among those it grows refuses the PATCH). A flavor without
// `azs` keeps its spread, as lib/nodes does: shrinkage comes from its fullest AZ, growth goes to its emptiest AZ
// that is not sold out, among the AZs its nodes sit in (the pool's first AZ when it has none); only when every
// one of those is sold out is the PATCH refused. The result is the spec with every flavor's AZs spelled out,
// which lib/nodes' resizeNodes then carries out.

import type { PoolFlavorResource } from '../lib/modelarts/schemas';
import { DEFAULT_AZ, type PoolNode, tallyNodes } from '../lib/nodes';
import { type AzTally, azTallyOf, spread } from '../lib/nodes/tally';

export type SoldOut = (flavor: string, az: string) => boolean;

export interface FlavorPlacement {
  flavor: string;
  /** AZ -> the nodes the flavor will have there. */
  targets: AzTally;
  /** The sold-out AZs the growth needs: any of them refuses the PATCH. */
  blocked: string[];
  /** The flavor lists no azs, so `blocked` is every AZ the emulator could have put it in. */
  anyAz: boolean;
}

/** Each flavor of `resources` placed over AZs, from the pool's nodes now (those not being deleted). */
export function placeResize(
  nodes: readonly PoolNode[],
  resources: readonly PoolFlavorResource[],
  soldOut: SoldOut,
): FlavorPlacement[] {
  const planned = tallyNodes(nodes, (node) => node.phase !== 'Deleting');
  const defaultAz =
    Object.values(planned)
      .flatMap((azs) => Object.keys(azs))
      .sort()[0] ?? DEFAULT_AZ;
  return resources.map((resource) => {
    const current = planned[resource.flavor] ?? {};
    if (resource.azs) {
      const targets = azTallyOf(resource, DEFAULT_AZ);
      const blocked = Object.keys(targets)
        .filter((az) => (targets[az] ?? 0) > (current[az] ?? 0) && soldOut(resource.flavor, az))
        .sort();
      return { flavor: resource.flavor, targets, blocked, anyAz: false };
    }
    return placeAnywhere(resource.flavor, resource.count, current, defaultAz, soldOut);
  });
}

function placeAnywhere(
  flavor: string,
  total: number,
  current: AzTally,
  defaultAz: string,
  soldOut: SoldOut,
): FlavorPlacement {
  const now = Object.values(current).reduce((sum, count) => sum + count, 0);
  if (total <= now) return { flavor, targets: spread(total, current, defaultAz), blocked: [], anyAz: true };
  const candidates = Object.keys(current).filter((az) => (current[az] ?? 0) > 0);
  if (candidates.length === 0) candidates.push(defaultAz);
  const stocked = candidates.filter((az) => !soldOut(flavor, az)).sort();
  if (stocked.length === 0) {
    return { flavor, targets: spread(total, current, defaultAz), blocked: candidates.sort(), anyAz: true };
  }
  const open: AzTally = Object.fromEntries(stocked.map((az) => [az, current[az] ?? 0]));
  const openNow = Object.values(open).reduce((sum, count) => sum + count, 0);
  const grown = spread(openNow + total - now, open, stocked[0] as string);
  return { flavor, targets: { ...current, ...grown }, blocked: [], anyAz: true };
}

/** The spec as resizeNodes should carry it out: every flavor with its AZs spelled out. */
export function placedResources(placements: readonly FlavorPlacement[]): PoolFlavorResource[] {
  return placements.map(({ flavor, targets }) => {
    const azs = Object.entries(targets)
      .filter(([, count]) => count > 0)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([az, count]) => ({ az, count }));
    return { flavor, count: azs.reduce((sum, az) => sum + az.count, 0), azs };
  });
}

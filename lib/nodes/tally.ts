// Node counts per flavor and AZ: what `spec.resources` and `status.resources` speak in.

import type { PoolNode } from './types';

/** Nodes per AZ. */
export type AzTally = Record<string, number>;
/** Nodes per flavor, then per AZ. */
export type FlavorTally = Record<string, AzTally>;

export function addTo(tally: FlavorTally, flavor: string, az: string, count: number): void {
  const azs = tally[flavor] ?? {};
  tally[flavor] = azs;
  azs[az] = (azs[az] ?? 0) + count;
  if (azs[az] === 0) delete azs[az];
  if (Object.keys(azs).length === 0) delete tally[flavor];
}

/** The nodes that pass `keep`, counted per flavor and AZ. */
export function tallyNodes(nodes: readonly PoolNode[], keep: (node: PoolNode) => boolean): FlavorTally {
  const tally: FlavorTally = {};
  for (const node of nodes) if (keep(node)) addTo(tally, node.flavor, node.az, 1);
  return tally;
}

/** A spec or status entry's AZ split; an entry without `azs` puts its whole count in `defaultAz`. */
export function azTallyOf(
  entry: { count?: number | undefined; azs?: { az: string; count: number }[] | undefined },
  defaultAz: string,
): AzTally {
  if (!entry.azs) return entry.count ? { [defaultAz]: entry.count } : {};
  const tally: AzTally = {};
  for (const { az, count } of entry.azs) if (count > 0) tally[az] = (tally[az] ?? 0) + count;
  return tally;
}

/** Splits `total` nodes over AZs starting from the current spread: growth fills the emptiest, shrinkage the fullest. */
export function spread(total: number, current: AzTally, defaultAz: string): AzTally {
  const result: AzTally = Object.fromEntries(Object.entries(current).filter(([, count]) => count > 0));
  if (Object.keys(result).length === 0 && total > 0) result[defaultAz] = 0;
  const azs = Object.keys(result).sort();
  let sum = Object.values(result).reduce((a, b) => a + b, 0);
  for (; sum > total; sum--) {
    const fullest = azs.reduce((best, az) => ((result[az] ?? 0) >= (result[best] ?? 0) ? az : best));
    result[fullest] = (result[fullest] ?? 0) - 1;
  }
  for (; sum < total; sum++) {
    const emptiest = azs.reduce((best, az) => ((result[az] ?? 0) < (result[best] ?? 0) ? az : best));
    result[emptiest] = (result[emptiest] ?? 0) + 1;
  }
  return result;
}

// Which nodes a lower count removes: the platform's rule, shared by the emulator (lib/nodes/lifecycle.ts) and the
// simulator's platform-picks model (lib/simulate/world.ts), so that both remove the same nodes from the same pool.
// ModelArts documents no order; this one ignores jobs on purpose, so that tests and the bench can show what a
// count-down costs the jobs on the nodes it takes.

/** Where a node stands, as far as a count-down is concerned. */
export type CountDownStanding = 'creating' | 'abnormal' | 'available' | 'leaving';

/** The least a count-down needs to know about a node. */
export interface CountDownNode {
  readonly flavor: string;
  /** '' for a flavor without AZs. */
  readonly az: string;
  /** `leaving` nodes (already being deleted) are not taken again. */
  readonly standing: CountDownStanding;
  /** Creation order: a higher number is a newer node. Not a time: nodes ordered together still differ. */
  readonly created: number;
}

const RANK: Record<Exclude<CountDownStanding, 'leaving'>, number> = {
  creating: 0,
  abnormal: 1,
  available: 2,
};

/**
 * The `n` nodes of `flavor` in `az` a count-down removes, first to last: nodes still being created are
 * cancelled first, then abnormal nodes go, then available ones; newest first within each, whatever runs on them.
 */
export function countDownOrder<T extends CountDownNode>(
  nodes: readonly T[],
  flavor: string,
  az: string,
  n: number,
): T[] {
  if (n <= 0) return [];
  const rank = (node: T) => RANK[node.standing as Exclude<CountDownStanding, 'leaving'>];
  return nodes
    .filter((node) => node.flavor === flavor && node.az === az && node.standing !== 'leaving')
    .sort((a, b) => rank(a) - rank(b) || b.created - a.created)
    .slice(0, n);
}

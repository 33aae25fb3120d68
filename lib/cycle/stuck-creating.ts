// Step 3c: nodes stuck in Creating (issue #15), on the pools' status before planning. Per managed flavor the pool
// remembers since when its status has shown nodes Creating (capacity.creatingSince); once that run is older than
// capacity.maxNodeProvisionSeconds, one node read finds the nodes of the flavor still Creating past that age and
// backs off their AZs (cluster-autoscaler's max-node-provision-time), once per backoff: a node that stays stuck
// doubles the wait each time the last one expires. The memory change is applied to the snapshot's history and again
// to the history loaded under the lease, so it is saved on every path, a pool that does not change included (its
// revision-conditional save, no lease).

import { blocks, nextBackoff } from '../capacity/backoff';
import type { CapacityMemory } from '../capacity/types';
import { WHOLE_FLAVOR } from '../capacity/types';
import { nodeFacts } from '../modelarts/node-facts';
import { createNodesApi } from '../modelarts/nodes';
import type { FlavorCount, Pool } from '../modelarts/schemas';
import { msg, type Reason, reason } from '../scaling/reasons';
import { capacitySettings } from './read-stock';
import type { CycleDeps, CycleWarning, Prepared } from './types';

const creatingOf = (pool: Pool, flavor: string): number =>
  ((pool.status?.resources?.creating ?? []) as FlavorCount[])
    .filter((entry) => entry.flavor === flavor || entry.flavor === undefined)
    .reduce((sum, entry) => sum + (entry.count ?? 0), 0);

/** A stuck node: its name, flavor and AZ (WHOLE_FLAVOR when the node names none). */
export interface StuckNode {
  name: string;
  flavor: string;
  az: string;
}

/** creatingSince as the pool's status shows it now: set on the first read with nodes Creating, dropped at 0. */
export function nextCreatingSince(prepared: Prepared, at: number): Record<string, number> {
  const { pool, policy, history } = prepared.input;
  const since: Record<string, number> = {};
  for (const flavor of Object.keys(policy.flavors)) {
    if (!pool.spec.resources.some((resource) => resource.flavor === flavor)) continue;
    if (creatingOf(pool, flavor) === 0) continue;
    since[flavor] = history.capacity?.creatingSince?.[flavor] ?? at;
  }
  return since;
}

/** The memory change: creatingSince, and a backoff for each stuck node's AZ with none live. */
export function creatingUpdate(
  prepared: Prepared,
  since: Record<string, number>,
  stuck: readonly StuckNode[],
  at: number,
): (memory: CapacityMemory | undefined) => CapacityMemory | undefined {
  return (memory) => {
    const next: CapacityMemory = { ...memory };
    if (Object.keys(since).length > 0) next.creatingSince = since;
    else delete next.creatingSince;
    for (const node of stuck) {
      const { backoff } = capacitySettings(prepared.input.policy.flavors[node.flavor]);
      const flavorAzs = { ...next.azs?.[node.flavor] };
      if (blocks(flavorAzs[node.az], at)) continue;
      flavorAzs[node.az] = nextBackoff(flavorAzs[node.az], 'stuck-creating', at, backoff);
      next.azs = { ...next.azs, [node.flavor]: flavorAzs };
    }
    return Object.keys(next).length === 0 ? undefined : next;
  };
}

/** The flavors whose Creating run is older than their maxNodeProvisionSeconds. */
const overdue = (prepared: Prepared, since: Record<string, number>, at: number): string[] =>
  Object.entries(since)
    .filter(
      ([flavor, from]) =>
        at - from >= capacitySettings(prepared.input.policy.flavors[flavor]).maxNodeProvisionSeconds * 1000,
    )
    .map(([flavor]) => flavor);

async function stuckNodes(
  deps: CycleDeps,
  prepared: Prepared,
  flavors: string[],
  at: number,
): Promise<StuckNode[]> {
  const { pool } = prepared.input;
  const nodes = await createNodesApi(deps.clients(prepared.snapshot.connection.name)).listNodes(
    pool.metadata.name,
  );
  return nodes
    .map((node) => nodeFacts(node))
    .filter((node) => {
      if (!flavors.includes(node.flavor) || node.phase !== 'Creating' || node.createdAt === undefined)
        return false;
      const limit =
        capacitySettings(prepared.input.policy.flavors[node.flavor]).maxNodeProvisionSeconds * 1000;
      return at - node.createdAt >= limit;
    })
    .map((node) => ({ name: node.name, flavor: node.flavor, az: node.az ?? WHOLE_FLAVOR }));
}

const stuckReason = (stuck: readonly StuckNode[]): Reason =>
  reason(
    'stuck-creating',
    msg`nodes still Creating after maxNodeProvisionSeconds: ${stuck.map((n) => `${n.name} (${n.flavor}, ${n.az === WHOLE_FLAVOR ? 'no AZ' : n.az})`).join(', ')}: growth avoids ${[...new Set(stuck.map((n) => n.az))].join(', ')} for a while`,
  );

export interface CreatingWatch {
  /** Per prepared index: the reasons to add to the pool's plan. */
  reasons: Map<number, Reason[]>;
  warnings: CycleWarning[];
}

/**
 * Updates each prepared pool's creatingSince (and stuck backoffs) in its input history and sets the same change on
 * `prepared.capacityUpdate` for the save under the lease. One node read per pool with an overdue flavor.
 */
export async function watchCreating(
  deps: CycleDeps,
  prepared: Prepared[],
  at: number,
): Promise<CreatingWatch> {
  const watch: CreatingWatch = { reasons: new Map(), warnings: [] };
  await Promise.all(
    prepared.map(async (entry, index) => {
      const since = nextCreatingSince(entry, at);
      const had = entry.input.history.capacity?.creatingSince ?? {};
      if (Object.keys(since).length === 0 && Object.keys(had).length === 0) return;
      let stuck: StuckNode[] = [];
      const late = overdue(entry, since, at);
      if (late.length > 0) {
        try {
          stuck = await stuckNodes(deps, entry, late, at);
        } catch (error) {
          const why = error instanceof Error ? error.message : String(error);
          watch.warnings.push({
            code: 'stuck-creating-unread',
            connection: entry.snapshot.connection.name,
            message: `pool ${entry.snapshot.key}: nodes Creating for over maxNodeProvisionSeconds, but the node list could not be read (no backoff): ${why}`,
          });
        }
      }
      // Reported when it backs an AZ off: while that backoff lasts, the planner says why the AZ is avoided.
      const backsOff = stuck.some(
        (node) => !blocks(entry.input.history.capacity?.azs?.[node.flavor]?.[node.az], at),
      );
      const update = creatingUpdate(entry, since, stuck, at);
      entry.capacityUpdate = update;
      const capacity = update(entry.input.history.capacity);
      const { capacity: _old, ...rest } = entry.input.history;
      entry.input.history = capacity === undefined ? rest : { ...rest, capacity };
      if (backsOff) watch.reasons.set(index, [stuckReason(stuck)]);
    }),
  );
  return watch;
}

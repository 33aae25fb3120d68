// What a batch-delete may do to the pool's spec. Whether ModelArts lowers `spec.resources[].count` by itself
// after one is unconfirmed (node-apis.md): the emulator plays both answers, this is the "it does" one.

import type { PoolFlavorResource } from '../modelarts/schemas';
import type { PoolNode } from './types';

/** `resources` with one node fewer, in its flavor and AZ, for each of `removed`. AZs left empty are dropped. */
export function lowerSpecCounts(
  resources: readonly PoolFlavorResource[],
  removed: readonly Pick<PoolNode, 'flavor' | 'az'>[],
): PoolFlavorResource[] {
  return resources.map((resource) => {
    const gone = removed.filter((node) => node.flavor === resource.flavor);
    if (gone.length === 0) return resource;
    const lowered: PoolFlavorResource = { ...resource, count: Math.max(0, resource.count - gone.length) };
    if (resource.azs) {
      lowered.azs = resource.azs
        .map((entry) => ({
          ...entry,
          count: Math.max(0, entry.count - gone.filter((node) => node.az === entry.az).length),
        }))
        .filter((entry) => entry.count > 0);
    }
    return lowered;
  });
}

// The capacity refusals of a PATCH (issue #15): over a project quota, or growing a flavor where it is sold out.
// Quota is checked first (it is the project's, whatever the AZ), then stock. Codes and wording follow the rules
// (capacity-rules.ts); the messages are the emulator's own, as ModelArts publishes only the codes.

import type { Pool, PoolFlavorResource } from '../lib/modelarts/schemas';
import { type CapacityRules, quotaStatus } from './capacity-rules';
import type { FlavorPlacement } from './placement';
import { ApiError } from './route';

/** Nodes of `flavor` over the project's pools, with `pool`'s count replaced by `after`'s. */
function projectCount(
  pools: readonly Pool[],
  pool: string,
  flavor: string,
  after: readonly PoolFlavorResource[],
) {
  let total = 0;
  for (const other of pools) {
    const resources = other.metadata.name === pool ? after : other.spec.resources;
    for (const resource of resources) if (resource.flavor === flavor) total += resource.count;
  }
  return total;
}

/** A quota refusal for a flavor the PATCH grows past its quota. */
export function quotaRefusal(
  rules: CapacityRules,
  pools: readonly Pool[],
  before: Pool,
  after: readonly PoolFlavorResource[],
): ApiError | undefined {
  const had = new Map(before.spec.resources.map((resource) => [resource.flavor, resource.count]));
  for (const resource of after) {
    const limit = rules.quotas[resource.flavor];
    if (limit === undefined || resource.count <= (had.get(resource.flavor) ?? 0)) continue;
    const total = projectCount(pools, before.metadata.name, resource.flavor, after);
    if (total <= limit) continue;
    // "quota ... ;" first, so that a reader taking the quota's name from the message gets "node quota ...".
    return new ApiError(
      quotaStatus(rules.quotaCode),
      rules.quotaCode,
      `Quota insufficient: node quota per flavor is ${limit}; flavor ${resource.flavor} would have ${total} nodes over the project's pools`,
    );
  }
  return undefined;
}

/** A sold-out refusal for the first flavor whose growth needs a sold-out AZ. */
export function soldOutRefusal(
  rules: CapacityRules,
  placements: readonly FlavorPlacement[],
): ApiError | undefined {
  const blocked = placements.find((placement) => placement.blocked.length > 0);
  if (!blocked) return undefined;
  const where = blocked.anyAz
    ? ` in every AZ it can be placed in (${blocked.blocked.join(', ')})`
    : ` in ${blocked.blocked[0]}`;
  return new ApiError(
    400,
    rules.soldOutCode,
    `Resource flavor ${blocked.flavor} is sold out${rules.soldOutNamesAz ? where : ''}, please try again later or choose another flavor`,
  );
}

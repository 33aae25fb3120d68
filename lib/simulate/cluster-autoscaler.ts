import type { PoolFlavorResource } from '../modelarts/schemas';
import { cleanAzs, type FlavorChange, patchBody } from '../scaling/patch';
import type { FlavorPolicy, PoolPolicy } from '../scaling/policy';
import { checkBacklog } from '../scaling/target';
import { backlogNeed, splitAzs } from '../scaling/zones';
import type { Controller, ControllerView, Decision } from './controllers';

// The cluster-autoscaler-equivalent baseline: kubernetes/autoscaler's rules for one node group per flavor,
// as /work/shared/scaling-reference.md restates them, over the same simulated world.
//
//   scale-up     at once, for all the pending work: the nodes the flavor's work asks for (backlog / targetPerNode,
//                rounded up, within min and max) minus the nodes it has, where upcoming (creating) nodes count as
//                present, so the same pending work never buys twice.
//   unneeded     an idle node (ready, running nothing, not drained) is unneeded while the flavor holds more
//                nodes than its work asks for; its timer restarts the cycle it is needed again. The nodes
//                unneeded longest keep their timers (CA keeps the same candidates from scan to scan).
//   scale-down   a node unneeded for 10 minutes (scale-down-unneeded-time) is deleted by name, as CA deletes an
//                empty node, never below min, and nothing is removed within 10 minutes of the pool's last
//                scale-up, of any flavor (scale-down-delay-after-add holds the whole cluster).
// Scans run each simulated cycle (CA scans every 10 s; the cycle is the simulation's resolution).

export const CA_UNNEEDED_SECONDS = 600;
export const CA_DELAY_AFTER_ADD_SECONDS = 600;

export function clusterAutoscalerController(policy: PoolPolicy): Controller {
  const policies = new Map(Object.values(policy.flavors).map((p) => [p.flavor, p]));
  /** Per node name: since when it is unneeded (epoch ms). */
  let unneededSince = new Map<string, number>();
  /** The pool's last scale-up (epoch ms). */
  let lastScaleUp = Number.NEGATIVE_INFINITY;
  return {
    decide(view, now) {
      const ups = new Map<string, FlavorChange>();
      const leaving: string[] = [];
      const { nodes, busyIps } = view.readNodes();
      const next = new Map<string, number>();
      for (const resource of view.pool.spec.resources) {
        const flavorPolicy = policies.get(resource.flavor);
        if (flavorPolicy === undefined) continue;
        const wanted = wantedNodes(flavorPolicy, view, resource.flavor);
        if (wanted > resource.count) {
          const up = scaleUp(flavorPolicy, resource, wanted, view);
          if (up !== undefined) {
            ups.set(resource.flavor, up);
            lastScaleUp = now;
          }
          continue;
        }
        const idle = nodes
          .filter(
            (node) =>
              node.flavor === resource.flavor &&
              node.phase === 'Available' &&
              !node.drained &&
              !node.acceleratorsBusy &&
              !busyIps.has(node.privateIp ?? ''),
          )
          .map((node) => ({ name: node.name, since: unneededSince.get(node.name) ?? now }))
          .sort((a, b) => a.since - b.since || a.name.localeCompare(b.name));
        const surplus = Math.min(idle.length, resource.count - wanted);
        const unneeded = idle.slice(0, Math.max(0, surplus));
        for (const node of unneeded) next.set(node.name, node.since);
        if (now - lastScaleUp < CA_DELAY_AFTER_ADD_SECONDS * 1000) continue;
        const due = unneeded.filter((node) => now - node.since >= CA_UNNEEDED_SECONDS * 1000);
        const room = Math.max(0, resource.count - flavorPolicy.min);
        for (const node of due.slice(0, room)) {
          leaving.push(node.name);
          next.delete(node.name);
        }
      }
      unneededSince = next;
      const body = patchBody(view.pool.spec.resources, ups);
      const decision: Decision = { patches: body === undefined ? [] : [body] };
      if (leaving.length > 0) decision.named = { drain: [], undrain: [], delete: leaving };
      return decision;
    },
  };
}

/** The nodes the flavor's work asks for, within min and max; a backlog that cannot be read asks for none. */
function wantedNodes(policy: FlavorPolicy, view: ControllerView, flavor: string): number {
  const backlog = checkBacklog(view.backlogs[flavor], flavor);
  // No reading: keep what it has (CA never removes nodes on missing data: the count is held).
  if (!backlog.ok) return Number.POSITIVE_INFINITY;
  const need = Math.ceil(backlog.value / policy.targetPerNode - 1e-9);
  return Math.min(policy.max, Math.max(policy.min, need));
}

function scaleUp(
  policy: FlavorPolicy,
  resource: PoolFlavorResource,
  wanted: number,
  view: ControllerView,
): FlavorChange | undefined {
  if (!Number.isFinite(wanted)) return undefined;
  const azs = resource.azs !== undefined && resource.azs.length > 0 ? cleanAzs(resource.azs) : undefined;
  const backlog = checkBacklog(view.backlogs[resource.flavor], resource.flavor);
  const split = splitAzs(policy.azStrategy, azs, wanted, backlogNeed(policy, backlog));
  return split.ok ? { count: wanted, azs: split.azs } : undefined;
}

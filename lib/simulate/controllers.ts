import type { Backlog } from '../metrics/backlog';
import type { Pool, PoolFlavorResource } from '../modelarts/schemas';
import { cleanAzs, type FlavorChange, type PatchBody, patchBody } from '../scaling/patch';
import { plan } from '../scaling/plan';
import type { DirectionRules, FlavorPolicy, PoolPolicy } from '../scaling/policy';
import { checkBacklog, computeTarget } from '../scaling/target';
import { backlogNeed, splitAzs } from '../scaling/zones';
import { emptyHistory, type PoolHistory } from '../state/store';

// What decides the pool's counts each cycle: the product's real planner with the config's policy, or a
// baseline to compare it with. Each returns the PATCH bodies to send this cycle, in order.
//
//   policy       lib/scaling plan(), its history kept from cycle to cycle as the state store would keep it
//   static-max   every managed flavor at its max, never changed
//   static-mean  every managed flavor at the mean node demand of the trace (node-seconds of work / duration,
//                rounded up, within min and max), never changed
//   keda         KEDA/HPA's bare rule: ceil(backlog / targetPerNode) within min and max every cycle, with no
//                tolerance, stabilization, step limit, cooldown or in-flight guard. A cycle that grows one
//                flavor and shrinks another sends two updates (ModelArts refuses one doing both).
//   keda-guarded the same bare rule run through the real planner, so under every guard the product keeps:
//                above all, no scale-down while the flavor has nodes creating or deleting. Set beside `keda`,
//                it prices that guard; set beside `policy`, it prices the policy's windows and steps.

export const POLICY_NAMES = ['policy', 'static-max', 'static-mean', 'keda', 'keda-guarded'] as const;
export type PolicyName = (typeof POLICY_NAMES)[number];

export const POLICY_LABELS: Record<PolicyName, string> = {
  policy: 'policy',
  'static-max': 'static at max',
  'static-mean': 'static at mean',
  keda: 'KEDA-equivalent',
  'keda-guarded': 'KEDA-eq. + guard',
};

export interface Controller {
  decide(pool: Pool, backlogs: Record<string, Backlog>, now: number): PatchBody[];
}

export function plannerController(key: string, configured: PoolPolicy): Controller {
  let history: PoolHistory = emptyHistory();
  // Bridge until the simulator models nodes (issue #14): an idle-nodes flavor is simulated as a count-down.
  const flavors: Record<string, FlavorPolicy> = {};
  for (const [name, flavor] of Object.entries(configured.flavors)) {
    flavors[name] = { ...flavor, scaleDown: { ...flavor.scaleDown, method: 'count' } };
  }
  const policy: PoolPolicy = { ...configured, flavors };
  return {
    decide(pool, backlogs, now) {
      const [result] = plan({ now, pools: [{ key, pool, policy, backlogs, history }] }).pools;
      if (result === undefined) return [];
      history = result.history;
      return result.patch === undefined ? [] : [result.patch];
    },
  };
}

export const staticController = (): Controller => ({ decide: () => [] });

const BARE: DirectionRules = {
  stabilizationWindowSeconds: 0,
  policies: [],
  selectPolicy: 'Max',
  cooldownSeconds: 0,
};

/** The flavor's policy with everything but min, max, targetPerNode, activation and fallback switched off. */
export function kedaPolicy(policy: FlavorPolicy): FlavorPolicy {
  return {
    ...policy,
    tolerance: 0,
    scaleUp: { ...BARE },
    scaleDown: { ...BARE, enabled: true },
  };
}

/** The bare rule under the product's guards: the real planner with every flavor on kedaPolicy. */
export function guardedKedaController(key: string, policy: PoolPolicy): Controller {
  const flavors: Record<string, FlavorPolicy> = {};
  for (const [flavor, flavorPolicy] of Object.entries(policy.flavors))
    flavors[flavor] = kedaPolicy(flavorPolicy);
  return plannerController(key, { ...policy, flavors });
}

export function kedaController(policy: PoolPolicy): Controller {
  const policies = new Map(Object.values(policy.flavors).map((p) => [p.flavor, kedaPolicy(p)]));
  return {
    decide(pool, backlogs, now) {
      const ups = new Map<string, FlavorChange>();
      const downs = new Map<string, FlavorChange>();
      for (const resource of pool.spec.resources) {
        const flavorPolicy = policies.get(resource.flavor);
        if (flavorPolicy === undefined) continue;
        const current = resource.count;
        const backlog = checkBacklog(backlogs[resource.flavor], resource.flavor);
        const { target } = computeTarget({ policy: flavorPolicy, current, backlog, history: undefined, now });
        if (target === current) continue;
        const azs =
          resource.azs !== undefined && resource.azs.length > 0 ? cleanAzs(resource.azs) : undefined;
        const split = splitAzs(flavorPolicy.azStrategy, azs, target, backlogNeed(flavorPolicy, backlog));
        if (split.ok)
          (target > current ? ups : downs).set(resource.flavor, { count: target, azs: split.azs });
      }
      const bodies: PatchBody[] = [];
      let resources: readonly PoolFlavorResource[] = pool.spec.resources;
      // The second update is computed against the pool as the first leaves it.
      for (const changes of [ups, downs]) {
        const body = patchBody(resources, changes);
        if (body === undefined) continue;
        bodies.push(body);
        resources = body.spec.resources.map((resource) => ({ ...resource }));
      }
      return bodies;
    },
  };
}

import { recordOrder } from '../capacity/order';
import { backoffsAt } from '../capacity/record-refusal';
import type { FlavorStockMap } from '../capacity/types';
import type { Backlog } from '../metrics/backlog';
import type { NodeFacts } from '../modelarts/node-facts';
import type { Pool, PoolFlavorResource } from '../modelarts/schemas';
import type { UpdateRefusal } from '../modelarts/update-rules';
import type { KeptWhy, ScaleInChoice, ScaleInInput, ScaleInSettings } from '../scale-in/types';
import { cleanAzs, type FlavorChange, type PatchBody, patchBody } from '../scaling/patch';
import { type FlavorDecision, plan } from '../scaling/plan';
import type { DirectionRules, FlavorPolicy, PoolPolicy } from '../scaling/policy';
import { checkBacklog, computeTarget, stabilize } from '../scaling/target';
import { backlogNeed, splitAzs } from '../scaling/zones';
import { emptyHistory, type PoolHistory } from '../state/store';
import { awareStock, historyAfterRefusal } from './capacity';
import { forecastAt } from './forecast';
import type { FlavorExplanation, IdleCause } from './idle-causes';
import type { NamedOperations } from './named-nodes';

// What decides the pool's counts each cycle: the product's real planner with the config's policy, or a
// baseline to compare it with. Each returns the PATCH bodies to send this cycle, in order.
//
//   policy       lib/scaling plan(), its history kept from cycle to cycle as the state store would keep it.
//                With scale-down method idle-nodes, the planner's scale-downs are not sent as a lower count:
//                the scale-in choice (lib/scale-in) drains idle nodes and deletes them by name in a later
//                cycle, its per-node memory kept in the history.
//   static-max   every managed flavor at its max, never changed
//   static-mean  every managed flavor at the mean node demand of the trace (node-seconds of work / duration,
//                rounded up, within min and max), never changed
//   hpa          the real planner with Kubernetes HPA's default values (pkg/apis/autoscaling/v2/defaults.go): 10%
//                tolerance; scale-up window 0, 4 nodes or 100% per 15 s (Max); scale-down window 300 s, 100% per
//                15 s. Its nodes leave by the flavor's own scale-down method (idle-nodes by default): HPA's values
//                decide how many nodes, not which, so the row differs from `policy` in the values alone and
//                prices them (with `count` it would also pay the in-flight guard, which keda-guarded prices).
//   cluster-autoscaler  kubernetes/autoscaler's node-group rules over the same world (cluster-autoscaler.ts).
//   keda         KEDA/HPA's bare rule: ceil(backlog / targetPerNode) within min and max every cycle, with no
//                tolerance, stabilization, step limit, cooldown or in-flight guard. A cycle that grows one
//                flavor and shrinks another sends two updates (ModelArts refuses one doing both).
//   keda-guarded the same bare rule run through the real planner, so under every guard the product keeps:
//                above all, no scale-down while the flavor has nodes creating or deleting. Set beside `keda`,
//                it prices that guard; set beside `policy`, it prices the policy's windows and steps.
//                This is the bare rule under the platform's constraints. `keda` itself is an information row
//                only: it cancels nodes still being created for free, which no platform we can point to does
//                (what ModelArts does when a count drops mid-resize is unconfirmed): not achievable on ModelArts.

export const POLICY_NAMES = [
  'policy',
  'static-max',
  'static-mean',
  'hpa',
  'cluster-autoscaler',
  'keda-guarded',
  'keda',
] as const;
export type PolicyName = (typeof POLICY_NAMES)[number];

export const POLICY_LABELS: Record<PolicyName, string> = {
  policy: 'policy',
  'static-max': 'static at max',
  'static-mean': 'static at mean',
  hpa: 'HPA defaults',
  'cluster-autoscaler': 'CA-equivalent',
  'keda-guarded': 'KEDA-eq. + guard',
  keda: 'KEDA-eq., free cancel (n/a)',
};

/** The rows that are not achievable on ModelArts, for information only. */
export const INFORMATION_ONLY: ReadonlySet<PolicyName> = new Set(['keda']);

/** What a cycle reads: the pool and the backlogs always; the nodes only when a scale-in asks for them. */
export interface ControllerView {
  pool: Pool;
  backlogs: Record<string, Backlog>;
  readNodes(): { nodes: NodeFacts[]; busyIps: ReadonlySet<string> };
  /** Flavor stock per AZ, as GET resourceflavors answers now. */
  stock?: FlavorStockMap;
}

/** What a cycle sends: PATCH bodies in order, then the by-name node operations. */
export interface Decision {
  patches: PatchBody[];
  named?: NamedOperations;
}

export interface Controller {
  decide(view: ControllerView, now: number): Decision;
  /**
   * A PATCH of this cycle's decision was refused (sold out): what it was sent over, and the error. Returns the
   * backoffs it recorded. Without it, a refusal changes nothing the controller remembers.
   */
  refused?(
    refusal: UpdateRefusal,
    body: PatchBody,
    before: readonly PoolFlavorResource[],
    now: number,
  ): number;
  /**
   * After `decide`: what a forecasting planner's forecast read this cycle (forecastAt), for the chart; undefined
   * when it does not forecast (yet). Without it, the controller never forecasts.
   */
  forecast?(now: number): number | undefined;
  /**
   * After `decide`: what the planner made of each managed flavor this cycle, for the idle-time ledger
   * (idle-causes.ts). Without it, the run's idle time is not split by cause.
   */
  explain?(): readonly FlavorExplanation[];
}

export type ScaleInChooser = (input: ScaleInInput) => ScaleInChoice;

/** How the planner's scale-downs are carried out; without it, as a lower count. */
export interface ScaleInWiring {
  settings: ScaleInSettings;
  choose: ScaleInChooser;
}

/**
 * The flavor's policy without this product's warm headroom and forecast: the baselines are what a user could run
 * elsewhere, so `--headroom` and `--forecast` (or a config's) apply to the policy's columns only.
 */
function withoutFloors(policy: FlavorPolicy): FlavorPolicy {
  const { headroom: _headroom, forecast: _forecast, ...rest } = policy;
  return rest;
}

const patches = (body: PatchBody | undefined): Decision => ({ patches: body === undefined ? [] : [body] });

/**
 * lib/scaling plan() as a cycle runs it. A flavor on idle-nodes keeps its count in the PATCH; the plan lists
 * it under `scaleIn`, and, when there is no PATCH this cycle (as the cycle does), the scale-in choice names the
 * nodes to drain, delete or put back, its memory kept in the history.
 */
export function plannerController(key: string, policy: PoolPolicy, scaleIn: ScaleInWiring): Controller {
  let history: PoolHistory = emptyHistory();
  // The history the cycle's plan started from: what a refused PATCH leaves, with its backoffs.
  let planned = history;
  let explained: FlavorExplanation[] = [];
  return {
    decide(view, now) {
      const { pool, backlogs } = view;
      const stock = awareStock(policy, view.stock);
      const input = { key, pool, policy, backlogs, history, ...(stock === undefined ? {} : { stock }) };
      const [result] = plan({ now, pools: [input] }).pools;
      explained = [];
      if (result === undefined) return { patches: [] };
      explained = explainPlan(policy, history, result.flavors, now);
      planned = history;
      history = result.history;
      // As the cycle saves after a PATCH that went through: the order it started (refused: see `refused`).
      if (result.patch !== undefined)
        history = { ...history, capacity: recordOrder(history.capacity, result.patch, undefined, now) };
      if (result.patch !== undefined || result.scaleIn === undefined) return patches(result.patch);
      const { nodes, busyIps } = view.readNodes();
      const choice = scaleIn.choose({
        now,
        settings: scaleIn.settings,
        flavors: result.scaleIn,
        nodes,
        busyIps,
        memory: history.scaleIn ?? { nodes: {} },
        drainAvailable: true,
        undrainAvailable: true,
      });
      history = { ...history, scaleIn: choice.memory };
      explained = withChoice(explained, choice);
      const names = (list: readonly { name: string }[]) => list.map((node) => node.name);
      return {
        patches: [],
        named: { drain: names(choice.drain), undrain: names(choice.undrain), delete: names(choice.delete) },
      };
    },
    refused(refusal, body, before, now) {
      history = historyAfterRefusal(planned, policy, refusal, body, before, now);
      return backoffsAt(history.capacity, now);
    },
    // `planned` is the history this cycle's plan started from: the series the floor forecast from.
    forecast: (now) => forecastAt(policy, planned, now),
    explain: () => explained,
  };
}

/** The plan's managed flavors as the idle-time ledger reads them, with the count their windows left. */
function explainPlan(
  policy: PoolPolicy,
  history: PoolHistory,
  decisions: readonly FlavorDecision[],
  now: number,
): FlavorExplanation[] {
  const explained: FlavorExplanation[] = [];
  for (const decision of decisions) {
    const flavorPolicy = Object.hasOwn(policy.flavors, decision.flavor)
      ? policy.flavors[decision.flavor]
      : undefined;
    if (flavorPolicy === undefined) continue;
    const { flavor, current, desired, target } = decision;
    const flavorHistory = Object.hasOwn(history.flavors, flavor) ? history.flavors[flavor] : undefined;
    const stabilized =
      desired === undefined ? current : stabilize(flavorPolicy, flavorHistory, current, desired, now, []);
    const codes = decision.reasons.map((reason) => reason.code);
    explained.push({ flavor, current, desired, stabilized, target, codes, held: new Map() });
  }
  return explained;
}

/**
 * The explanation with the nodes the scale-in choice drained, or kept by a rule of its own (nodes drained ahead
 * stay the window's): its AZ rule and idle
 * timer keep only as many as the planner wants gone beyond those going (it also names idle nodes not needed).
 */
function withChoice(explained: FlavorExplanation[], choice: ScaleInChoice): FlavorExplanation[] {
  return explained.map((flavor) => {
    const mine = <T extends { flavor: string }>(list: readonly T[]) =>
      list.filter((node) => node.flavor === flavor.flavor);
    const held = new Map<string, IdleCause>();
    const kept = mine(choice.kept);
    // The drain holds only the nodes the planner wants gone now; those drained ahead are the window's.
    const draining = [
      ...mine([...choice.drain, ...choice.pick]).map((node) => node.name),
      ...kept.filter(({ why }) => why === 'drain-too-recent').map(({ name }) => name),
    ];
    const wanted = flavor.current - flavor.target - mine(choice.delete).length;
    for (const name of draining.slice(0, Math.max(wanted, 0))) held.set(name, 'drain');
    let short = flavor.current - flavor.target - held.size - mine(choice.delete).length;
    for (const { name, why } of kept) {
      const cause = KEPT_CAUSES[why];
      if (cause === undefined || short <= 0) continue;
      held.set(name, cause);
      short--;
    }
    return { ...flavor, held };
  });
}

const KEPT_CAUSES: Partial<Record<KeptWhy, IdleCause>> = {
  'az-not-allowed': 'az-rule',
  'idle-too-short': 'idle-timer',
};

export const staticController = (): Controller => ({ decide: () => ({ patches: [] }) });

const BARE: DirectionRules = {
  stabilizationWindowSeconds: 0,
  policies: [],
  selectPolicy: 'Max',
  cooldownSeconds: 0,
};

/**
 * The flavor's policy with everything but min, max, targetPerNode, activation and fallback switched off; its
 * nodes leave by a lower count, as KEDA's would.
 */
export function kedaPolicy(policy: FlavorPolicy): FlavorPolicy {
  return {
    ...withoutFloors(policy),
    tolerance: 0,
    scaleUp: { ...BARE },
    scaleDown: { ...BARE, enabled: true },
  };
}

/** The bare rule under the product's guards: the real planner with every flavor on kedaPolicy. */
export function guardedKedaController(key: string, policy: PoolPolicy, scaleIn: ScaleInWiring): Controller {
  const flavors: Record<string, FlavorPolicy> = {};
  for (const [flavor, flavorPolicy] of Object.entries(policy.flavors))
    flavors[flavor] = kedaPolicy(flavorPolicy);
  return plannerController(key, { ...policy, flavors }, scaleIn);
}

export function kedaController(policy: PoolPolicy): Controller {
  const policies = new Map(Object.values(policy.flavors).map((p) => [p.flavor, kedaPolicy(p)]));
  return {
    decide({ pool, backlogs }, now) {
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
      return { patches: bodies };
    },
  };
}

/** Kubernetes HPA's default behaviour (pkg/apis/autoscaling/v2/defaults.go) and tolerance (10%). */
export const HPA_DEFAULTS = {
  tolerance: 0.1,
  scaleUp: {
    stabilizationWindowSeconds: 0,
    policies: [
      { type: 'Nodes', value: 4, periodSeconds: 15 },
      { type: 'Percent', value: 100, periodSeconds: 15 },
    ],
    selectPolicy: 'Max',
    cooldownSeconds: 0,
  },
  scaleDown: {
    stabilizationWindowSeconds: 300,
    policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
    selectPolicy: 'Max',
    cooldownSeconds: 0,
  },
} as const satisfies { tolerance: number; scaleUp: DirectionRules; scaleDown: DirectionRules };

/** The flavor's policy with HPA's default values; min, max, targetPerNode and the scale-down method kept. */
export function hpaPolicy(policy: FlavorPolicy): FlavorPolicy {
  const rules = (direction: DirectionRules): DirectionRules => ({
    ...direction,
    policies: direction.policies.map((step) => ({ ...step })),
  });
  return {
    ...withoutFloors(policy),
    tolerance: HPA_DEFAULTS.tolerance,
    scaleUp: rules(HPA_DEFAULTS.scaleUp),
    scaleDown: { ...policy.scaleDown, ...rules(HPA_DEFAULTS.scaleDown), enabled: true },
  };
}

/** The real planner with every flavor on hpaPolicy. */
export function hpaController(key: string, policy: PoolPolicy, scaleIn: ScaleInWiring): Controller {
  const flavors: Record<string, FlavorPolicy> = {};
  for (const [flavor, flavorPolicy] of Object.entries(policy.flavors))
    flavors[flavor] = hpaPolicy(flavorPolicy);
  return plannerController(key, { ...policy, flavors }, scaleIn);
}

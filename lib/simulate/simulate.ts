import type { BacklogValue } from '../metrics/backlog';
import type { Pool, PoolFlavorResource } from '../modelarts/schemas';
import { chooseScaleIn } from '../scale-in';
import type { ScaleDownMethod, ScaleInSettings } from '../scale-in/types';
import type { PatchBody } from '../scaling/patch';
import type { PoolPolicy } from '../scaling/policy';
import { splitAzs } from '../scaling/zones';
import { patchPool } from './apply';
import { clusterAutoscalerController } from './cluster-autoscaler';
import {
  type Controller,
  guardedKedaController,
  hpaController,
  kedaController,
  POLICY_LABELS,
  POLICY_NAMES,
  type PolicyName,
  plannerController,
  type ScaleInChooser,
  type ScaleInWiring,
  staticController,
} from './controllers';
import {
  checkWindow,
  figuresOf,
  nodeSecondsAt,
  type Refusals,
  type ScaleActions,
  type SimulationFigures,
  type TimeWindow,
  type WindowFigures,
  windowFiguresOf,
} from './figures';
import { type IdleHours, IdleLedger } from './idle-causes';
import { applyNamed, busyIpsOf, type NamedOperations, nodeFactsOf } from './named-nodes';
import { type BacklogUnit, backlogByAz, backlogOf, nodeCounts, poolView } from './observe';
import { scaleDownOf, withScaleDown } from './scale-down';
import { type SoldOutWindow, stockAt } from './sold-out';
import type { SimJob } from './trace';
import { createWorld, type Delays, type PlatformModel, step, type WorldState } from './world';

// One simulation: the world moves between cycles, and every `intervalSeconds` the controller reads the pool and
// the backlogs, as a cycle would, and its updates are applied. Everything is a function of the setup: the same
// setup gives the same figures and the same series, bit for bit.

export interface SimulationSetup {
  /** The trace or scenario, for reports. */
  name: string;
  jobs: readonly SimJob[];
  /** "project/pool", the planner's key. */
  key: string;
  /** Every flavor the jobs use, with its AZs (counts are set per policy). */
  pool: Pool;
  policy: PoolPolicy;
  /** Per managed flavor: what its backlog counts. */
  units: Record<string, BacklogUnit>;
  /** The count an unmanaged flavor is held at. */
  heldCount: number;
  delays: Delays;
  /** How the platform carries out a lower count. */
  platform: PlatformModel;
  /** How the policy's first flavor leaves (method, idle and drain times), for reports; the policy has each flavor's. */
  scaleDown: ScaleInSettings;
  intervalSeconds: number;
  durationSeconds: number;
  /** Epoch ms of time 0, the planner's clock. */
  startAt: number;
  /** When flavors are sold out in an AZ; absent: never. */
  soldOut?: readonly SoldOutWindow[];
  /** The stock read fails every cycle (stock unknown): growth learns of a sold-out AZ from refusals alone. */
  stockReadFails?: boolean;
}

export interface SimulateOptions {
  /** Overrides the scale-down method of every flavor (for the policy only: the baselines lower the count). */
  method?: ScaleDownMethod;
  /** The scale-in choice the idle-nodes method runs; default the product's, lib/scale-in chooseScaleIn. */
  choose?: ScaleInChooser;
  /** Also judge this stretch apart (result.window); its ends must be cycle times or the end of the run. */
  window?: TimeWindow;
  /**
   * Read the forecast each cycle for the samples (default true). It decodes the flavor's series a second time
   * each cycle; a run whose samples are not drawn skips it.
   */
  drawForecast?: boolean;
}

export interface Sample {
  /** Seconds from the start. */
  t: number;
  /** Summed over flavors, in each flavor's unit. */
  backlog: number;
  /** Requested nodes (spec counts) after this cycle's updates. */
  target: number;
  available: number;
  busy: number;
  /**
   * With a forecasting policy, once it forecasts: the highest backlog it expects within its lead, summed over
   * the forecasting flavors, as the cycle read it (in forecastOnly mode too: what it would have acted on).
   */
  forecast?: number;
}

export interface SimulationResult {
  policy: PolicyName;
  /** How the planner's scale-downs went; undefined for the baselines that do not run the planner. */
  method?: ScaleDownMethod;
  platform: PlatformModel;
  label: string;
  /** The starting (and, for static policies, only) count per flavor. */
  initialCounts: Record<string, number>;
  figures: SimulationFigures;
  /** One sample per cycle. */
  series: Sample[];
  /** With options.window: the figures of that stretch alone. */
  window?: WindowFigures;
  /** For the controllers that plan with lib/scaling: idle node-hours by the rule that kept the nodes. */
  idle?: IdleHours;
}

export function simulate(
  setup: SimulationSetup,
  policyName: PolicyName = 'policy',
  options: SimulateOptions = {},
): SimulationResult {
  const initialCounts = startingCounts(setup, policyName);
  const managed = (flavor: string) => Object.hasOwn(setup.policy.flavors, flavor);
  const capacity: Record<string, number> = {};
  for (const [flavor, count] of Object.entries(initialCounts)) {
    const dynamic = managed(flavor) && !policyName.startsWith('static');
    capacity[flavor] = dynamic ? (setup.policy.flavors[flavor]?.max ?? count) : count;
  }
  let state = createWorld({
    jobs: setup.jobs,
    pool: withCounts(setup.pool, initialCounts),
    capacity,
    delays: setup.delays,
    platform: setup.platform,
    soldOut: setup.soldOut ?? [],
  });
  const policy = withScaleDown(
    setup.policy,
    options.method === undefined ? undefined : { method: options.method },
  );
  const settings = scaleDownOf(policy, setup.intervalSeconds);
  const method = policyName === 'policy' ? settings.method : undefined;
  const controller = controllerFor({ ...setup, policy }, policyName, {
    settings,
    choose: options.choose ?? chooseScaleIn,
  });
  const drawForecast = options.drawForecast ?? true;
  // The per-AZ split goes with every backlog of a flavor with AZs: only the 'backlog' AZ strategy reads it.
  const zoned = new Set(
    setup.pool.spec.resources.filter((r) => (r.azs?.length ?? 0) > 0).map((r) => r.flavor),
  );
  const actions: ScaleActions = { scaleActions: 0, scaleUps: 0, scaleDowns: 0 };
  const refusals: Refusals = { refusedUpdates: 0, backoffs: 0 };
  const windows = setup.soldOut ?? [];
  const series: Sample[] = [];
  const { intervalSeconds, durationSeconds } = setup;
  const window = options.window;
  if (window !== undefined) checkWindow(window, intervalSeconds, durationSeconds);
  const billed: { from?: number; to?: number } = {};
  const ledger = controller.explain === undefined ? undefined : new IdleLedger();
  for (let cycle = 0; cycle * intervalSeconds < durationSeconds; cycle++) {
    state = step(state, cycle * intervalSeconds - state.now);
    ledger?.settle(state);
    if (state.now === window?.from) billed.from = nodeSecondsAt(state);
    if (state.now === window?.to) billed.to = nodeSecondsAt(state);
    const now = setup.startAt + state.now * 1000;
    const backlogs: Record<string, BacklogValue> = {};
    let backlogTotal = 0;
    for (const [flavor, unit] of Object.entries(setup.units)) {
      const value = backlogOf(state, flavor, unit);
      backlogTotal += value;
      backlogs[flavor] = { ok: true, value, observedAt: now, source: 'simulated' };
      if (zoned.has(flavor)) backlogs[flavor].perAz = backlogByAz(state, flavor, unit);
    }
    const seen = state;
    const view = {
      pool: poolView(seen),
      backlogs,
      readNodes: () => ({ nodes: nodeFactsOf(seen, setup.startAt), busyIps: busyIpsOf(seen) }),
      // Without windows the stock is `normal` everywhere: the same as unknown to the planner.
      ...(windows.length === 0 || setup.stockReadFails === true
        ? {}
        : { stock: stockAt(seen.pool.spec.resources, windows, seen.now) }),
    };
    const decision = controller.decide(view, now);
    let refused = false;
    for (const body of decision.patches) {
      const before = state.pool.spec.resources;
      const outcome = patchPool(state, body);
      if (outcome.refusal !== undefined) {
        // As in a cycle, a refused update ends the pool's changes for this cycle.
        refused = true;
        refusals.refusedUpdates++;
        refusals.backoffs += controller.refused?.(outcome.refusal, body, before, now) ?? 0;
        break;
      }
      count(actions, before, body);
      state = outcome.state;
    }
    if (decision.named !== undefined && !refused) {
      countNamed(actions, state, decision.named);
      state = applyNamed(state, decision.named);
    }
    if (ledger !== undefined) ledger.classify(state, controller.explain?.() ?? []);
    series.push(sample(state, backlogTotal, drawForecast ? controller.forecast?.(now) : undefined));
  }
  state = step(state, durationSeconds - state.now);
  ledger?.settle(state);
  if (state.now === window?.to) billed.to = nodeSecondsAt(state);
  return {
    policy: policyName,
    ...(method === undefined ? {} : { method }),
    platform: setup.platform,
    label: labelOf(policyName, method),
    initialCounts,
    figures: figuresOf(state, durationSeconds, actions, refusals),
    series,
    ...(ledger === undefined ? {} : { idle: ledger.hours() }),
    ...(window === undefined
      ? {}
      : {
          window: windowFiguresOf(state, durationSeconds, window, {
            from: billed.from ?? 0,
            to: billed.to ?? 0,
          }),
        }),
  };
}

/** The policy with each scale-down method (the setup's first), then every baseline, on the same setup. */
export function compare(
  setup: SimulationSetup,
  options: Pick<SimulateOptions, 'choose'> = {},
): SimulationResult[] {
  const methods: ScaleDownMethod[] =
    setup.scaleDown.method === 'count' ? ['count', 'idle-nodes'] : ['idle-nodes', 'count'];
  return [
    ...methods.map((method) => simulate(setup, 'policy', { ...options, method })),
    ...POLICY_NAMES.filter((name) => name !== 'policy').map((name) => simulate(setup, name, options)),
  ];
}

const labelOf = (name: PolicyName, method: ScaleDownMethod | undefined): string =>
  name === 'policy' && method !== undefined ? `${POLICY_LABELS[name]}, ${method}` : POLICY_LABELS[name];

function controllerFor(setup: SimulationSetup, name: PolicyName, scaleIn: ScaleInWiring): Controller {
  if (name === 'policy') return plannerController(setup.key, setup.policy, scaleIn);
  if (name === 'keda') return kedaController(setup.policy);
  if (name === 'hpa') return hpaController(setup.key, setup.policy, scaleIn);
  if (name === 'cluster-autoscaler') return clusterAutoscalerController(setup.policy);
  if (name === 'keda-guarded') return guardedKedaController(setup.key, setup.policy, scaleIn);
  return staticController();
}

/** Per flavor: min for the scaling policies, max or the mean demand for the static ones; held if unmanaged. */
export function startingCounts(setup: SimulationSetup, name: PolicyName): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { flavor } of setup.pool.spec.resources) {
    const policy = Object.hasOwn(setup.policy.flavors, flavor) ? setup.policy.flavors[flavor] : undefined;
    if (policy === undefined) counts[flavor] = setup.heldCount;
    else if (name === 'static-max') counts[flavor] = policy.max;
    else if (name === 'static-mean') {
      const mean = Math.ceil(meanDemand(setup, flavor) - 1e-9);
      counts[flavor] = Math.min(policy.max, Math.max(policy.min, mean));
    } else counts[flavor] = policy.min;
  }
  return counts;
}

/** The flavor's node-seconds of work over the simulated time: the average number of nodes it keeps busy. */
export function meanDemand(setup: SimulationSetup, flavor: string): number {
  let nodeSeconds = 0;
  for (const job of setup.jobs) if (job.flavor === flavor) nodeSeconds += job.nodes * job.runTime;
  return nodeSeconds / setup.durationSeconds;
}

/** The pool with these counts, each split evenly over the flavor's AZs. */
export function withCounts(pool: Pool, counts: Record<string, number>): Pool {
  const resources = pool.spec.resources.map((resource): PoolFlavorResource => {
    const count = counts[resource.flavor] ?? resource.count;
    if (resource.azs === undefined || resource.azs.length === 0) return { ...resource, count };
    const empty = resource.azs.map(({ az }) => ({ az, count: 0 }));
    const split = splitAzs({ type: 'balanced' }, empty, count);
    return { ...resource, count, azs: split.ok && split.azs !== undefined ? split.azs : empty };
  });
  return { ...pool, spec: { ...pool.spec, resources } };
}

function count(actions: ScaleActions, before: readonly PoolFlavorResource[], body: PatchBody): void {
  actions.scaleActions++;
  const counts = new Map(before.map((resource) => [resource.flavor, resource.count]));
  for (const { flavor, count: after } of body.spec.resources) {
    const from = counts.get(flavor) ?? 0;
    if (after > from) actions.scaleUps++;
    if (after < from) actions.scaleDowns++;
  }
}

/** A delete by name is one request, lowering each flavor it touches; drains change no count. */
function countNamed(actions: ScaleActions, state: WorldState, named: NamedOperations): void {
  if (named.delete.length === 0) return;
  actions.scaleActions++;
  const names = new Set(named.delete);
  const flavors = new Set(
    nodeFactsOf(state, 0).flatMap((node) => (names.has(node.name) ? [node.flavor] : [])),
  );
  actions.scaleDowns += flavors.size;
}

function sample(state: WorldState, backlog: number, forecast: number | undefined): Sample {
  let target = 0;
  for (const resource of state.pool.spec.resources) target += resource.count;
  const counts = { t: state.now, backlog, target, ...nodeCounts(state) };
  return forecast === undefined ? counts : { ...counts, forecast };
}

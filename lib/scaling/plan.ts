import { type BlockedAzs, blockedAzs, blockedBy, describeBlock } from '../capacity/blocked';
import { type OrderWait, orderWaits } from '../capacity/in-flight';
import { pruneCapacity } from '../capacity/memory';
import {
  type CapacitySettings,
  DEFAULT_CAPACITY,
  type FlavorStockMap,
  WHOLE_FLAVOR,
} from '../capacity/types';
import { leaveOutUnservable, unservableReason } from '../capacity/unservable';
import type { Backlog } from '../metrics/backlog';
import type { AzCount, FlavorCount, Pool, PoolFlavorResource } from '../modelarts/schemas';
import { plural } from '../plural';
import type { FlavorScaleIn } from '../scale-in/types';
import type { FlavorHistory, PoolHistory } from '../state/store';
import { drainAheadCount } from './drain-ahead';
import {
  changeConflictGuard,
  changeInFlightGuard,
  inFlightGuard,
  pausedScaleInGuard,
  pausedScaleOutGuard,
  policyGuard,
  poolGuards,
  prepaidScaleInGuard,
  stoppedScaleInGuard,
  unknownFlavorGuards,
} from './guards';
import { type HistoryHorizon, historyHorizon, nextFlavorHistory, pruneFlavorHistory } from './history';
import { cleanAzs, type FlavorChange, type PatchAz, type PatchBody, patchBody } from './patch';
import type { FlavorPolicy, PoolPolicy } from './policy';
import { msg, type Reason, reason } from './reasons';
import { checkBacklog, computeTarget, type TargetResult } from './target';
import { azNeed, fixedMinimum, splitAzs, withAzNeed } from './zones';

// plan(): every pool's targets, reasons, PATCH body and next history, from data alone. Dry-run and apply call
// the same function and differ only in whether the caller sends the body (invariant 9). Output objects are
// built with a fixed key order and without undefined values, so that JSON.stringify(plan) is stable.

export interface PoolInput {
  /** "project/pool". */
  key: string;
  pool: Pool;
  policy: PoolPolicy;
  /** Per flavor; a managed flavor without an entry is treated as a missing backlog. */
  backlogs: Record<string, Backlog>;
  history: PoolHistory;
  /** Pushed minimums per flavor (webhook): they raise targets, never lower them. */
  minCounts?: Record<string, number>;
  /** Flavor stock per AZ from this cycle's (or a shared, under 60 s old) read; undefined when unknown. */
  stock?: FlavorStockMap;
}

export interface PlanInput {
  /** Epoch milliseconds. */
  now: number;
  /** A global stop: every pool is skipped. */
  killSwitch?: boolean;
  pools: PoolInput[];
}

export type FlavorAction = 'scale-up' | 'scale-down' | 'hold' | 'skip';

export interface FlavorDecision {
  flavor: string;
  /** false: no policy for the flavor, so its count is kept (it is still listed in a PATCH). */
  managed: boolean;
  /** The requested count (spec.resources[].count); includes nodes in flight. */
  current: number;
  available: number;
  creating: number;
  deleting: number;
  /** Nodes in status.resources.abnormal: they cannot take jobs. Present only when there are some. */
  abnormal?: number;
  backlog?: number;
  backlogSource?: string;
  /** This cycle's recommendation, before stabilization, rate limits and guards. */
  desired?: number;
  target: number;
  azsBefore?: AzCount[];
  azsAfter?: AzCount[];
  action: FlavorAction;
  reasons: Reason[];
}

/** `scale-in`: no PATCH; named idle nodes are drained, deleted or put back (see `scaleIn`). */
export type PoolAction = 'patch' | 'scale-in' | 'hold' | 'skip';

export interface PoolPlan {
  key: string;
  /** metadata.name. */
  pool: string;
  action: PoolAction;
  reasons: Reason[];
  flavors: FlavorDecision[];
  patch?: PatchBody;
  /**
   * The idle-nodes flavors going down (their count stays in any PATCH body: they leave by name), and those with
   * nodes the scaler drained while demand returned. The cycle runs these only when there is no PATCH.
   */
  scaleIn?: FlavorScaleIn[];
  /** The history to save if this plan is applied. */
  history: PoolHistory;
}

export interface Plan {
  at: number;
  pools: PoolPlan[];
}

export function plan(input: PlanInput): Plan {
  const pools: PoolPlan[] = [];
  for (const pool of input.pools) pools.push(planPool(pool, input.now, input.killSwitch === true));
  return { at: input.now, pools };
}

/** What a flavor is about to become, before the pool-wide steps (mixed directions, zero counts) run. */
interface Draft {
  resource: PoolFlavorResource;
  policy: FlavorPolicy | undefined;
  /** What the flavor policy says that does not change between cycles (undefined when unmanaged). */
  rules: FlavorRules | undefined;
  history: FlavorHistory | undefined;
  backlog: Backlog | undefined;
  available: number;
  creating: number;
  deleting: number;
  abnormal: number;
  desired: number | undefined;
  target: number;
  /** Held above desired by the scale-down window: the count to drain down to now (lib/scaling/drain-ahead.ts). */
  ahead: number | undefined;
  /** The flavor's azs as {az, count} entries (see cleanAzs), shared by the decision while they do not change. */
  azsBefore: PatchAz[] | undefined;
  azsAfter: PatchAz[] | undefined;
  action: FlavorAction;
  reasons: Reason[];
}

export function planPool(input: PoolInput, now: number, killSwitch = false): PoolPlan {
  const { pool, policy } = input;
  const resources = pool.spec.resources;
  const rules = rulesOf(policy);
  const reasons = poolGuards({ pool, policy, killSwitch });
  const guarded = reasons.length > 0;
  for (const unknown of unknownFlavorGuards(pool, input)) reasons.push(unknown);

  let managed = 0;
  for (const resource of resources) if (rules.has(resource.flavor)) managed++;
  if (!guarded && managed === 0) {
    reasons.push(reason('no-managed-flavors', 'the config manages none of the flavors of this pool'));
  }
  const waits = orderInFlight(input, now);
  if (guarded || managed === 0) {
    const drafts = resources.map((resource) => baseDraft(input, resource, 'skip', rules));
    return poolPlan(input, 'skip', reasons, drafts, undefined, prunedHistory(input, drafts, now, waits));
  }

  const drafts = resources.map((resource) =>
    flavorDraft(input, baseDraft(input, resource, 'hold', rules), now),
  );
  for (const draft of drafts) if (draft.abnormal > 0) addReason(draft, abnormalReason(draft));
  // A change still being carried out (or refused with a conflict) holds every flavor, scale-in included: the
  // flavors are still planned, so that their windows keep this cycle's recommendation.
  const held = present(
    changeInFlightGuard(input.history.capacity?.order, waits),
    changeConflictGuard(input.history.capacity?.conflict, now),
  );
  if (held.length > 0) {
    for (const draft of drafts) hold(draft);
    for (const guard of held) reasons.push(guard);
    return poolPlan(input, 'hold', reasons, drafts, undefined, nextHistory(input, drafts, now, waits));
  }
  holdMixedDirections(drafts);
  const zero = holdZeroCounts(drafts);
  if (zero !== undefined) reasons.push(zero);

  const scaleIn = scaleInFlavors(input, drafts);
  let body: PatchBody | undefined;
  if (drafts.some((draft) => draft.target !== draft.resource.count && !byName(draft))) {
    const changes = new Map<string, FlavorChange>();
    for (const draft of drafts) {
      // An idle-nodes flavor keeps its count: a lower count would let ModelArts pick which nodes go.
      changes.set(
        draft.resource.flavor,
        byName(draft)
          ? { count: draft.resource.count, azs: draft.azsBefore }
          : { count: draft.target, azs: draft.azsAfter },
      );
    }
    body = patchBody(resources, changes);
  }
  const action = body !== undefined ? 'patch' : scaleIn !== undefined ? 'scale-in' : 'hold';
  return poolPlan(input, action, reasons, drafts, body, nextHistory(input, drafts, now, waits), scaleIn);
}

const NO_WAITS: readonly OrderWait[] = [];

/** The flavors of the last change the status does not show yet (empty: none, or settled). */
function orderInFlight(input: PoolInput, now: number): readonly OrderWait[] {
  const order = input.history.capacity?.order;
  if (order === undefined) return NO_WAITS;
  const resources = input.pool.spec.resources;
  const sole = resources.length === 1 ? resources[0]?.flavor : undefined;
  const settings = settingsOf(input.policy);
  return orderWaits(
    order,
    input.pool.status?.resources,
    sole,
    (flavor) => settings(flavor).maxNodeProvisionSeconds,
    now,
  );
}

/** A flavor's capacity settings: its policy's, or the defaults (a flavor not managed, a policy built without). */
const settingsOf =
  (policy: PoolPolicy) =>
  (flavor: string): CapacitySettings =>
    own(policy.flavors, flavor)?.capacity ?? DEFAULT_CAPACITY;

function abnormalReason(draft: Draft): Reason {
  const replaced =
    methodOf(draft.policy) === 'count'
      ? '; with scaleDown.method count they are not replaced'
      : draft.policy?.capacity?.replaceAbnormalAfterSeconds === undefined
        ? ''
        : msg`; replaced after ${draft.policy.capacity.replaceAbnormalAfterSeconds} s`;
  return reason(
    'abnormal-nodes',
    msg`${plural(draft.abnormal, 'Abnormal node')}: not capacity that can take jobs${replaced}`,
  );
}

/** A flavor going down by named idle nodes rather than by a lower count. */
const byName = (draft: Draft): boolean =>
  draft.action === 'scale-down' && methodOf(draft.policy) === 'idle-nodes';

const methodOf = (policy: FlavorPolicy | undefined) => policy?.scaleDown.method ?? 'count';

/** The idle-nodes flavors going down, and those holding with nodes the scaler drained (to be reused first). */
function scaleInFlavors(input: PoolInput, drafts: readonly Draft[]): FlavorScaleIn[] | undefined {
  let found: FlavorScaleIn[] | undefined;
  for (const draft of drafts) {
    const { policy, resource } = draft;
    if (policy === undefined || methodOf(policy) !== 'idle-nodes') continue;
    const down = draft.action === 'scale-down';
    const ahead = draft.action === 'hold' || down ? draft.ahead : undefined;
    const replaceAfter = policy.capacity?.replaceAbnormalAfterSeconds;
    // Abnormal nodes to replace (issue #15): only while no PATCH grows the flavor in the same cycle.
    const abnormal = replaceAfter !== undefined && draft.action !== 'scale-up' && draft.abnormal > 0;
    const drained = draft.action === 'hold' && hasDrained(input.history, resource.flavor);
    if (!down && !abnormal && ahead === undefined && !drained) continue;
    const entry: FlavorScaleIn = {
      flavor: resource.flavor,
      current: resource.count,
      target: down ? draft.target : resource.count,
      azStrategy: policy.azStrategy.type,
    };
    if (draft.azsBefore !== undefined) entry.azsBefore = draft.azsBefore;
    if (down && draft.azsAfter !== undefined) entry.azsAfter = draft.azsAfter;
    if (policy.scaleDown.idleSeconds !== undefined) entry.idleSeconds = policy.scaleDown.idleSeconds;
    if (policy.scaleDown.drainSeconds !== undefined) entry.drainSeconds = policy.scaleDown.drainSeconds;
    if (abnormal) entry.replaceAbnormalAfterSeconds = replaceAfter;
    if (ahead !== undefined) {
      entry.drainTo = ahead;
      addReason(draft, drainAheadReason(draft.target - ahead, policy.scaleDown));
    }
    if (down) addReason(draft, BY_NAME);
    found ??= [];
    found.push(entry);
  }
  return found;
}

function hasDrained(history: PoolHistory, flavor: string): boolean {
  const nodes = history.scaleIn?.nodes;
  if (nodes === undefined) return false;
  for (const name in nodes) {
    const node = nodes[name];
    if (node?.flavor === flavor && (node.drainedAt !== undefined || node.pickedAt !== undefined)) return true;
  }
  return false;
}

const drainAheadReason = (nodes: number, down: FlavorPolicy['scaleDown']): Reason =>
  reason(
    'drain-ahead',
    msg`the scale-down window releases ${plural(nodes, 'node')} within ${down.drainSeconds} s: idle ones are drained now, deleted once it has`,
  );

/** One shared reason: plans are read-only data, and a scale-down by name is common at 10,000 pools. */
const BY_NAME: Reason = reason(
  'idle-nodes',
  'nodes leave by name: idle nodes are drained, then deleted; the count is not lowered',
);

function flavorDraft(input: PoolInput, draft: Draft, now: number): Draft {
  const { pool, policy: poolPolicy } = input;
  const resource = draft.resource;
  const current = resource.count;
  const policy = draft.policy;
  if (policy === undefined) {
    draft.reasons = [reason('unmanaged', msg`no policy for flavor ${resource.flavor}: kept at ${current}`)];
    return draft;
  }
  const invalid = draft.rules?.invalid;
  if (invalid !== undefined) {
    draft.reasons = [invalid];
    return draft;
  }

  const blockUp = present(pausedScaleOutGuard(poolPolicy.paused));
  // Deleting named idle Available nodes cancels nothing, so nodes in flight block only a count-down.
  const blockDown = present(
    pausedScaleInGuard(poolPolicy.paused),
    prepaidScaleInGuard(pool),
    methodOf(policy) === 'count'
      ? inFlightGuard(draft.creating, draft.deleting)
      : stoppedScaleInGuard(input.history.scaleIn),
    methodOf(policy) === 'count' ? stoppedScaleInGuard(input.history.scaleIn) : undefined,
  );
  // The backlog enters the scaling core here, and is checked once. Jobs that can never run on this flavor are
  // left out, so that they do not hold nodes at max waiting for them (the decision shows what is left).
  const servable = leaveOutUnservable(checkBacklog(draft.backlog, policy.flavor), policy, draft.azsBefore);
  const backlog = servable.backlog;
  if (backlog.ok) draft.backlog = backlog;
  const need = azNeed(policy, resource, backlog);
  const result = computeTarget({
    policy,
    current,
    backlog: need === undefined ? backlog : withAzNeed(backlog, policy, need),
    history: draft.history,
    now,
    minCount: input.minCounts === undefined ? undefined : own(input.minCounts, resource.flavor),
    blockUp,
    blockDown,
  });
  draft.desired = result.desired;
  draft.reasons = need?.reason === undefined ? result.reasons : [need.reason, ...result.reasons];
  if (servable.unservable.length > 0)
    draft.reasons = [unservableReason(policy.flavor, servable.unservable), ...draft.reasons];
  let target = result.target;

  if (target < current && policy.azStrategy.type === 'fixed') {
    const minimum = fixedMinimum(resource.azs);
    if (target < minimum) {
      addReason(
        draft,
        reason(
          'az-fixed-minimum',
          msg`fixed AZs: ${target} raised to ${minimum}, one node in each AZ in use`,
        ),
      );
      target = minimum;
    }
  }
  const blocked = target > current ? blockedFor(input, draft, policy, now) : undefined;
  if (blocked !== undefined) {
    target = growAround(draft, policy, blocked, target, need?.nodes);
  } else if (target !== current) {
    const split = splitAzs(policy.azStrategy, resource.azs, target, need?.nodes);
    if (split.ok) {
      draft.azsAfter = split.azs;
    } else {
      addReason(draft, split.reason);
      target = current;
    }
  }
  draft.target = target;
  draft.action = target > current ? 'scale-up' : target < current ? 'scale-down' : 'hold';
  if (
    target === result.target &&
    target <= current &&
    blockDown.length === 0 &&
    backlog.ok &&
    canComeBack(input)
  )
    draft.ahead = aheadOf(policy, draft, result, now);
  return draft;
}

/** Drained ahead only where a drained node can be put back: ModelArts has not answered drain or undrain missing. */
const canComeBack = (input: PoolInput): boolean =>
  input.history.scaleIn?.drainUnavailableSince === undefined &&
  input.history.scaleIn?.undrainUnavailableSince === undefined;

/** The count drain-ahead drains the flavor down to, kept to the fixed AZ layout's minimum. */
function aheadOf(policy: FlavorPolicy, draft: Draft, result: TargetResult, now: number): number | undefined {
  const { count: current, azs } = draft.resource;
  const { target, history } = draft;
  const { desired, stabilized } = result;
  let ahead = drainAheadCount({ policy, history, current, target, desired, stabilized, now });
  if (ahead !== undefined && policy.azStrategy.type === 'fixed') ahead = Math.max(ahead, fixedMinimum(azs));
  return ahead !== undefined && ahead < target ? ahead : undefined;
}

/** What keeps the flavor's growth out of some AZs now (stock, backoffs); undefined when nothing does. */
function blockedFor(
  input: PoolInput,
  draft: Draft,
  policy: FlavorPolicy,
  now: number,
): BlockedAzs | undefined {
  return blockedAzs({
    flavor: draft.resource.flavor,
    hasAzs: draft.azsBefore !== undefined,
    memory: input.history.capacity,
    stock: input.stock,
    settings: policy.capacity ?? DEFAULT_CAPACITY,
    now,
  });
}

/**
 * Growth with some AZs blocked: placed in the allowed AZs as the strategy says (zones.ts, placeGrowth); what no
 * allowed AZ takes is left out, with a reason naming the AZs and why. Returns the target that can be placed.
 */
function growAround(
  draft: Draft,
  policy: FlavorPolicy,
  blocked: BlockedAzs,
  target: number,
  need: Readonly<Record<string, number>> | undefined,
): number {
  const current = draft.resource.count;
  const growth = target - current;
  if (draft.azsBefore === undefined) {
    if (blocked.every === undefined) return target;
    addReason(draft, noCapacity(growth, [describeBlock(WHOLE_FLAVOR, blocked.every)]));
    return current;
  }
  const isBlocked = (az: string) => blockedBy(blocked, az) !== undefined;
  const split = splitAzs(policy.azStrategy, draft.azsBefore, target, need, isBlocked);
  if (!split.ok) {
    addReason(draft, split.reason);
    return current;
  }
  // No blocked AZ was in the way of this split: it stands as it is.
  if (split.unplaced === undefined) {
    draft.azsAfter = split.azs;
    return target;
  }
  const why = (azs: readonly string[]) =>
    blocked.every !== undefined
      ? [describeBlock(WHOLE_FLAVOR, blocked.every)]
      : azs.map((az) =>
          describeBlock(az, blockedBy(blocked, az) as NonNullable<ReturnType<typeof blockedBy>>),
        );
  const waitsFor = split.waitsFor ?? [];
  if (split.unplaced >= growth) {
    const type = policy.azStrategy.type;
    const message =
      type === 'fixed'
        ? msg`fixed AZs never move, so growing by ${growth} waits for ${why(waitsFor).join('; ')}`
        : type === 'backlog' && waitsFor.length > 0
          ? msg`${plural(growth, 'added node')} for work tied to ${why(waitsFor).join('; ')}: not placed in other AZs, where that work cannot run`
          : msg`no AZ can take the ${plural(growth, 'added node')}: ${why(candidates(policy, draft.azsBefore, isBlocked)).join('; ')}`;
    addReason(draft, reason('no-capacity', message));
    return current;
  }
  draft.azsAfter = split.azs;
  const skipped = why(candidates(policy, draft.azsBefore, isBlocked)).join('; ');
  const short =
    split.unplaced > 0
      ? msg`; ${plural(split.unplaced, 'node')} for work tied to ${waitsFor.join(', ')} not placed elsewhere, where it cannot run`
      : '';
  addReason(draft, reason('az-skipped', msg`growth placed in the other AZs, skipping ${skipped}${short}`));
  return target - split.unplaced;
}

const noCapacity = (growth: number, why: readonly string[]): Reason =>
  reason('no-capacity', msg`no AZ can take the ${plural(growth, 'added node')}: ${why.join('; ')}`);

/** The blocked AZs the strategy could grow: the listed ones, and for `weighted` the AZs with a weight. */
function candidates(
  policy: FlavorPolicy,
  listed: readonly PatchAz[],
  isBlocked: (az: string) => boolean,
): string[] {
  const names = listed.map((slot) => slot.az);
  const strategy = policy.azStrategy;
  if (strategy.type === 'weighted') {
    for (const az of Object.keys(strategy.weights).sort()) {
      if (!names.includes(az) && (strategy.weights[az] ?? 0) > 0) names.push(az);
    }
  }
  return names.filter(isBlocked);
}

function baseDraft(
  input: PoolInput,
  resource: PoolFlavorResource,
  action: FlavorAction,
  poolRules: ReadonlyMap<string, FlavorRules>,
): Draft {
  const statusResources = input.pool.status?.resources;
  const flavor = resource.flavor;
  const rules = poolRules.get(flavor);
  const sole = input.pool.spec.resources.length === 1;
  const azs = resource.azs !== undefined && resource.azs.length > 0 ? cleanAzs(resource.azs) : undefined;
  return {
    resource,
    policy: rules?.policy,
    rules,
    history: own(input.history.flavors, flavor),
    backlog: own(input.backlogs, flavor),
    available: statusCount(statusResources?.available, flavor, sole),
    // Nodes in flight that name no flavor might be this one's: count them, so that no scale-down races them.
    creating: statusCount(statusResources?.creating, flavor, true),
    deleting: statusCount(statusResources?.deleting, flavor, true),
    abnormal: statusCount(statusResources?.abnormal, flavor, sole),
    desired: undefined,
    ahead: undefined,
    target: resource.count,
    azsBefore: azs,
    azsAfter: azs,
    action,
    reasons: NO_REASONS,
  };
}

/**
 * Reasons lists are kept exactly sized (a plan holds one per flavor, and an array grown by push keeps spare
 * slots): adding one copies the list, which happens for a few flavors only.
 */
function addReason(draft: Draft, added: Reason): void {
  draft.reasons = draft.reasons.concat(added);
}

/**
 * ModelArts refuses one change that grows a flavor while shrinking another. Growing goes first (work is
 * waiting); the scale-downs are held this cycle and happen on the next, once their own rules still agree.
 * Returns the indexes to hold, with the reason to give them.
 */
export function deferMixedDirection(actions: readonly FlavorAction[]): { hold: number[]; reason?: Reason } {
  const ups = actions.filter((a) => a === 'scale-up').length;
  if (ups === 0) return { hold: [] };
  const hold: number[] = [];
  actions.forEach((a, i) => {
    if (a === 'scale-down') hold.push(i);
  });
  if (hold.length === 0) return { hold };
  return {
    hold,
    reason: reason(
      'mixed-direction-deferred',
      msg`${ups} flavor(s) grow this cycle and one update cannot also shrink: this scale-down waits for the next cycle`,
    ),
  };
}

function holdMixedDirections(drafts: Draft[]): void {
  let up = false;
  let down = false;
  for (const draft of drafts) {
    if (draft.action === 'scale-up') up = true;
    else if (draft.action === 'scale-down') down = true;
  }
  if (!up || !down) return;
  const deferred = deferMixedDirection(drafts.map((d) => d.action));
  for (const i of deferred.hold) {
    const draft = drafts[i] as Draft;
    hold(draft);
    addReason(draft, deferred.reason as Reason);
  }
}

/** A flavor left at 0 (held by a guard, or unmanaged) would make ModelArts refuse the whole update. */
function holdZeroCounts(drafts: Draft[]): Reason | undefined {
  if (!drafts.some((d) => d.target !== d.resource.count)) return undefined;
  const empty = drafts.filter((d) => d.target < 1).map((d) => d.resource.flavor);
  if (empty.length === 0) return undefined;
  for (const draft of drafts) hold(draft);
  return reason(
    'zero-count',
    msg`flavor(s) ${empty.join(', ')} would be listed at 0 nodes: no update this cycle`,
  );
}

function hold(draft: Draft): void {
  draft.target = draft.resource.count;
  draft.ahead = undefined;
  draft.azsAfter = draft.azsBefore;
  if (draft.action === 'scale-up' || draft.action === 'scale-down') draft.action = 'hold';
}

function nextHistory(
  input: PoolInput,
  drafts: readonly Draft[],
  now: number,
  waits: readonly OrderWait[],
): PoolHistory {
  const flavors: Record<string, FlavorHistory> = {};
  for (const draft of drafts) {
    const { resource, policy, rules, history, desired, target, action } = draft;
    if (policy === undefined || rules === undefined) continue;
    if (desired === undefined) {
      // An unusable policy cannot say what to prune: keep what was there.
      if (history !== undefined) flavors[resource.flavor] = history;
      continue;
    }
    // An idle-nodes scale-down changes no count this cycle: no scale event, so no cooldown starts from it.
    const named = action === 'scale-down' && methodOf(policy) === 'idle-nodes';
    const cycle = {
      now,
      current: resource.count,
      desired,
      target: named ? resource.count : target,
      backlog: policy.forecast === undefined ? undefined : usableValue(draft.backlog),
    };
    flavors[resource.flavor] = nextFlavorHistory(history, policy, cycle, rules.horizon);
  }
  return withLastPatch(input, flavors, now, waits);
}

/** The backlog value the forecast records: only a usable reading. */
function usableValue(backlog: Backlog | undefined): number | undefined {
  return backlog?.ok === true && backlog.value >= 0 && Number.isFinite(backlog.value)
    ? backlog.value
    : undefined;
}

/** A skipped pool adds nothing to its history; what no window, period or cooldown reads is dropped. */
function prunedHistory(
  input: PoolInput,
  drafts: readonly Draft[],
  now: number,
  waits: readonly OrderWait[],
): PoolHistory {
  const flavors: Record<string, FlavorHistory> = {};
  for (const { resource, policy, rules, history } of drafts) {
    if (history === undefined || policy === undefined || rules === undefined) continue;
    flavors[resource.flavor] =
      rules.invalid === undefined ? pruneFlavorHistory(history, policy, now, rules.horizon) : history;
  }
  return withLastPatch(input, flavors, now, waits);
}

/** What a flavor policy says that does not change from cycle to cycle. */
interface FlavorRules {
  policy: FlavorPolicy;
  invalid: Reason | undefined;
  horizon: HistoryHorizon;
}

/** A pool policy's per-flavor rules, worked out once per plan of the pool rather than once per use. */
function rulesOf(policy: PoolPolicy): ReadonlyMap<string, FlavorRules> {
  const rules = new Map<string, FlavorRules>();
  for (const flavor of Object.keys(policy.flavors)) {
    const flavorPolicy = policy.flavors[flavor] as FlavorPolicy;
    const invalid = policyGuard(flavorPolicy);
    // An invalid policy's numbers may not be numbers; its history is kept as it is.
    const horizon =
      invalid === undefined ? historyHorizon(flavorPolicy) : { recommendationsMs: 0, eventsMs: 0 };
    rules.set(flavor, { policy: flavorPolicy, invalid, horizon });
  }
  return rules;
}

/** The pool-level part of the history (when the scaler last PATCHed) is the cycle's to set; it is kept as is. */
function withLastPatch(
  input: PoolInput,
  flavors: Record<string, FlavorHistory>,
  now: number,
  waits: readonly OrderWait[],
): PoolHistory {
  const previous = input.history;
  const next: PoolHistory =
    previous.lastPatchAt === undefined ? { flavors } : { flavors, lastPatchAt: previous.lastPatchAt };
  // The scale-in memory is the cycle's to change (under the lease, after its reads): carried as it is.
  if (previous.scaleIn !== undefined) next.scaleIn = previous.scaleIn;
  // The capacity memory too, less the backoffs whose row is over and a settled order.
  const capacity = pruneCapacity(previous.capacity, settingsOf(input.policy), waits.length === 0, now);
  if (capacity !== undefined) next.capacity = capacity;
  // What the last notifications said (lib/notify) is the cycle's to change: carried as it is.
  if (previous.notified !== undefined) next.notified = previous.notified;
  return next;
}

function poolPlan(
  input: PoolInput,
  action: PoolAction,
  reasons: Reason[],
  drafts: readonly Draft[],
  body: PatchBody | undefined,
  history: PoolHistory,
  scaleIn?: FlavorScaleIn[],
): PoolPlan {
  const key = input.key;
  const name = input.pool.metadata.name;
  const flavors = drafts.map(decision);
  // Spelled out so that the key order is the same with and without a body.
  if (scaleIn !== undefined) {
    return body === undefined
      ? { key, pool: name, action, reasons, flavors, scaleIn, history }
      : { key, pool: name, action, reasons, flavors, patch: body, scaleIn, history };
  }
  return body === undefined
    ? { key, pool: name, action, reasons, flavors, history }
    : { key, pool: name, action, reasons, flavors, patch: body, history };
}

function decision(draft: Draft): FlavorDecision {
  const { resource, backlog, desired, azsBefore, available, creating, deleting, target, action } = draft;
  const flavor = resource.flavor;
  const current = resource.count;
  // A fresh array for every decision, even where nothing was said (skipped pools share one empty list).
  const reasons = draft.reasons === NO_REASONS ? [] : draft.reasons;
  // The usual shapes as whole literals: an object grown property by property gets a second, out-of-object
  // store, one more object per decision for the garbage collector to move.
  if (
    backlog?.ok === true &&
    Number.isFinite(backlog.value) &&
    desired !== undefined &&
    draft.abnormal === 0
  ) {
    const value = backlog.value;
    const backlogSource = backlog.source;
    const azsAfter = draft.azsAfter ?? azsBefore;
    return azsBefore === undefined
      ? {
          flavor,
          managed: true,
          current,
          available,
          creating,
          deleting,
          backlog: value,
          backlogSource,
          desired,
          target,
          action,
          reasons,
        }
      : {
          flavor,
          managed: true,
          current,
          available,
          creating,
          deleting,
          backlog: value,
          backlogSource,
          desired,
          target,
          azsBefore,
          azsAfter,
          action,
          reasons,
        };
  }
  const result = {
    flavor,
    managed: draft.policy !== undefined,
    current,
    available,
    creating,
    deleting,
  } as FlavorDecision;
  if (draft.abnormal > 0) result.abnormal = draft.abnormal;
  if (backlog !== undefined) {
    if (backlog.ok && Number.isFinite(backlog.value)) result.backlog = backlog.value;
    result.backlogSource = backlog.source;
  }
  if (desired !== undefined) result.desired = desired;
  result.target = target;
  if (azsBefore !== undefined) {
    result.azsBefore = azsBefore;
    result.azsAfter = draft.azsAfter ?? azsBefore;
  }
  result.action = action;
  result.reasons = reasons;
  return result;
}

function statusCount(
  entries: readonly FlavorCount[] | undefined,
  flavor: string,
  unattributed: boolean,
): number {
  if (entries === undefined) return 0;
  let total = 0;
  for (const entry of entries) {
    if (entry.flavor === flavor || (entry.flavor === undefined && unattributed)) total += entry.count ?? 0;
  }
  return total;
}

const EMPTY: readonly Reason[] = [];
const NO_REASONS: Reason[] = [];

/** The guards that hold, as a list; the usual "none" allocates nothing. */
function present(a: Reason | undefined, b?: Reason, c?: Reason, d?: Reason): readonly Reason[] {
  if (a === undefined && b === undefined && c === undefined && d === undefined) return EMPTY;
  const found: Reason[] = [];
  if (a !== undefined) found.push(a);
  if (b !== undefined) found.push(b);
  if (c !== undefined) found.push(c);
  if (d !== undefined) found.push(d);
  return found;
}

const inherited = Object.prototype as unknown as Record<string, unknown>;

/**
 * Own properties only: a flavor called "constructor" must not find Object.prototype.constructor. (Checked
 * against the prototype rather than with Object.hasOwn: one lookup instead of two for the usual hit.)
 */
function own<T>(record: Record<string, T>, key: string): T | undefined {
  const value = record[key];
  if (value === undefined || value !== inherited[key]) return value;
  return Object.hasOwn(record, key) ? value : undefined;
}

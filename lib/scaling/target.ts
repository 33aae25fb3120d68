import type { Backlog, BacklogValue } from '../metrics/backlog';
import { plural } from '../plural';
import type { FlavorHistory, ScaleEvent } from '../state/store';
import { flavorBounds } from './floor';
import { recommendationsOrSeed } from './history';
import type { DirectionRules, FlavorPolicy, StepPolicy } from './policy';
import { msg, type Reason, type ReasonCode, reason } from './reasons';

// The target count of one flavor, the way a Kubernetes HPA with `behavior` computes replicas
// (pkg/controller/podautoscaler/horizontal.go), with KEDA's activation and fallback on top:
//
//   desired     ceil(backlog / targetPerNode), kept at current inside the tolerance band, at min below the
//               activation threshold, the fallback when the backlog is unusable; clamped to [min, max]
//   stabilized  current, raised to the LOWEST recommendation of the scale-up window and lowered to the HIGHEST
//               of the scale-down window (so it always lies between current and desired)
//   target      stabilized, within the step policies (periodStart = current - added + removed in the period),
//               not within a cooldown, not against a guard
//   range       a current count outside [min, max] is brought back to the nearest bound, ignoring windows,
//               step policies and cooldowns (as HPA does) but never a guard
//
// "current" is the requested count (spec.resources[].count), which already includes nodes in flight.

const MS = 1000;
// Backlogs and targets are decimals (0.1 jobs per node...); 3 / 0.1 is 30.000000000000004 in floating point.
const EPSILON = 1e-9;

export interface TargetInput {
  policy: FlavorPolicy;
  current: number;
  /** The flavor's backlog, checked (checkBacklog) where it entered the scaling core. */
  backlog: CheckedBacklog;
  history: FlavorHistory | undefined;
  now: number;
  /** A pushed minimum count (webhook): raises the target to at least min(minCount, max), never lowers it. */
  minCount?: number;
  /** Guards that forbid growing this cycle (paused scale-out...). */
  blockUp?: readonly Reason[];
  /** Guards that forbid shrinking this cycle (nodes in flight, paused scale-in, prepaid...). */
  blockDown?: readonly Reason[];
}

export interface TargetResult {
  /** This cycle's recommendation: what the backlog (or the fallback) asks for, within [min, max]. */
  desired: number;
  /** The count the windows leave (see stabilize), before step policies, cooldowns and guards. */
  stabilized: number;
  /** The count to request. */
  target: number;
  /** The minimum in force: the policy's, raised by the highest floor (lib/scaling/floor.ts). */
  min: number;
  /** The maximum in force: the policy's, lowered by a schedule's max. */
  max: number;
  /** How the target was reached and what held it back, in pipeline order. */
  reasons: Reason[];
}

/**
 * A backlog as the scaling core reads it, checked once where it enters (plan() for each flavor, or a direct
 * caller of computeTarget): a value that is a count, or why there is none. Nothing after the check looks at a
 * backlog's validity again.
 */
export type CheckedBacklog = BacklogValue | UnusableBacklog;

export interface UnusableBacklog {
  ok: false;
  failure: Reason;
}

/** `backlog` for the scaling core; a usable one is passed on as it is. */
export function checkBacklog(backlog: Backlog | undefined, flavor: string): CheckedBacklog {
  const failure = backlogGuard(backlog, flavor);
  return failure === undefined ? (backlog as BacklogValue) : { ok: false, failure };
}

/** A backlog that cannot be trusted never justifies a scale-down (invariant 7); the fallback decides the rest. */
export function backlogGuard(backlog: Backlog | undefined, flavor: string): Reason | undefined {
  if (backlog === undefined) {
    return reason('backlog-unavailable', msg`no backlog reported for flavor ${flavor}: no scale-down`);
  }
  if (!backlog.ok) {
    return reason(
      'backlog-unavailable',
      msg`backlog ${backlog.reason} (${backlog.source}): ${backlog.message}`,
    );
  }
  if (!(backlog.value >= 0) || backlog.value === Number.POSITIVE_INFINITY) {
    return reason(
      'backlog-unavailable',
      msg`backlog value ${backlog.value} from ${backlog.source} is not a count`,
    );
  }
  return undefined;
}

const NONE: readonly Reason[] = [];

// The reasons nearly every flavor gives, every cycle: shared, frozen sentences rather than 40,000 strings built
// per cycle (building them was a third of the planner's time). Those that carry numbers are memoized by them.
const shared = (code: Parameters<typeof reason>[0], message: string): Reason =>
  Object.freeze(reason(code, message));
const WITHIN_TOLERANCE = shared(
  'within-tolerance',
  'backlog per node is within the tolerance band: count kept',
);
const FALLBACK_HOLD = shared('fallback-hold', 'fallback: keep the current count');

const NO_EVENTS: readonly ScaleEvent[] = [];

export function computeTarget(input: TargetInput): TargetResult {
  const { policy, current, now } = input;
  const reasons: Reason[] = [];
  const bounds = flavorBounds(policy, {
    now,
    minCount: input.minCount,
    backlog: input.backlog.ok ? input.backlog.value : undefined,
    series: input.history?.backlogSeries,
  });
  const { min, max } = bounds;
  for (const moved of bounds.reasons) reasons.push(moved);
  const backlog = input.backlog;
  const failure = backlog.ok ? undefined : backlog.failure;

  let desired: number;
  if (backlog.ok) {
    desired = backlogDesired(policy, backlog.value, current, min, reasons);
  } else {
    reasons.push(backlog.failure);
    desired = fallbackDesired(policy, current, reasons);
  }
  desired = clampDesired(desired, min, max, reasons);

  const stabilized = stabilize(policy, input.history, current, desired, now, reasons);
  // Most flavors hold: then no guard, step policy or cooldown has anything to say.
  if (stabilized === current && current >= min && current <= policy.max) {
    return { desired, stabilized, target: current, min, max, reasons };
  }
  const blocks = new DirectionBlocks(
    policy,
    input.blockUp ?? NONE,
    input.blockDown ?? NONE,
    failure,
    reasons,
  );
  const events = input.history?.events ?? NO_EVENTS;

  let target = current;
  if (stabilized !== current) target = limitMove(policy, events, current, stabilized, now, blocks, reasons);

  if (current > policy.max && target > policy.max && blocks.downAllowed()) {
    target = policy.max;
    reasons.push(
      reason('out-of-range', msg`count ${current} is above max ${policy.max}: down to ${policy.max}`),
    );
  } else if (current < min && target < min && blocks.upAllowed()) {
    target = min;
    reasons.push(reason('out-of-range', msg`count ${current} is below min ${min}: up to ${min}`));
  }
  return { desired, stabilized, target, min, max, reasons };
}

function fallbackDesired(policy: FlavorPolicy, current: number, reasons: Reason[]): number {
  const fallback = policy.fallback;
  if (fallback.type === 'fixed') {
    const desired = Math.max(current, fallback.count);
    reasons.push(
      reason(
        'fallback-fixed',
        msg`fallback to ${plural(fallback.count, 'node')}, never below current ${current}`,
      ),
    );
    return desired;
  }
  reasons.push(FALLBACK_HOLD);
  return current;
}

function backlogDesired(
  policy: FlavorPolicy,
  backlog: number,
  current: number,
  min: number,
  reasons: Reason[],
) {
  if (backlog < policy.activationThreshold) {
    reasons.push(
      reason(
        'below-activation',
        msg`backlog ${backlog} is below the activation threshold ${policy.activationThreshold}: sits at min ${min}`,
      ),
    );
    return min;
  }
  const perNode = policy.targetPerNode;
  const ratio = backlog / perNode;
  const raw = Math.ceil(ratio - ratio * EPSILON);
  // HPA applies no tolerance when scaling up from zero; with min >= 1 the flavor's minimum plays that part.
  const fromFloor = current <= min && raw > current;
  if (current > 0 && !fromFloor) {
    const usage = backlog / (current * perNode);
    if (Math.abs(1 - usage) <= policy.tolerance + EPSILON) {
      reasons.push(WITHIN_TOLERANCE);
      return current;
    }
  }
  reasons.push(desiredReason(backlog, perNode, raw));
  return raw;
}

function clampDesired(desired: number, min: number, max: number, reasons: Reason[]): number {
  if (desired > max) {
    reasons.push(reason('clamped-max', msg`${desired} capped at max ${max}`));
    return max;
  }
  if (desired < min) {
    reasons.push(reason('clamped-min', msg`${desired} raised to min ${min}`));
    return min;
  }
  return desired;
}

/**
 * The count the windows leave: current, raised to the lowest recommendation of the scale-up window and lowered
 * to the highest of the scale-down window (this cycle's `desired` among them). Says in `reasons` which held it.
 */
export function stabilize(
  policy: FlavorPolicy,
  history: FlavorHistory | undefined,
  current: number,
  desired: number,
  now: number,
  reasons: Reason[],
): number {
  const upWindow = policy.scaleUp.stabilizationWindowSeconds;
  const downWindow = policy.scaleDown.stabilizationWindowSeconds;
  const upCutoff = now - upWindow * MS;
  const downCutoff = now - downWindow * MS;
  let upLowest = desired;
  let downHighest = desired;
  for (const { at, count } of recommendationsOrSeed(history, current, now)) {
    if (at > upCutoff && count < upLowest) upLowest = count;
    if (at > downCutoff && count > downHighest) downHighest = count;
  }
  let stabilized = current;
  if (stabilized < upLowest) stabilized = upLowest;
  if (stabilized > downHighest) stabilized = downHighest;
  if (stabilized !== desired) {
    reasons.push(desired > current ? stabilizedBy(true, upWindow) : stabilizedBy(false, downWindow));
  }
  return stabilized;
}

/**
 * What stops each direction this cycle. Built only when the target tries to move that way (most flavors hold),
 * and its reasons are added to the decision once, however often that direction is tried.
 */
class DirectionBlocks {
  private up: readonly Reason[] | undefined;
  private down: readonly Reason[] | undefined;

  constructor(
    private readonly policy: FlavorPolicy,
    private readonly blockUp: readonly Reason[],
    private readonly blockDown: readonly Reason[],
    private readonly backlogFailure: Reason | undefined,
    private readonly reasons: Reason[],
  ) {}

  upAllowed(): boolean {
    if (this.up === undefined) {
      const disabled = this.policy.scaleUp.selectPolicy === 'Disabled';
      this.up = disabled
        ? [...this.blockUp, reason('scale-up-disabled', 'scaleUp.selectPolicy is Disabled')]
        : this.blockUp;
      this.report(this.up);
    }
    return this.up.length === 0;
  }

  downAllowed(): boolean {
    if (this.down === undefined) {
      const { scaleDown } = this.policy;
      const down = [...this.blockDown];
      if (this.backlogFailure !== undefined) down.push(this.backlogFailure);
      if (!scaleDown.enabled) down.push(reason('scale-down-disabled', 'scaleDown.enabled is false'));
      if (scaleDown.selectPolicy === 'Disabled') {
        down.push(reason('scale-down-disabled', 'scaleDown.selectPolicy is Disabled'));
      }
      this.down = down;
      this.report(down);
    }
    return this.down.length === 0;
  }

  // The backlog failure is already among the reasons: it blocks all the same, and is listed once.
  private report(blocks: readonly Reason[]): void {
    for (const block of blocks) if (!this.reasons.includes(block)) this.reasons.push(block);
  }
}

/** The step policies and cooldown of the direction the count moves in, and the guards against moving that way. */
function limitMove(
  policy: FlavorPolicy,
  events: readonly ScaleEvent[],
  current: number,
  stabilized: number,
  now: number,
  blocks: DirectionBlocks,
  reasons: Reason[],
): number {
  const up = stabilized > current;
  const rules = up ? policy.scaleUp : policy.scaleDown;
  const allowed = up ? blocks.upAllowed() : blocks.downAllowed();
  if (!allowed || inCooldown(rules, events, now, up ? 'scale-up' : 'scale-down', reasons)) return current;
  const direction = up ? 1 : -1;
  // Changes already made this period can put the limit behind current: then nothing more, but no move back.
  const limit =
    direction * Math.max(direction * stepLimit(rules, events, current, now, direction), direction * current);
  if (direction * stabilized <= direction * limit) return stabilized;
  reasons.push(rateLimited(up, limit));
  return limit;
}

function inCooldown(
  rules: DirectionRules,
  events: readonly ScaleEvent[],
  now: number,
  direction: string,
  reasons: Reason[],
): boolean {
  if (rules.cooldownSeconds <= 0 || events.length === 0) return false;
  let last = Number.NEGATIVE_INFINITY;
  for (const event of events) if (event.at > last) last = event.at;
  const since = now - last;
  if (since >= rules.cooldownSeconds * MS) return false;
  reasons.push(
    reason(
      'cooldown',
      msg`last change ${Math.round(since / MS)}s ago; no ${direction} within ${rules.cooldownSeconds}s of a change`,
    ),
  );
  return true;
}

/**
 * HPA's calculateScaleUpLimitWithScalingRules / calculateScaleDownLimitWithBehaviors: the furthest count the
 * step policies allow in `direction` (+1 up, -1 down). No policies: no rate limit.
 */
export function stepLimit(
  rules: DirectionRules,
  events: readonly ScaleEvent[],
  current: number,
  now: number,
  direction: 1 | -1,
): number {
  if (rules.policies.length === 0) return direction * Number.POSITIVE_INFINITY;
  // Max picks the policy allowing the biggest change: the highest limit up, the lowest down.
  const widest = (rules.selectPolicy === 'Min') === (direction === -1);
  let result = widest ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  for (const step of rules.policies) {
    const proposed = proposedLimit(
      step,
      periodStart(events, current, now - step.periodSeconds * MS),
      direction,
    );
    result = widest ? Math.max(result, proposed) : Math.min(result, proposed);
  }
  return result;
}

/** The count at the start of the period: current minus what was added plus what was removed since `cutoff`. */
export function periodStart(events: readonly ScaleEvent[], current: number, cutoff: number): number {
  let start = current;
  for (const { at, from, to } of events) if (at > cutoff) start -= to - from;
  return start;
}

function proposedLimit(step: StepPolicy, start: number, direction: 1 | -1): number {
  if (step.type === 'Nodes') return start + direction * step.value;
  // Whole-number arithmetic where HPA multiplies floats: 10 nodes + 10% allows 11 here, not HPA's 12.
  const scaled = (start * (100 + direction * step.value)) / 100;
  // Up rounds up so that a small percentage still allows one node; down truncates, as HPA's int32() does.
  return direction === 1 ? Math.ceil(scaled) : Math.trunc(scaled);
}

/**
 * "backlog 95 at 10 per node wants 10 nodes", shared between every flavor with the same backlog and target per
 * node. Backlogs are mostly small whole numbers, so the few hundred sentences a fleet needs are written once;
 * each table is capped, so odd values (decimals) cannot grow it without bound.
 */
function desiredReason(backlog: number, perNode: number, raw: number): Reason {
  let byBacklog = desiredReasons.get(perNode);
  if (byBacklog === undefined) {
    if (desiredReasons.size >= MEMO_LIMIT) desiredReasons.clear();
    byBacklog = new Map();
    desiredReasons.set(perNode, byBacklog);
  }
  let found = byBacklog.get(backlog);
  if (found === undefined) {
    if (byBacklog.size >= MEMO_LIMIT) byBacklog.clear();
    found = shared('desired', msg`backlog ${backlog} at ${perNode} per node wants ${plural(raw, 'node')}`);
    byBacklog.set(backlog, found);
  }
  return found;
}

const MEMO_LIMIT = 4096;
const desiredReasons = new Map<number, Map<number, Reason>>();

/** A sentence memoized by the one number it says, in a capped table, shared by every flavor that says it. */
function sentence(
  table: Map<number, Reason>,
  key: number,
  code: ReasonCode,
  say: (key: number) => string,
): Reason {
  let found = table.get(key);
  if (found === undefined) {
    if (table.size >= MEMO_LIMIT) table.clear();
    found = shared(code, say(key));
    table.set(key, found);
  }
  return found;
}

const stabilizedUp = new Map<number, Reason>();
const stabilizedDown = new Map<number, Reason>();
const sayStabilizedUp = (seconds: number) =>
  msg`scale-up window ${seconds}s: its lowest recommendation holds the count`;
const sayStabilizedDown = (seconds: number) =>
  msg`scale-down window ${seconds}s: its highest recommendation holds the count`;

const stabilizedBy = (up: boolean, seconds: number): Reason =>
  up
    ? sentence(stabilizedUp, seconds, 'stabilized', sayStabilizedUp)
    : sentence(stabilizedDown, seconds, 'stabilized', sayStabilizedDown);

const limitedUp = new Map<number, Reason>();
const limitedDown = new Map<number, Reason>();
const sayLimitedUp = (limit: number) => msg`step policies allow at most ${limit} now`;
const sayLimitedDown = (limit: number) => msg`step policies allow at least ${limit} now`;

const rateLimited = (up: boolean, limit: number): Reason =>
  up
    ? sentence(limitedUp, limit, 'rate-limited', sayLimitedUp)
    : sentence(limitedDown, limit, 'rate-limited', sayLimitedDown);

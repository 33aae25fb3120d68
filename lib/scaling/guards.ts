import { clock } from '../capacity/blocked';
import {
  CONTROL_MODE_BITS,
  KNOWN_CONTROL_MODE_BITS,
  SPEC_UPDATE_BLOCKING_BITS,
} from '../modelarts/control-mode';
import type { Pool } from '../modelarts/schemas';
import type { ScaleInMemory } from '../scale-in/types';
import type { DirectionRules, FlavorPolicy, Paused, PoolPolicy } from './policy';
import { msg, type Reason, reason } from './reasons';

// Guards: rules that leave a pool, or one direction of a flavor, untouched. Each returns a Reason when it
// holds, undefined otherwise, so the planner can list every guard that applies (not just the first).

// Bit 1 only restricts billing-mode changes; a resize does not change the billing mode.
const NON_BLOCKING_BITS = KNOWN_CONTROL_MODE_BITS & ~SPEC_UPDATE_BLOCKING_BITS;

/** The names of the bits set in a controlMode, lowest first; a bit we do not know is named `bit-<value>`. */
export function decodeControlMode(mode: number): string[] {
  const names: string[] = [];
  for (const { bit, name } of CONTROL_MODE_BITS) if (hasBit(mode, bit)) names.push(name);
  for (let bit = KNOWN_CONTROL_MODE_BITS + 1; bit <= mode; bit *= 2)
    if (hasBit(mode, bit)) names.push(msg`bit-${bit}`);
  return names;
}

// Arithmetic rather than `&`, which truncates to 32 bits.
const hasBit = (mode: number, bit: number): boolean => Math.floor(mode / bit) % 2 === 1;

export const PREPAID_ANNOTATION = 'os.modelarts/billing.mode';

export const isPrepaid = (pool: Pool): boolean => pool.metadata.annotations?.[PREPAID_ANNOTATION] === '1';

export function killSwitchGuard(killSwitch: boolean | undefined): Reason | undefined {
  return killSwitch === true
    ? reason('kill-switch', 'the global stop switch is on: no pool is changed')
    : undefined;
}

/**
 * Blocks on the bits that refuse a spec change (lib/modelarts/control-mode.ts) and on any bit ModelArts may add
 * later: an unknown restriction is treated as one, because a wrongly skipped cycle costs far less than resizing
 * a pool the provider has restricted.
 */
export function controlModeGuard(controlMode: number | undefined): Reason | undefined {
  if (controlMode === undefined || controlMode === 0) return undefined;
  if (controlMode <= KNOWN_CONTROL_MODE_BITS && (controlMode & ~NON_BLOCKING_BITS) === 0) return undefined;
  return reason(
    'control-mode',
    msg`controlMode ${controlMode} = ${decodeControlMode(controlMode).join(' + ')}`,
  );
}

/** What an operator does about a pool in ScalingFailed: README "Recovering a pool in ScalingFailed". */
export const SCALING_FAILED_MESSAGE =
  'phase ScalingFailed: ModelArts refused the last scale-out and the pool is left alone. Check the pool in the ' +
  'console (a sold-out flavor or a quota), set its node counts back to the nodes it has, or retry the scale-out ' +
  'once capacity is back; scaling resumes when the phase is Running again (README "Recovering a pool in ScalingFailed")';

export function phaseGuard(phase: string | undefined): Reason | undefined {
  if (phase === 'Running') return undefined;
  // Not just "not Running": it needs a person, so it says what to do (and has its own code for alarms).
  if (phase === 'ScalingFailed') return reason('pool-scaling-failed', SCALING_FAILED_MESSAGE);
  return reason(
    'phase-not-running',
    phase === undefined ? 'phase is not reported, so not Running' : msg`phase ${phase} is not Running`,
  );
}

export function prepaidGuard(pool: Pool, allowPrepaid: boolean): Reason | undefined {
  if (allowPrepaid || !isPrepaid(pool)) return undefined;
  return reason(
    'prepaid-not-allowed',
    msg`yearly/monthly pool (${PREPAID_ANNOTATION} = 1) and allowPrepaid is off`,
  );
}

export function pausedGuard(paused: Paused): Reason | undefined {
  return paused === 'all' ? reason('paused', 'scaling is paused for this pool') : undefined;
}

/** A flavor listed twice would make "the count of flavor X" ambiguous in every later step. */
export function duplicateFlavorGuard(pool: Pool): Reason | undefined {
  const resources = pool.spec.resources;
  for (let i = 1; i < resources.length; i++) {
    const flavor = (resources[i] as { flavor: string }).flavor;
    for (let j = 0; j < i; j++) {
      if ((resources[j] as { flavor: string }).flavor === flavor) {
        return reason('duplicate-flavor', msg`flavor ${flavor} is listed more than once in spec.resources`);
      }
    }
  }
  return undefined;
}

/** Echoing per-AZ counts that do not add up would send a body ModelArts cannot honour (invariant 4). */
export function azsMismatchGuard(pool: Pool): Reason | undefined {
  for (const resource of pool.spec.resources) {
    const azs = resource.azs;
    if (azs === undefined || azs.length === 0) continue;
    let sum = 0;
    for (const az of azs) sum += az.count;
    if (sum !== resource.count) {
      return reason(
        'azs-mismatch',
        msg`flavor ${resource.flavor}: per-AZ counts add up to ${sum}, but its count is ${resource.count}`,
      );
    }
  }
  return undefined;
}

export interface PoolGuardInput {
  pool: Pool;
  policy: PoolPolicy;
  killSwitch?: boolean;
}

/** Every pool-level guard that holds, in a fixed order; any one of them means the pool is skipped. */
export function poolGuards({ pool, policy, killSwitch }: PoolGuardInput): Reason[] {
  const reasons: Reason[] = [];
  push(reasons, killSwitchGuard(killSwitch));
  push(reasons, controlModeGuard(pool.spec.controlMode));
  push(reasons, phaseGuard(pool.status?.phase));
  push(reasons, prepaidGuard(pool, policy.allowPrepaid));
  push(reasons, pausedGuard(policy.paused));
  push(reasons, duplicateFlavorGuard(pool));
  push(reasons, azsMismatchGuard(pool));
  return reasons;
}

const push = (reasons: Reason[], found: Reason | undefined): void => {
  if (found !== undefined) reasons.push(found);
};

/**
 * Flavors named by backlogs, minCounts or the policy that the pool does not have. The planner never adds a flavor
 * (ModelArts would create it): it records why the value is ignored and changes nothing else.
 */
export function unknownFlavorGuards(
  pool: Pool,
  named: { backlogs: Record<string, unknown>; minCounts?: Record<string, unknown>; policy: PoolPolicy },
): readonly Reason[] {
  const { backlogs, minCounts, policy } = named;
  // The usual case, checked without allocating: every name is a flavor of the pool.
  if (
    allKnown(pool, backlogs) &&
    (minCounts === undefined || allKnown(pool, minCounts)) &&
    allKnown(pool, policy.flavors)
  ) {
    return NONE;
  }
  const reasons: Reason[] = [];
  const check = (record: Record<string, unknown>, what: string) => {
    for (const flavor of Object.keys(record).sort()) {
      if (!hasFlavor(pool, flavor)) {
        reasons.push(
          reason('unknown-flavor', msg`${what} for flavor ${flavor}, which the pool does not have: ignored`),
        );
      }
    }
  };
  check(backlogs, 'backlog');
  if (minCounts !== undefined) check(minCounts, 'minimum count');
  check(policy.flavors, 'policy');
  return reasons;
}

const NONE: readonly Reason[] = Object.freeze([]);

function allKnown(pool: Pool, record: Record<string, unknown>): boolean {
  for (const flavor in record) if (Object.hasOwn(record, flavor) && !hasFlavor(pool, flavor)) return false;
  return true;
}

function hasFlavor(pool: Pool, flavor: string): boolean {
  for (const resource of pool.spec.resources) if (resource.flavor === flavor) return true;
  return false;
}

export function pausedScaleInGuard(paused: Paused): Reason | undefined {
  return paused === 'scale-in' ? reason('paused-scale-in', 'scale-in is paused for this pool') : undefined;
}

export function pausedScaleOutGuard(paused: Paused): Reason | undefined {
  return paused === 'scale-out' ? reason('paused-scale-out', 'scale-out is paused for this pool') : undefined;
}

/** Prepaid pools that the config does allow are still only grown: the console scales them in by unsubscribing. */
export function prepaidScaleInGuard(pool: Pool): Reason | undefined {
  return isPrepaid(pool)
    ? reason('prepaid-scale-in', 'yearly/monthly pool: scale-in is an unsubscription, not a resize')
    : undefined;
}

/**
 * The requested count already includes nodes in flight, so growing is safe; shrinking while ModelArts still
 * creates or deletes nodes could remove nodes that are about to take work, or double a deletion.
 */
export function inFlightGuard(creating: number, deleting: number): Reason | undefined {
  if (creating <= 0 && deleting <= 0) return undefined;
  return reason(
    'nodes-in-flight',
    msg`${creating} creating, ${deleting} deleting: no scale-down until they settle`,
  );
}

/**
 * lib/config validates policies; this is the planner's own last line, so that a policy built some other way
 * (tests, a future caller) yields a held flavor with a reason instead of NaN counts.
 */
export function policyGuard(policy: FlavorPolicy): Reason | undefined {
  const problem = policyProblem(policy);
  return problem === undefined
    ? undefined
    : reason('invalid-policy', msg`flavor ${policy.flavor}: ${problem}`);
}

const isCount = (n: number): boolean => Number.isInteger(n) && n >= 0;
const isAmount = (n: number): boolean => Number.isFinite(n) && n >= 0;

function policyProblem(p: FlavorPolicy): string | undefined {
  if (!isCount(p.min) || p.min < 1) return msg`min ${p.min} must be a whole number of at least 1`;
  if (!isCount(p.max) || p.max < p.min)
    return msg`max ${p.max} must be a whole number of at least min (${p.min})`;
  if (!isAmount(p.targetPerNode) || p.targetPerNode === 0)
    return msg`targetPerNode ${p.targetPerNode} must be > 0`;
  if (!isAmount(p.tolerance)) return msg`tolerance ${p.tolerance} must be >= 0`;
  if (!isAmount(p.activationThreshold)) return msg`activationThreshold ${p.activationThreshold} must be >= 0`;
  if (p.fallback.type === 'fixed' && !isCount(p.fallback.count)) {
    return msg`fallback count ${p.fallback.count} must be a whole number`;
  }
  return rulesProblem('scaleUp', p.scaleUp) ?? rulesProblem('scaleDown', p.scaleDown);
}

function rulesProblem(direction: string, rules: DirectionRules): string | undefined {
  if (!isAmount(rules.stabilizationWindowSeconds))
    return msg`${direction}.stabilizationWindowSeconds must be >= 0`;
  if (!isAmount(rules.cooldownSeconds)) return msg`${direction}.cooldownSeconds must be >= 0`;
  for (const step of rules.policies) {
    // A zero-length period would never see the change just made, and the next cycle would add it again.
    if (!isAmount(step.periodSeconds) || step.periodSeconds === 0) {
      return msg`${direction} ${step.type} policy periodSeconds must be > 0`;
    }
    if (!isAmount(step.value) || step.value === 0)
      return msg`${direction} ${step.type} policy value must be > 0`;
  }
  return undefined;
}

/**
 * A delete that did not lower the count stopped scale-in for the pool: no count may go lower after it either
 * (a lower-count PATCH would let ModelArts delete a second, unchosen node). Cleared by `state reset --pool`.
 */
export function stoppedScaleInGuard(memory: ScaleInMemory | undefined): Reason | undefined {
  const stopped = memory?.stopped;
  if (stopped === undefined) return undefined;
  return reason(
    'count-not-lowered',
    msg`deleting ${stopped.nodes.join(', ')} left ${stopped.flavor} at ${stopped.countAfter} (was ${stopped.countBefore}): no scale-down until \`state reset --pool\``,
  );
}

/** The last change is still being carried out (lib/capacity/in-flight.ts): no new change until it shows. */
export function changeInFlightGuard(
  order: { at: number; name?: string } | undefined,
  waits: readonly { flavor: string; target: number; seen: number }[],
): Reason | undefined {
  if (order === undefined || waits.length === 0) return undefined;
  const named = order.name === undefined ? 'the last change' : msg`order ${order.name}`;
  const short = waits.map((w) => msg`${w.flavor} ${w.seen} of ${w.target}`).join(', ');
  return reason(
    'change-in-flight',
    msg`${named} (${clock(order.at)}) is still being carried out (${short}): no new change until the status shows it`,
  );
}

/** ModelArts answered the last change with a conflict: the pool waits out its backoff. */
export function changeConflictGuard(
  conflict: { failures: number; until: number } | undefined,
  now: number,
): Reason | undefined {
  if (conflict === undefined || now >= conflict.until) return undefined;
  return reason(
    'change-conflict',
    msg`the last change was answered with a conflict (${conflict.failures} in a row): no change until ${clock(conflict.until)}`,
  );
}

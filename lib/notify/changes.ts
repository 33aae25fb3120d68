// What a settled pool has to say (pure: data in, messages and the state to remember out). Scale actions are
// events: one message each time the scaler writes. Guards, backoffs and failure streaks are states: a message
// goes out when the state differs from the one the last messages described (NotifiedState), so a pool stuck
// behind a guard is announced when the guard starts and when it stops, not every cycle.

import { createHash } from 'node:crypto';
import type { CapacityMemory } from '../capacity/types';
import { scaleInFields } from '../cycle/report';
import type { PoolOutcome, PoolStatus } from '../cycle/types';
import type { FlavorDecision, PoolPlan } from '../scaling/plan';
import type { NotifiedState } from '../state/notified';
import { MESSAGE_VERSION, type NotificationMessage, type NotifyKind, type NotifySettings } from './types';

/** Pool-level reasons that leave the whole pool untouched, and flavor stops an operator must look at. */
export const BLOCKING_REASONS: ReadonlySet<string> = new Set([
  'kill-switch',
  'control-mode',
  'phase-not-running',
  'prepaid-not-allowed',
  'paused',
  'pool-scaling-failed',
  'count-not-lowered',
  'node-api-unavailable',
  'no-capacity',
]);

/** What settling a pool produced: its outcome, and the plan it settled on (none: the pool was not read). */
export interface SettledPool {
  outcome: PoolOutcome;
  plan?: PoolPlan;
}

export interface PoolChanges {
  messages: NotificationMessage[];
  /** The state the messages describe, to remember (the previous one when nothing changed). */
  next: NotifiedState;
}

const sorted = (values: Iterable<string>): string[] => [...new Set(values)].sort();

/** The guards blocking the pool now: `code` for the pool, `code:flavor` for a flavor. */
export function blockingGuards(plan: PoolPlan): string[] {
  const guards: string[] = [];
  for (const r of plan.reasons) if (BLOCKING_REASONS.has(r.code)) guards.push(r.code);
  for (const flavor of plan.flavors)
    for (const r of flavor.reasons)
      if (BLOCKING_REASONS.has(r.code)) guards.push(`${r.code}:${flavor.flavor}`);
  return sorted(guards);
}

/** The capacity backoffs in force at `now`: `cause:flavor:az` (`*`: every AZ, a quota). */
export function activeBackoffs(capacity: CapacityMemory | undefined, now: number): string[] {
  const active: string[] = [];
  for (const [flavor, azs] of Object.entries(capacity?.azs ?? {}))
    for (const [az, backoff] of Object.entries(azs))
      if (backoff.until > now) active.push(`${backoff.cause}:${flavor}:${az}`);
  for (const [flavor, backoff] of Object.entries(capacity?.quota ?? {}))
    if (backoff.until > now) active.push(`${backoff.cause}:${flavor}:*`);
  return sorted(active);
}

function untilOf(capacity: CapacityMemory | undefined, entry: string): number | undefined {
  const [, flavor = '', az = ''] = entry.split(':');
  const backoff = az === '*' ? capacity?.quota?.[flavor] : capacity?.azs?.[flavor]?.[az];
  return backoff?.until;
}

const iso = (ms: number) => new Date(ms).toISOString();
const sameList = (a: readonly string[] = [], b: readonly string[] = []) =>
  a.length === b.length && a.every((value, index) => value === b[index]);

export function sameState(a: NotifiedState, b: NotifiedState): boolean {
  return (
    sameList(a.guards, b.guards) &&
    sameList(a.backoffs, b.backoffs) &&
    (a.failures ?? 0) === (b.failures ?? 0)
  );
}

/** Without empty fields, as it is stored. */
function compact(state: NotifiedState): NotifiedState {
  const result: NotifiedState = {};
  if (state.guards && state.guards.length > 0) result.guards = state.guards;
  if (state.backoffs && state.backoffs.length > 0) result.backoffs = state.backoffs;
  if (state.failures) result.failures = state.failures;
  return result;
}

interface Context {
  outcome: PoolOutcome;
  at: number;
}

function message(
  ctx: Context,
  kind: NotifyKind,
  text: string,
  details: Record<string, unknown>,
): NotificationMessage {
  const { outcome, at } = ctx;
  const time = iso(at);
  const id = createHash('sha256').update(`${outcome.key}|${kind}|${time}`).digest('hex').slice(0, 32);
  return {
    version: MESSAGE_VERSION,
    id,
    kind,
    time,
    connection: outcome.connection,
    pool: outcome.pool,
    key: outcome.key,
    text: `pool ${outcome.pool} (${outcome.connection}): ${text}`,
    details,
  };
}

const azText = (flavor: FlavorDecision) =>
  flavor.azsAfter && flavor.azsAfter.length > 0
    ? ` (AZs ${flavor.azsAfter.map((az) => `${az.az}:${az.count}`).join(', ')})`
    : '';

const countChange = (flavor: FlavorDecision) => ({
  flavor: flavor.flavor,
  from: flavor.current,
  to: flavor.target,
  ...(flavor.azsBefore ? { azsBefore: flavor.azsBefore } : {}),
  ...(flavor.azsAfter ? { azsAfter: flavor.azsAfter } : {}),
});

/** A PATCH that was sent: one message per direction, listing the flavors that went that way. */
function patchMessages(ctx: Context, plan: PoolPlan): NotificationMessage[] {
  if (ctx.outcome.status !== 'patched') return [];
  const messages: NotificationMessage[] = [];
  for (const [action, kind, verb] of [
    ['scale-up', 'scale-up', 'scaled up'],
    ['scale-down', 'scale-down', 'scaled down'],
  ] as const) {
    const flavors = plan.flavors.filter(
      (flavor) => flavor.action === action && flavor.target !== flavor.current,
    );
    if (flavors.length === 0) continue;
    const text = flavors.map((f) => `${f.flavor} ${f.current} -> ${f.target}${azText(f)}`).join('; ');
    const details = { method: 'count', flavors: flavors.map(countChange) };
    messages.push(message(ctx, kind, `${verb} ${text}`, details));
  }
  return messages;
}

/** Idle-node scale-in: the nodes drained and deleted by name this cycle. */
function scaleInMessage(ctx: Context, plan: PoolPlan): NotificationMessage[] {
  const report = ctx.outcome.scaleIn;
  if (report === undefined || ctx.outcome.status === 'failed') return [];
  const flavors = plan.flavors
    .map((flavor) => {
      const { drained = [], deleted = [] } = scaleInFields(report, flavor.flavor);
      return { flavor: flavor.flavor, drained, deleted };
    })
    .filter((entry) => entry.drained.length > 0 || entry.deleted.length > 0);
  if (flavors.length === 0) return [];
  const text = flavors
    .map((f) => {
      const parts = [
        f.drained.length > 0 ? `drained ${f.drained.join(', ')}` : '',
        f.deleted.length > 0 ? `deleted ${f.deleted.join(', ')}` : '',
      ].filter(Boolean);
      return `${f.flavor}: ${parts.join('; ')}`;
    })
    .join('; ');
  return [message(ctx, 'scale-down', `scale-down by idle nodes, ${text}`, { method: 'idle-nodes', flavors })];
}

function reasonMessages(plan: PoolPlan, guards: readonly string[]): Record<string, string> {
  const messages: Record<string, string> = {};
  for (const guard of guards) {
    const [code, flavor] = guard.split(':');
    const found = flavor
      ? plan.flavors.find((f) => f.flavor === flavor)?.reasons.find((r) => r.code === code)
      : plan.reasons.find((r) => r.code === code);
    if (found) messages[guard] = found.message;
  }
  return messages;
}

function guardMessages(ctx: Context, plan: PoolPlan, before: readonly string[], now: readonly string[]) {
  const started = now.filter((guard) => !before.includes(guard));
  const stopped = before.filter((guard) => !now.includes(guard));
  const messages: NotificationMessage[] = [];
  if (started.length > 0)
    messages.push(
      message(ctx, 'guard-started', `scaling blocked by ${started.join(', ')}`, {
        guards: started,
        blocking: now,
        reasons: reasonMessages(plan, started),
      }),
    );
  if (stopped.length > 0)
    messages.push(
      message(ctx, 'guard-stopped', `no longer blocked by ${stopped.join(', ')}`, {
        guards: stopped,
        blocking: now,
      }),
    );
  return messages;
}

function backoffMessage(
  ctx: Context,
  capacity: CapacityMemory | undefined,
  before: readonly string[],
  now: readonly string[],
): NotificationMessage[] {
  const started = now.filter((entry) => !before.includes(entry));
  if (started.length === 0) return [];
  const backoffs = started.map((entry) => {
    const [cause = '', flavor = '', az = ''] = entry.split(':');
    const until = untilOf(capacity, entry);
    return {
      cause,
      flavor,
      azs: az === '*' ? 'every AZ' : az,
      ...(until === undefined ? {} : { until: iso(until) }),
    };
  });
  const text = backoffs
    .map((b) => `${b.flavor} in ${b.azs} (${b.cause})${'until' in b ? ` until ${b.until}` : ''}`)
    .join('; ');
  return [message(ctx, 'backoff', `backing off ${text}`, { backoffs })];
}

/** Outcomes that tell nothing of the pool's health: another invocation held it, or took it over mid-write. */
const NEITHER_FAILED_NOR_SUCCEEDED: ReadonlySet<PoolStatus> = new Set(['lease-busy', 'lease-lost']);

/**
 * The failure streak after this outcome, and its messages: `repeated-failure` once when it reaches the streak,
 * `recovered` once when a pool that reached it succeeds (the stored count says it was announced, so a pool
 * that never reached it says nothing).
 */
function failureChanges(ctx: Context, previous: number, streak: number) {
  const { outcome } = ctx;
  if (NEITHER_FAILED_NOR_SUCCEEDED.has(outcome.status)) return { failures: previous, messages: [] };
  if (outcome.status !== 'failed') {
    if (previous < streak) return { failures: 0, messages: [] };
    const text = `recovered (${outcome.status}) after failing at least ${previous} cycles in a row`;
    const details = { cycles: previous, status: outcome.status };
    return { failures: 0, messages: [message(ctx, 'recovered', text, details)] };
  }
  const failures = Math.min(previous + 1, streak);
  if (failures < streak || previous >= streak) return { failures, messages: [] };
  const details = {
    cycles: failures,
    error: outcome.error ?? null,
    ...(outcome.httpStatus ? { httpStatus: outcome.httpStatus } : {}),
    ...(outcome.errorCode ? { errorCode: outcome.errorCode } : {}),
  };
  const text = `failed ${failures} cycles in a row: ${outcome.error ?? 'unknown error'}`;
  return { failures, messages: [message(ctx, 'repeated-failure', text, details)] };
}

export interface ChangesInput {
  pool: SettledPool;
  previous: NotifiedState;
  /** The pool's capacity memory after the cycle. */
  capacity: CapacityMemory | undefined;
  at: number;
  settings: Pick<NotifySettings, 'failureStreak'>;
}

export function poolChanges(input: ChangesInput): PoolChanges {
  const { pool, previous, capacity, at, settings } = input;
  const ctx: Context = { outcome: pool.outcome, at };
  const messages: NotificationMessage[] = [];
  // A failed pool's plan is not a fresh look at it: its guards and backoffs are left as last announced.
  const plan = pool.outcome.status === 'failed' ? undefined : pool.plan;
  const guards = plan ? blockingGuards(plan) : (previous.guards ?? []);
  const backoffs = plan ? activeBackoffs(capacity, at) : (previous.backoffs ?? []);
  if (plan) {
    messages.push(...patchMessages(ctx, plan), ...scaleInMessage(ctx, plan));
    messages.push(...guardMessages(ctx, plan, previous.guards ?? [], guards));
    messages.push(...backoffMessage(ctx, capacity, previous.backoffs ?? [], backoffs));
  }
  const streak = failureChanges(ctx, previous.failures ?? 0, settings.failureStreak);
  messages.push(...streak.messages);
  return { messages, next: compact({ guards, backoffs, failures: streak.failures }) };
}

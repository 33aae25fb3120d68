import { simNodeName } from './named-nodes';
import type { SimNode, WorldState } from './world';

// Where a planner-driven run's idle node-time goes: every idle node (ready, no job, drained or not) is given, at
// each cycle, the rule that keeps it until the next cycle, and its idle seconds up to then (or up to the job
// that takes it) are booked to that rule. This prices each rule in node-hours: what the default policy pays
// over the bare rule, rule by rule, is the difference of two such ledgers.
//
//   before-read  idle between a job's end (or a node's arrival with no job for it) and the next cycle's read
//   backlog      the reading still asks for it: the queue's head waits for more nodes than are idle (no backfill)
//   minimum      the flavor's minimum (or a floor) keeps it
//   window       the scale-down stabilization window: the reading wants fewer, a newer-than-window
//                recommendation does not yet
//   in-flight    the in-flight guard (no count-down while nodes are creating or deleting)
//   guards       the other guards and limits (step policies, cooldown, a change in flight, mixed directions...)
//   drain        idle-nodes: drained this cycle (or drained too recently), deleted once still idle a drain later
//   az-rule      the AZ strategy keeps it. idle-nodes: this AZ may not lose a node now (balanced: only the
//                largest AZs). A lower count: its AZ split took the nodes from another AZ, where busy nodes drain
//                (the graceful platform removes idle nodes before busy ones in an AZ); their jobs are still in the
//                reading, so as many idle nodes as drain are kept elsewhere
//   idle-timer   idle-nodes: not idle for idleSeconds yet by its own timer
//
// Bookings run from a cycle's decision to the next read: a job that starts on the node before then ends them.
// One that starts and ends between two reads is not seen (the node counts as idle throughout); the built-in
// scenarios' jobs run for minutes to hours, far longer than a cycle.

export const IDLE_CAUSES = [
  'before-read',
  'backlog',
  'minimum',
  'window',
  'in-flight',
  'guards',
  'drain',
  'az-rule',
  'idle-timer',
] as const;
export type IdleCause = (typeof IDLE_CAUSES)[number];

/** Idle node-hours per cause. */
export type IdleHours = Record<IdleCause, number>;

/** What one flavor's plan said this cycle, for the ledger. */
export interface FlavorExplanation {
  flavor: string;
  /** The count before this cycle's updates (spec). */
  current: number;
  /** The reading's recommendation; undefined when the flavor was not planned (no usable policy). */
  desired: number | undefined;
  /** The count the windows leave, before guards, step policies and cooldowns. */
  stabilized: number;
  /** The planner's target (below current for a scale-down by name too). */
  target: number;
  /** The decision's reason codes. */
  codes: readonly string[];
  /** The nodes this cycle's scale-in choice names, by the rule that keeps them (drain, az-rule, idle-timer). */
  held: ReadonlyMap<string, IdleCause>;
}

interface Booking {
  cause: IdleCause;
  since: number;
}

export class IdleLedger {
  private readonly seconds = new Map<IdleCause, number>(IDLE_CAUSES.map((cause) => [cause, 0]));
  /** Idle nodes after the last decision, by node id. */
  private booked = new Map<number, Booking>();
  /** Nodes busy or creating after the last decision: when they could be idle next (job end, arrival). */
  private freeAt = new Map<number, number>();
  private last: number | undefined;

  /** At a cycle's read (before its decision): books the time since the last decision. */
  settle(state: WorldState): void {
    const now = state.now;
    const byId = new Map(state.nodes.map((node) => [node.id, node]));
    for (const [id, booking] of this.booked) {
      const node = byId.get(id);
      const started = node?.job === undefined ? now : (state.startedAt[node.job] ?? now);
      this.add(booking.cause, Math.min(Math.max(started, booking.since), now) - booking.since);
    }
    if (this.last !== undefined) {
      for (const node of state.nodes) {
        if (!idle(node) || this.booked.has(node.id)) continue;
        const since = this.freeAt.get(node.id) ?? this.last;
        this.add('before-read', now - Math.min(Math.max(since, this.last), now));
      }
    }
    this.booked = new Map();
    this.freeAt = new Map();
  }

  /** After a cycle's decision: books every idle node of an explained flavor to the rule that keeps it. */
  classify(state: WorldState, flavors: readonly FlavorExplanation[]): void {
    const now = state.now;
    this.last = now;
    const endsAt = new Map(state.running.map((run) => [run.job, run.endsAt]));
    for (const node of state.nodes) {
      if (node.phase === 'creating') this.freeAt.set(node.id, node.until);
      else if (node.job !== undefined) this.freeAt.set(node.id, endsAt.get(node.job) ?? now);
    }
    for (const flavor of flavors) {
      const mine = state.nodes.filter((node) => node.flavor === flavor.flavor);
      const draining = mine.filter((node) => node.phase === 'draining').length;
      for (const [id, cause] of causesOf(flavor, mine.filter(idle), draining))
        this.booked.set(id, { cause, since: now });
    }
  }

  hours(): IdleHours {
    const hours = {} as IdleHours;
    for (const cause of IDLE_CAUSES) hours[cause] = (this.seconds.get(cause) ?? 0) / 3600;
    return hours;
  }

  private add(cause: IdleCause, seconds: number): void {
    if (seconds > 0) this.seconds.set(cause, (this.seconds.get(cause) ?? 0) + seconds);
  }
}

const idle = (node: SimNode): boolean => node.phase === 'ready' && node.job === undefined;

/**
 * Each idle node's cause: the scale-in choice's for the nodes it names; the others, interchangeable, by the
 * counts: first those the window keeps (stabilized - desired), then those a guard keeps (target - stabilized),
 * then as many as the flavor has nodes draining (a lower count's AZ split, see the top of the file), then the
 * rest, which the reading (or the minimum) still asks for.
 */
export function causesOf(
  flavor: FlavorExplanation,
  nodes: readonly SimNode[],
  draining: number,
): Map<number, IdleCause> {
  const causes = new Map<number, IdleCause>();
  const { current, desired, stabilized, target, codes } = flavor;
  const lower = desired !== undefined && desired < current;
  let window = lower ? Math.max(0, Math.min(stabilized, current) - desired) : 0;
  let guarded = lower ? Math.max(0, Math.min(target, current) - Math.max(stabilized, desired)) : 0;
  const guard: IdleCause = codes.includes('nodes-in-flight') ? 'in-flight' : 'guards';
  let split = draining;
  const rest: IdleCause = codes.includes('clamped-min') ? 'minimum' : 'backlog';
  for (const node of [...nodes].sort((a, b) => a.id - b.id)) {
    const held = flavor.held.get(simNodeName(node.id));
    if (held !== undefined) causes.set(node.id, held);
    else if (window > 0) {
      window--;
      causes.set(node.id, 'window');
    } else if (guarded > 0) {
      guarded--;
      causes.set(node.id, guard);
    } else if (split > 0) {
      split--;
      causes.set(node.id, 'az-rule');
    } else causes.set(node.id, rest);
  }
  return causes;
}

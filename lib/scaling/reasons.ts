// Every reason the planner can give, in one place: decision records, metrics and dashboards key on these codes,
// so a code is never renamed once released. The value is what the code means, for people reading a plan.

export const REASON_CODES = {
  // Pool level: any of these (but unknown-flavor and zero-count) leaves the whole pool untouched.
  'kill-switch': 'the global stop switch is on',
  'control-mode': 'spec.controlMode restricts changes to the pool',
  'phase-not-running': 'the pool is not Running, and only Running pools can be resized',
  'prepaid-not-allowed': 'a yearly/monthly pool, and the config does not allow scaling prepaid pools',
  paused: 'scaling is paused for the pool',
  'duplicate-flavor': 'a flavor is listed twice in spec.resources',
  'azs-mismatch': "a flavor's per-AZ counts do not add up to its count",
  'no-managed-flavors': 'the config manages none of the pool flavors',
  'unknown-flavor':
    'a backlog, minimum count or policy names a flavor the pool does not have (flavors are never added)',
  'zero-count': 'the update would list a flavor at 0 nodes, which ModelArts refuses',
  // Flavor level: how the target was reached, and what held it back.
  unmanaged: 'no policy for the flavor: its count is kept',
  'invalid-policy': 'the flavor policy is not usable',
  desired: 'the count the backlog asks for',
  'below-activation': 'the backlog is below the activation threshold, so the flavor sits at its minimum',
  'within-tolerance': 'the backlog per node is within the tolerance band, so the count is kept',
  'backlog-unavailable': 'the backlog is missing, failed or stale: no scale-down',
  'fallback-hold': 'fallback: keep the current count',
  'fallback-fixed': 'fallback: go to the configured count (never down)',
  'min-count': 'a pushed minimum count (webhook) raises the minimum',
  'schedule-min': 'a schedule in force raises the minimum',
  'schedule-max': 'a schedule in force caps the count (it comes down through the normal scale-down path)',
  headroom: 'warm headroom: ready nodes kept above the busy ones raise the minimum',
  forecast: 'the backlog forecast over the lead raises the minimum (never lowers a count)',
  'forecast-only': 'forecastOnly: what the forecast would raise the minimum to; nothing changes',
  'schedule-in-force': 'schedules are in force, and the count is within their bounds',
  'clamped-min': 'raised to the minimum',
  'clamped-max': 'capped at the maximum',
  stabilized: 'held by the stabilization window',
  'rate-limited': 'limited by the step policies',
  'scale-up-disabled': 'scale-up is disabled for the flavor',
  'scale-down-disabled': 'scale-down is disabled for the flavor',
  cooldown: 'too soon after the flavor last changed',
  'paused-scale-in': 'scale-in is paused for the pool',
  'paused-scale-out': 'scale-out is paused for the pool',
  'prepaid-scale-in': 'a yearly/monthly pool only scales out (scale-in is an unsubscription)',
  'nodes-in-flight': 'nodes are still being created or deleted: no scale-down until they settle',
  'out-of-range': 'the count is outside [min, max] and is brought back into range',
  'az-fixed-minimum': 'the fixed AZ layout keeps at least one node in every AZ in use',
  'az-split-refused': 'the AZ strategy cannot place the new count',
  'az-backlog-short':
    "an AZ has fewer nodes than its own backlog asks for: the count grows by at least the shortfall ('backlog' AZ strategy)",
  'mixed-direction-deferred':
    'a change cannot grow one flavor and shrink another: the scale-down waits a cycle',
  // Idle-node scale-in (scaleDown.method idle-nodes).
  'idle-nodes': 'the flavor goes down by draining and deleting named idle nodes; its count is not lowered',
  'count-not-lowered':
    'a delete by name did not lower the count: scale-in and count-downs stop until `state reset --pool`',
  'idle-nodes-short': 'fewer removable idle nodes than the planner asked for: those are removed',
  'drain-ahead':
    'the scale-down window will release nodes within drainSeconds: idle ones are drained now, deleted once it has',
  'drain-unavailable': 'batch-drain is missing: nodes go only when idle on two reads drainSeconds apart',
  'node-api-unavailable': 'the node or workload API was refused: no scale-in for the pool',
  'scale-in-backoff':
    'ModelArts answered a node operation with a conflict: scale-in waits, longer after each conflict in a row',
  // Capacity (issue #15).
  'pool-scaling-failed':
    'the pool is in phase ScalingFailed after a refused scale-out: it is left alone until an operator recovers it',
  'no-capacity':
    'no AZ the flavor may grow in can take a node (sold out, in backoff, over quota): no growth this cycle',
  'az-skipped': 'growth skipped AZs that are sold out or in backoff and went to the other AZs',
  'change-in-flight':
    'the last change is still being carried out: no new change (PATCH or scale-in) until the status shows it',
  'change-conflict':
    'ModelArts answered the last change with a conflict: no new change until its backoff ends',
  'abnormal-nodes': 'some nodes of the flavor are Abnormal: they cannot take jobs',
  'patch-sold-out':
    'the PATCH was refused as sold out: the flavor backs off in the AZs it grew (or the AZ named)',
  'patch-quota': 'the PATCH was refused over a quota: the flavor backs off in every AZ',
  'patch-conflict':
    'the PATCH was answered with a conflict: no change until it settles, longer after each in a row',
  'stuck-creating': 'nodes still Creating after maxNodeProvisionSeconds: their AZs back off',
  'abnormal-replaced':
    'an idle Abnormal node is deleted by name after replaceAbnormalAfterSeconds; growth replaces it',
  'unservable-job':
    "a queued job needs more nodes than the flavor's max, or than the AZ it is tied to can hold: it is left out of the backlog",
} as const;

export type ReasonCode = keyof typeof REASON_CODES;

export interface Reason {
  code: ReasonCode;
  message: string;
}

export const reason = (code: ReasonCode, message: string): Reason => ({ code, message });

/**
 * A template tag for messages: the same text as a plain template literal, built in one piece. V8 builds a
 * template literal as a tree of string fragments, about three times the memory of the text; a plan keeps
 * tens of thousands of messages, and that memory is most of what the garbage collector then has to move.
 * (Array.prototype.join renders undefined and null as empty, where a template literal would spell them out.)
 */
export function msg(strings: TemplateStringsArray, ...values: readonly unknown[]): string {
  // One reused buffer: allocating it per message was half the cost of the messages.
  const n = values.length;
  for (let i = 0; i < n; i++) {
    parts[2 * i] = strings[i];
    parts[2 * i + 1] = values[i];
  }
  parts[2 * n] = strings[n];
  parts.length = 2 * n + 1;
  return parts.join('');
}

const parts: unknown[] = [];

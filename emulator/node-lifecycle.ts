// The nodes behind a pool, per flavor and AZ, and how they move: a resize starts creating or deleting nodes, which
// finish `transitionMs` later. Everything is computed from timestamps when read, so a test or a simulator drives
// time through the injected clock and no timer ever runs.

import type { FlavorCount, PoolFlavorResource, PoolStatusResources } from '../lib/modelarts/schemas';

/** Nodes per AZ. */
export type AzTally = Record<string, number>;
/** Nodes per flavor, then per AZ. */
export type FlavorTally = Record<string, AzTally>;

export interface NodeOp {
  kind: 'creating' | 'deleting';
  flavor: string;
  az: string;
  count: number;
  startedAt: number;
}

export interface NodeState {
  available: FlavorTally;
  abnormal: FlavorTally;
  /** Nodes in flight, oldest first. */
  ops: NodeOp[];
}

/** Where nodes go when neither the spec nor the pool's current nodes name an AZ. */
export const DEFAULT_AZ = 'cn-north-7a';

/** Node state as a seed pool's status.resources describes it; its in-flight nodes start at `now`. */
export function nodeStateFromStatus(resources: PoolStatusResources | undefined, now: number): NodeState {
  const ops: NodeOp[] = [];
  for (const kind of ['creating', 'deleting'] as const) {
    for (const entry of resources?.[kind] ?? []) {
      for (const [az, count] of Object.entries(azTallyOf(entry))) {
        if (entry.flavor && count > 0) ops.push({ kind, flavor: entry.flavor, az, count, startedAt: now });
      }
    }
  }
  return {
    available: flavorTallyOf(resources?.available),
    abnormal: flavorTallyOf(resources?.abnormal),
    ops,
  };
}

/** Completes every operation that has run for `transitionMs`: created nodes become available, deleted ones go. */
export function settle(state: NodeState, now: number, transitionMs: number): NodeState {
  const done = (op: NodeOp) => op.startedAt + transitionMs <= now;
  if (!state.ops.some(done)) return state;
  const available = cloneTally(state.available);
  for (const op of state.ops) {
    if (done(op) && op.kind === 'creating') add(available, op.flavor, op.az, op.count);
  }
  return { available, abnormal: state.abnormal, ops: state.ops.filter((op) => !done(op)) };
}

/**
 * Moves the node state towards the spec: growth starts creating nodes, shrinkage first cancels nodes still being
 * created (newest first), then deletes abnormal nodes, then available ones. Flavors missing from `resources` go to 0.
 * A flavor with `azs` is matched AZ by AZ; one without keeps its current spread, growing the emptiest AZ and
 * shrinking the fullest.
 */
export function reconcile(
  state: NodeState,
  resources: readonly PoolFlavorResource[],
  now: number,
): NodeState {
  const next: NodeState = {
    available: cloneTally(state.available),
    abnormal: cloneTally(state.abnormal),
    ops: [...state.ops],
  };
  const planned = plannedNodes(state);
  const wanted = new Map(resources.map((resource) => [resource.flavor, resource]));
  const flavors = new Set([...Object.keys(planned), ...wanted.keys()]);
  const defaultAz = firstAz(planned) ?? DEFAULT_AZ;
  for (const flavor of flavors) {
    const current = planned[flavor] ?? {};
    const resource = wanted.get(flavor);
    const targets = resource?.azs ? azTallyOf(resource) : spread(resource?.count ?? 0, current, defaultAz);
    for (const az of new Set([...Object.keys(current), ...Object.keys(targets)])) {
      const diff = (targets[az] ?? 0) - (current[az] ?? 0);
      if (diff > 0) next.ops.push({ kind: 'creating', flavor, az, count: diff, startedAt: now });
      if (diff < 0) shrink(next, flavor, az, -diff, now);
    }
  }
  return next;
}

/** status.resources as the docs show it: one entry per flavor with its AZ split; empty states left out. */
export function statusResources(state: NodeState, flavorOrder: readonly string[]): PoolStatusResources {
  const inFlight = (kind: NodeOp['kind']) => {
    const tally: FlavorTally = {};
    for (const op of state.ops) if (op.kind === kind) add(tally, op.flavor, op.az, op.count);
    return tally;
  };
  const byState: [keyof PoolStatusResources & string, FlavorTally][] = [
    ['creating', inFlight('creating')],
    ['available', state.available],
    ['abnormal', state.abnormal],
    ['deleting', inFlight('deleting')],
  ];
  const resources: PoolStatusResources = {};
  for (const [name, tally] of byState) {
    const entries = flavorCounts(tally, flavorOrder);
    if (entries.length > 0) resources[name] = entries;
  }
  return resources;
}

function flavorCounts(tally: FlavorTally, flavorOrder: readonly string[]): FlavorCount[] {
  const flavors = Object.keys(tally).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  function rank(flavor: string) {
    const index = flavorOrder.indexOf(flavor);
    return index === -1 ? flavorOrder.length : index;
  }
  const entries: FlavorCount[] = [];
  for (const flavor of flavors) {
    const azs = Object.entries(tally[flavor] ?? {})
      .filter(([, count]) => count > 0)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([az, count]) => ({ az, count }));
    const count = azs.reduce((sum, az) => sum + az.count, 0);
    if (count > 0) entries.push({ flavor, count, azs });
  }
  return entries;
}

/** Nodes each flavor and AZ will have once every operation in flight is done. */
function plannedNodes(state: NodeState): FlavorTally {
  const planned = cloneTally(state.available);
  for (const [flavor, azs] of Object.entries(state.abnormal)) {
    for (const [az, count] of Object.entries(azs)) add(planned, flavor, az, count);
  }
  for (const op of state.ops) if (op.kind === 'creating') add(planned, op.flavor, op.az, op.count);
  return planned;
}

function shrink(state: NodeState, flavor: string, az: string, count: number, now: number): void {
  let left = count;
  for (let i = state.ops.length - 1; i >= 0 && left > 0; i--) {
    const op = state.ops[i] as NodeOp;
    if (op.kind !== 'creating' || op.flavor !== flavor || op.az !== az) continue;
    const cancelled = Math.min(op.count, left);
    left -= cancelled;
    if (cancelled === op.count) state.ops.splice(i, 1);
    else state.ops[i] = { ...op, count: op.count - cancelled };
  }
  for (const tally of [state.abnormal, state.available]) {
    const taken = Math.min(tally[flavor]?.[az] ?? 0, left);
    if (taken === 0) continue;
    add(tally, flavor, az, -taken);
    state.ops.push({ kind: 'deleting', flavor, az, count: taken, startedAt: now });
    left -= taken;
  }
}

/** Splits `total` nodes over AZs, starting from the current spread. */
function spread(total: number, current: AzTally, defaultAz: string): AzTally {
  const result: AzTally = Object.fromEntries(Object.entries(current).filter(([, count]) => count > 0));
  if (Object.keys(result).length === 0 && total > 0) result[defaultAz] = 0;
  const azs = Object.keys(result).sort();
  let sum = Object.values(result).reduce((a, b) => a + b, 0);
  for (; sum > total; sum--) {
    const fullest = azs.reduce((best, az) => ((result[az] ?? 0) >= (result[best] ?? 0) ? az : best));
    result[fullest] = (result[fullest] ?? 0) - 1;
  }
  for (; sum < total; sum++) {
    const emptiest = azs.reduce((best, az) => ((result[az] ?? 0) < (result[best] ?? 0) ? az : best));
    result[emptiest] = (result[emptiest] ?? 0) + 1;
  }
  return result;
}

function azTallyOf(entry: {
  count?: number | undefined;
  azs?: { az: string; count: number }[] | undefined;
}): AzTally {
  if (!entry.azs) return entry.count ? { [DEFAULT_AZ]: entry.count } : {};
  const tally: AzTally = {};
  for (const { az, count } of entry.azs) tally[az] = (tally[az] ?? 0) + count;
  return tally;
}

function flavorTallyOf(entries: FlavorCount[] | undefined): FlavorTally {
  const tally: FlavorTally = {};
  for (const entry of entries ?? []) {
    if (!entry.flavor) continue;
    for (const [az, count] of Object.entries(azTallyOf(entry))) add(tally, entry.flavor, az, count);
  }
  return tally;
}

function firstAz(tally: FlavorTally): string | undefined {
  return Object.values(tally)
    .flatMap((azs) => Object.keys(azs))
    .sort()[0];
}

function add(tally: FlavorTally, flavor: string, az: string, count: number): void {
  const azs = tally[flavor] ?? {};
  tally[flavor] = azs;
  azs[az] = (azs[az] ?? 0) + count;
  if (azs[az] === 0) delete azs[az];
  if (Object.keys(azs).length === 0) delete tally[flavor];
}

function cloneTally(tally: FlavorTally): FlavorTally {
  return Object.fromEntries(Object.entries(tally).map(([flavor, azs]) => [flavor, { ...azs }]));
}

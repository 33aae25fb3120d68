import type { Pool, PoolFlavorResource } from '../modelarts/schemas';
import { type CountDownNode, type CountDownStanding, countDownOrder } from '../nodes/count-down';
import { type SoldOutWindow, soldOutAt } from './sold-out-window';
import type { SimJob } from './trace';

// The simulated pool and its job queue, as plain data, moved forward by the pure step(). Times are seconds
// from the start of the simulation.
//
// Nodes: a node is billed from the moment it is requested until its deletion completes (a node still being
// created is billed; one whose creation is cancelled is billed until then). It is `creating` for the
// provisioning delay, then `ready` (idle, or busy running a job), and `deleting` for the deletion delay.
//
// A lower count is carried out by one of two platform models, since ModelArts documents no order:
//   graceful        never kills a running job: it cancels nodes still being created first (newest first, as
//                   platform-picks does), then deletes idle
//                   nodes, and marks busy nodes `draining` (they take no new job and start deleting when their
//                   job ends). A scale-up before that reclaims draining nodes first, since they never stopped.
//   platform-picks  the emulator's rule, the same code (countDownOrder, lib/nodes/count-down.ts): it cancels
//                   nodes still being created first, then deletes ready nodes (the simulator has no abnormal
//                   ones), newest first, whatever runs on them. A killed job restarts from scratch: back to the
//                   head of its queue, its work so far lost (counted in lostSeconds).
// The scaler's own scale-in (idle-nodes) drains nodes (`drained`: they take no new job, but still count in the
// spec) and deletes nodes by name (lib/simulate/named-nodes.ts), which lowers the count by itself.
//
// Jobs: one FIFO queue per flavor. The job at the head starts as soon as `nodes` idle nodes of its flavor (of
// its AZ, when it names one) are ready; the jobs behind it wait, even those that would fit (no backfill).
// A job bigger than the flavor could ever hold (its max, or a static count) is refused on arrival, and
// counted among the jobs never started. One exception to the queue order: a job tied to an AZ where its flavor
// is sold out (lib/simulate/sold-out.ts) that does not fit now is set aside, as Kubernetes' scheduler sets an
// unschedulable pod aside, so that it does not hold every job behind it for the hours the AZ stays sold out.

export type NodePhase = 'creating' | 'ready' | 'draining' | 'deleting';

export const PLATFORM_MODELS = ['graceful', 'platform-picks'] as const;
/** How the platform carries out a lower count (see the top of this file). */
export type PlatformModel = (typeof PLATFORM_MODELS)[number];

export interface SimNode {
  id: number;
  flavor: string;
  /** '' for a flavor without AZs. */
  az: string;
  requestedAt: number;
  phase: NodePhase;
  /** creating: when it becomes ready; deleting: when it is gone. */
  until: number;
  /** The job running on it (busy or draining). */
  job?: number;
  /** Drained by the scaler: it takes no new job, and still counts in the spec. */
  drained?: boolean;
}

export interface RunningJob {
  job: number;
  endsAt: number;
  nodes: number[];
}

export interface Delays {
  provisioningSeconds: number;
  deletionSeconds: number;
}

export interface WorldState {
  now: number;
  /** Every job of the trace, by arrival; shared, never changed. */
  jobs: readonly SimJob[];
  /** Index of the next job to arrive. */
  nextArrival: number;
  /** Job indexes waiting, per flavor, oldest first. */
  queues: Record<string, number[]>;
  running: RunningJob[];
  /** Per job: when it started; NaN while it has not. */
  startedAt: number[];
  /** Jobs refused on arrival: bigger than their flavor can ever hold. */
  refused: number[];
  /** The most nodes a job of each flavor may ask for. */
  capacity: Record<string, number>;
  /** The pool as the API would return it, minus status (see poolView): the spec PATCHes change. */
  pool: Pool;
  nodes: SimNode[];
  nextNodeId: number;
  /** Node-seconds of nodes already gone. */
  billedSeconds: number;
  delays: Delays;
  platform: PlatformModel;
  /** When each flavor's AZs are sold out; shared, never changed. */
  soldOut: readonly SoldOutWindow[];
  /** Runs killed by the deletion of one of their nodes (a job killed twice counts twice). */
  kills: number;
  /** Node-seconds of work done by runs that were killed: lost, since a killed job starts again. */
  lostSeconds: number;
}

export const NO_AZ = '';

export interface WorldInput {
  jobs: readonly SimJob[];
  /** spec.resources holds the starting counts; their nodes are ready at time 0. */
  pool: Pool;
  capacity: Record<string, number>;
  delays: Delays;
  /** Default graceful. */
  platform?: PlatformModel;
  /** Default none. */
  soldOut?: readonly SoldOutWindow[];
}

export function createWorld(input: WorldInput): WorldState {
  const queues: Record<string, number[]> = {};
  for (const resource of input.pool.spec.resources) queues[resource.flavor] = [];
  const nodes: SimNode[] = [];
  for (const resource of input.pool.spec.resources) {
    for (const [az, count] of azTargets(resource)) {
      for (let i = 0; i < count; i++) {
        nodes.push({
          id: nodes.length,
          flavor: resource.flavor,
          az,
          requestedAt: 0,
          phase: 'ready',
          until: 0,
        });
      }
    }
  }
  return {
    now: 0,
    jobs: input.jobs,
    nextArrival: 0,
    queues,
    running: [],
    startedAt: input.jobs.map(() => Number.NaN),
    refused: [],
    capacity: { ...input.capacity },
    pool: structuredClone(input.pool),
    nodes,
    nextNodeId: nodes.length,
    billedSeconds: 0,
    delays: { ...input.delays },
    platform: input.platform ?? 'graceful',
    soldOut: input.soldOut ?? [],
    kills: 0,
    lostSeconds: 0,
  };
}

/** The state `dt` seconds later: every arrival, job end and node change in between, in time order. */
export function step(state: WorldState, dt: number): WorldState {
  const next = copy(state);
  advance(next, state.now + dt);
  return next;
}

/** A copy that shares only what is never changed in place (the jobs, the pool: a PATCH replaces it). */
export function copy(state: WorldState): WorldState {
  const queues: Record<string, number[]> = {};
  for (const [flavor, queue] of Object.entries(state.queues)) queues[flavor] = [...queue];
  return {
    ...state,
    queues,
    running: state.running.map((run) => ({ ...run, nodes: [...run.nodes] })),
    startedAt: [...state.startedAt],
    refused: [...state.refused],
    capacity: { ...state.capacity },
    nodes: state.nodes.map((node) => ({ ...node })),
    delays: { ...state.delays },
  };
}

function advance(state: WorldState, until: number): void {
  for (;;) {
    const at = nextEventAt(state);
    if (!(at <= until)) break;
    state.now = at;
    finishJobs(state, at);
    settleNodes(state, at);
    arrive(state, at);
    startJobs(state);
  }
  state.now = until;
}

function nextEventAt(state: WorldState): number {
  let at = state.jobs[state.nextArrival]?.arrival ?? Number.POSITIVE_INFINITY;
  for (const run of state.running) if (run.endsAt < at) at = run.endsAt;
  for (const node of state.nodes)
    if ((node.phase === 'creating' || node.phase === 'deleting') && node.until < at) at = node.until;
  // A window that opens lets the jobs behind a job it sets aside start.
  for (const window of state.soldOut) if (window.from > state.now && window.from < at) at = window.from;
  // Nothing happens in the past: an event due before now (a zero delay) happens now.
  return Math.max(at, state.now);
}

function finishJobs(state: WorldState, now: number): void {
  const ending = state.running.filter((run) => run.endsAt <= now);
  if (ending.length === 0) return;
  state.running = state.running.filter((run) => run.endsAt > now);
  const freed = new Set(ending.flatMap((run) => run.nodes));
  for (const node of state.nodes) {
    if (!freed.has(node.id)) continue;
    delete node.job;
    if (node.phase === 'draining') {
      node.phase = 'deleting';
      node.until = now + state.delays.deletionSeconds;
    }
  }
}

function settleNodes(state: WorldState, now: number): void {
  const kept: SimNode[] = [];
  for (const node of state.nodes) {
    if (node.phase === 'deleting' && node.until <= now) {
      state.billedSeconds += node.until - node.requestedAt;
      continue;
    }
    if (node.phase === 'creating' && node.until <= now) node.phase = 'ready';
    kept.push(node);
  }
  state.nodes = kept;
}

function arrive(state: WorldState, now: number): void {
  for (let job = state.jobs[state.nextArrival]; job !== undefined && job.arrival <= now; ) {
    const index = state.nextArrival++;
    const queue = state.queues[job.flavor];
    if (queue === undefined || job.nodes > (state.capacity[job.flavor] ?? 0)) state.refused.push(index);
    else queue.push(index);
    job = state.jobs[state.nextArrival];
  }
}

/**
 * Starts the head of each flavor's queue while it fits on idle nodes (the oldest nodes first); a job tied to a
 * sold-out AZ that does not fit is passed over (see the top of this file).
 */
export function startJobs(state: WorldState): void {
  for (const queue of Object.values(state.queues)) {
    for (let at = 0; at < queue.length; ) {
      const index = queue[at] as number;
      const job = state.jobs[index] as SimJob;
      const idle = state.nodes.filter(
        (node) =>
          node.flavor === job.flavor &&
          node.phase === 'ready' &&
          node.job === undefined &&
          node.drained !== true &&
          (job.az === undefined || node.az === job.az),
      );
      if (idle.length >= job.nodes) {
        start(state, index, idle.slice(0, job.nodes));
        queue.splice(at, 1);
      } else if (job.az !== undefined && soldOutAt(state.soldOut, job.flavor, job.az, state.now)) at++;
      else break;
    }
  }
}

function start(state: WorldState, index: number, nodes: SimNode[]): void {
  for (const node of nodes) node.job = index;
  state.startedAt[index] = state.now;
  const runTime = (state.jobs[index] as SimJob).runTime;
  state.running.push({ job: index, endsAt: state.now + runTime, nodes: nodes.map((node) => node.id) });
}

/** The per-AZ counts a flavor asks for; a flavor without azs asks for its count in NO_AZ. */
export function azTargets(resource: PoolFlavorResource): Map<string, number> {
  const azs = resource.azs;
  if (azs === undefined || azs.length === 0) return new Map([[NO_AZ, resource.count]]);
  return new Map(azs.map(({ az, count }) => [az, count]));
}

/**
 * Moves the nodes towards the pool's spec, as ModelArts would after an update, except that no busy node is
 * deleted (see the top of this file). Mutates `state`: call on a copy.
 */
export function reconcile(state: WorldState): void {
  const now = state.now;
  for (const resource of state.pool.spec.resources) {
    const targets = azTargets(resource);
    const planned = new Map<string, number>();
    for (const node of state.nodes) {
      if (node.flavor !== resource.flavor || !(node.phase === 'creating' || node.phase === 'ready')) continue;
      planned.set(node.az, (planned.get(node.az) ?? 0) + 1);
    }
    for (const az of new Set([...planned.keys(), ...targets.keys()])) {
      const diff = (targets.get(az) ?? 0) - (planned.get(az) ?? 0);
      if (diff > 0) grow(state, resource.flavor, az, diff, now);
      if (diff < 0) shrink(state, resource.flavor, az, -diff);
    }
  }
}

function grow(state: WorldState, flavor: string, az: string, count: number, now: number): void {
  const draining = state.nodes
    .filter((node) => node.flavor === flavor && node.az === az && node.phase === 'draining')
    .sort((a, b) => b.id - a.id);
  for (const node of draining.slice(0, count)) node.phase = 'ready';
  for (let i = draining.length; i < count; i++) {
    state.nodes.push({
      id: state.nextNodeId++,
      flavor,
      az,
      requestedAt: now,
      phase: 'creating',
      until: now + state.delays.provisioningSeconds,
    });
  }
}

function shrink(state: WorldState, flavor: string, az: string, count: number): void {
  if (state.platform === 'platform-picks') platformShrink(state, flavor, az, count);
  else gracefulShrink(state, flavor, az, count);
}

function gracefulShrink(state: WorldState, flavor: string, az: string, count: number): void {
  const cancelled = platformOrder(state, flavor, az, count).filter((node) => node.phase === 'creating');
  const mine = (busy: boolean) =>
    state.nodes.filter(
      (node) =>
        node.flavor === flavor &&
        node.az === az &&
        node.phase === 'ready' &&
        (node.job !== undefined) === busy,
    );
  const endsAt = new Map(state.running.map((run) => [run.job, run.endsAt]));
  const order = [
    ...cancelled,
    ...mine(false).sort((a, b) => b.id - a.id),
    // The job ending first frees its node first.
    ...mine(true).sort(
      (a, b) => (endsAt.get(a.job as number) ?? 0) - (endsAt.get(b.job as number) ?? 0) || b.id - a.id,
    ),
  ].slice(0, count);
  const leaving: SimNode[] = [];
  for (const node of order) {
    if (node.job === undefined) leaving.push(node);
    else node.phase = 'draining';
  }
  removeNodes(state, leaving);
}

/** What the emulator does, by the same code: see the top of this file. */
function platformShrink(state: WorldState, flavor: string, az: string, count: number): void {
  removeNodes(state, platformOrder(state, flavor, az, count));
}

/** Where a simulated node stands in a count-down. Draining nodes already count as gone (see reconcile). */
const STANDING_OF: Record<NodePhase, CountDownStanding> = {
  creating: 'creating',
  ready: 'available',
  draining: 'leaving',
  deleting: 'leaving',
};

/** The simulated nodes as a count-down sees them: ids grow with each node requested, so they are its order. */
const countDownView = (nodes: readonly SimNode[]): (CountDownNode & { node: SimNode })[] =>
  nodes.map((node) => ({
    flavor: node.flavor,
    az: node.az,
    standing: STANDING_OF[node.phase],
    created: node.id,
    node,
  }));

/** The `count` nodes of one flavor and AZ a count-down takes, first to last (countDownOrder). */
function platformOrder(state: WorldState, flavor: string, az: string, count: number): SimNode[] {
  return countDownOrder(countDownView(state.nodes), flavor, az, count).map(({ node }) => node);
}

/**
 * Removes `nodes` now, whatever they run: a creating node is cancelled (billed until now), any other starts
 * its deletion, and the jobs on them are killed. Mutates `state`.
 */
export function removeNodes(state: WorldState, nodes: readonly SimNode[]): void {
  const now = state.now;
  const cancelled = new Set<number>();
  for (const node of nodes) {
    if (node.job !== undefined) killJob(state, node.job);
    if (node.phase === 'creating') {
      state.billedSeconds += now - node.requestedAt;
      cancelled.add(node.id);
    } else {
      node.phase = 'deleting';
      node.until = now + state.delays.deletionSeconds;
      delete node.drained;
    }
  }
  if (cancelled.size > 0) state.nodes = state.nodes.filter((node) => !cancelled.has(node.id));
}

/**
 * A job whose node goes: its run ends now, its work so far is lost, its other nodes are free, and it waits
 * again at the head of its flavor's queue, to start from scratch. Mutates `state`.
 */
function killJob(state: WorldState, job: number): void {
  const run = state.running.find((candidate) => candidate.job === job);
  if (run === undefined) return;
  const { nodes, flavor } = state.jobs[job] as SimJob;
  state.running = state.running.filter((candidate) => candidate !== run);
  state.kills++;
  state.lostSeconds += nodes * (state.now - (state.startedAt[job] ?? state.now));
  state.startedAt[job] = Number.NaN;
  const freed = new Set(run.nodes);
  for (const node of state.nodes) {
    if (!freed.has(node.id)) continue;
    delete node.job;
    // A graceful drain waited for this job only.
    if (node.phase === 'draining') {
      node.phase = 'deleting';
      node.until = state.now + state.delays.deletionSeconds;
    }
  }
  state.queues[flavor]?.unshift(job);
}

import { SimulatorError } from './errors';
import { type SoldOutWindow, soldOutAt } from './sold-out-window';
import type { SimJob } from './trace';
import type { WorldState } from './world';

// The figures of a finished simulation. Node-hours count every node from its request until its deletion
// completes (or the end); busy node-hours count the nodes running jobs, in runs that were not killed. A job
// never started waits until the end of the simulation, so its wait is a lower bound; a killed job's wait runs
// to its last start. Waits are percentiles by nearest rank.
//
// With sold-out windows, the waits are also split in two (`capacity`). A job "can run somewhere" unless it is
// tied to an AZ where its flavor was sold out at some moment of its wait (from its arrival to its last start, or
// the end): no policy can give it a node there, so the p95 target of issue #15 applies to the others only.

export interface WaitFigures {
  p50: number;
  p95: number;
  max: number;
}

export interface SimulationFigures {
  /** Jobs that arrived before the end. */
  jobs: number;
  started: number;
  finished: number;
  /** Still queued at the end, or refused (bigger than the flavor can ever hold). */
  neverStarted: number;
  /** Of neverStarted: refused on arrival. */
  refused: number;
  nodeHours: number;
  busyNodeHours: number;
  /** nodeHours / busyNodeHours; null when no node was ever busy. */
  nodeHoursPerBusyNodeHour: number | null;
  waitSeconds: WaitFigures;
  /** Runs killed by the platform deleting one of their nodes (a job killed twice counts twice). */
  jobsKilled: number;
  /** Node-hours of work done by runs that were then killed: lost, since the job starts again. */
  lostNodeHours: number;
  /** Updates sent (PATCH requests) and deletes by name. */
  scaleActions: number;
  /** Flavor count changes up and down across those updates. */
  scaleUps: number;
  scaleDowns: number;
  /** Only when the setup has sold-out windows. */
  capacity?: CapacityFigures;
}

export interface JobGroupFigures {
  jobs: number;
  neverStarted: number;
  waitSeconds: WaitFigures;
}

export interface CapacityFigures {
  /** PATCHes refused as sold out: nothing changed. */
  refusedUpdates: number;
  /** Backoffs the controller recorded from those refusals (one per flavor and AZ, or quota). */
  backoffs: number;
  /** Jobs not tied to an AZ, or tied to one where their flavor was never sold out while they waited. */
  runnable: JobGroupFigures;
  /** The others: tied to an AZ where their flavor was sold out at some moment of their wait. */
  tiedToSoldOut: JobGroupFigures;
}

/** What the controller met: refused updates and the backoffs it recorded. */
export interface Refusals {
  refusedUpdates: number;
  backoffs: number;
}

export interface ScaleActions {
  scaleActions: number;
  scaleUps: number;
  scaleDowns: number;
}

const HOUR = 3600;

/** A stretch of the run judged apart (the last day of a long run): jobs that arrive in it, nodes billed in it. */
export interface TimeWindow {
  /** Seconds from the start, inclusive. */
  from: number;
  /** Seconds from the start, exclusive. */
  to: number;
}

export interface WindowFigures extends TimeWindow {
  /** Jobs arriving in the window. */
  jobs: number;
  /** Of those, never started by the end of the run. */
  neverStarted: number;
  /** Node-hours billed between `from` and `to`. */
  nodeHours: number;
  /** The waits of the jobs arriving in the window (to their start, or the end of the run). */
  waitSeconds: WaitFigures;
}

export class WindowError extends SimulatorError {
  override readonly name = 'WindowError';
}

/** Node-seconds are read at cycles (and the end), so a window starts and ends on one. */
export function checkWindow(window: TimeWindow, intervalSeconds: number, durationSeconds: number): void {
  const onCycle = (t: number) => Number.isInteger(t / intervalSeconds) && t < durationSeconds;
  const problems: string[] = [];
  if (!(window.from >= 0 && onCycle(window.from)))
    problems.push(`from must be a cycle time (a multiple of ${intervalSeconds} s) before the end`);
  if (!(window.to > window.from && (onCycle(window.to) || window.to === durationSeconds)))
    problems.push(`to must be a cycle time after from, or the end (${durationSeconds} s)`);
  if (problems.length > 0)
    throw new WindowError(`window ${window.from}..${window.to} s: ${problems.join('; ')}`);
}

/** Node-seconds billed from the start to `state.now`: nodes gone, and those present until now. */
export function nodeSecondsAt(state: WorldState): number {
  let seconds = state.billedSeconds;
  for (const node of state.nodes) seconds += state.now - node.requestedAt;
  return seconds;
}

/**
 * `state` must have been stepped to `end`; `billed` is nodeSecondsAt() at the window's start and at its end.
 */
export function windowFiguresOf(
  state: WorldState,
  end: number,
  window: TimeWindow,
  billed: { from: number; to: number },
): WindowFigures {
  const waits: number[] = [];
  let neverStarted = 0;
  state.jobs.forEach((job, index) => {
    if (!(job.arrival >= window.from && job.arrival < window.to && job.arrival < end)) return;
    const start = state.startedAt[index] ?? Number.NaN;
    if (Number.isNaN(start)) neverStarted++;
    waits.push((Number.isNaN(start) ? end : start) - job.arrival);
  });
  return {
    ...window,
    jobs: waits.length,
    neverStarted,
    nodeHours: (billed.to - billed.from) / HOUR,
    waitSeconds: waitsOf(waits),
  };
}

/** `state` must have been stepped to `end`. */
export function figuresOf(
  state: WorldState,
  end: number,
  actions: ScaleActions,
  refusals: Refusals = { refusedUpdates: 0, backoffs: 0 },
): SimulationFigures {
  let nodeSeconds = state.billedSeconds;
  for (const node of state.nodes) nodeSeconds += end - node.requestedAt;

  let busySeconds = 0;
  let jobs = 0;
  let started = 0;
  let finished = 0;
  const waits: number[] = [];
  state.jobs.forEach((job, index) => {
    if (!(job.arrival < end)) return;
    jobs++;
    const start = state.startedAt[index] ?? Number.NaN;
    if (Number.isNaN(start)) {
      waits.push(end - job.arrival);
      return;
    }
    started++;
    waits.push(start - job.arrival);
    const stop = start + job.runTime;
    if (stop <= end) finished++;
    busySeconds += job.nodes * (Math.min(stop, end) - start);
  });
  const nodeHours = nodeSeconds / HOUR;
  const busyNodeHours = busySeconds / HOUR;
  const figures: SimulationFigures = {
    jobs,
    started,
    finished,
    neverStarted: jobs - started,
    refused: state.refused.filter((index) => (state.jobs[index]?.arrival ?? end) < end).length,
    nodeHours,
    busyNodeHours,
    nodeHoursPerBusyNodeHour: busySeconds > 0 ? nodeSeconds / busySeconds : null,
    waitSeconds: waitsOf(waits),
    jobsKilled: state.kills,
    lostNodeHours: state.lostSeconds / HOUR,
    ...actions,
  };
  if (state.soldOut.length > 0) figures.capacity = { ...refusals, ...splitWaits(state, end) };
  return figures;
}

const waitsOf = (waits: readonly number[]): WaitFigures => ({
  p50: percentile(waits, 50),
  p95: percentile(waits, 95),
  max: percentile(waits, 100),
});

function splitWaits(state: WorldState, end: number): Pick<CapacityFigures, 'runnable' | 'tiedToSoldOut'> {
  const groups = { runnable: { waits: [] as number[], never: 0 }, tied: { waits: [] as number[], never: 0 } };
  state.jobs.forEach((job, index) => {
    if (!(job.arrival < end)) return;
    const start = state.startedAt[index] ?? Number.NaN;
    const waitEnd = Number.isNaN(start) ? end : start;
    const group = waitedOnSoldOut(state.soldOut, job, waitEnd) ? groups.tied : groups.runnable;
    group.waits.push(waitEnd - job.arrival);
    if (Number.isNaN(start)) group.never++;
  });
  const figures = ({ waits, never }: { waits: number[]; never: number }): JobGroupFigures => ({
    jobs: waits.length,
    neverStarted: never,
    waitSeconds: waitsOf(waits),
  });
  return { runnable: figures(groups.runnable), tiedToSoldOut: figures(groups.tied) };
}

/** Whether the job's AZ was sold out for its flavor at some moment of [arrival, waitEnd). */
function waitedOnSoldOut(windows: readonly SoldOutWindow[], job: SimJob, waitEnd: number): boolean {
  const { az, flavor, arrival } = job;
  if (az === undefined || !(waitEnd > arrival)) return false;
  if (soldOutAt(windows, flavor, az, arrival)) return true;
  return windows.some(
    (w) =>
      w.az === az && (w.flavor === undefined || w.flavor === flavor) && w.from > arrival && w.from < waitEnd,
  );
}

/** The nearest-rank percentile: the smallest value with at least p% of the values at or below it; 0 for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] as number;
}

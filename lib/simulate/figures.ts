import type { WorldState } from './world';

// The figures of a finished simulation. Node-hours count every node from its request until its deletion
// completes (or the end); busy node-hours count the nodes running jobs, in runs that were not killed. A job
// never started waits until the end of the simulation, so its wait is a lower bound; a killed job's wait runs
// to its last start. Waits are percentiles by nearest rank.

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
}

export interface ScaleActions {
  scaleActions: number;
  scaleUps: number;
  scaleDowns: number;
}

const HOUR = 3600;

/** `state` must have been stepped to `end`. */
export function figuresOf(state: WorldState, end: number, actions: ScaleActions): SimulationFigures {
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
  return {
    jobs,
    started,
    finished,
    neverStarted: jobs - started,
    refused: state.refused.filter((index) => (state.jobs[index]?.arrival ?? end) < end).length,
    nodeHours,
    busyNodeHours,
    nodeHoursPerBusyNodeHour: busySeconds > 0 ? nodeSeconds / busySeconds : null,
    waitSeconds: { p50: percentile(waits, 50), p95: percentile(waits, 95), max: percentile(waits, 100) },
    jobsKilled: state.kills,
    lostNodeHours: state.lostSeconds / HOUR,
    ...actions,
  };
}

/** The nearest-rank percentile: the smallest value with at least p% of the values at or below it; 0 for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] as number;
}

// What /readyz answers: ready while a cycle succeeded within the last N intervals. One failed cycle does not
// make the process unready (the next one is the retry); only a run of them, or a loop that stopped finishing
// cycles, does. Pure: the health server asks it with the clock's time.

export interface CycleRecord {
  at: number;
  ok: boolean;
  /** The first problem of a failed cycle (a line meant for people; never a secret). */
  problem?: string;
}

export interface RunHealth {
  lastCycle?: CycleRecord;
  lastSuccessAt?: number;
}

export interface ReadinessRule {
  intervalMs: number;
  /** How many intervals may pass without a successful cycle. */
  intervals: number;
}

export type Readiness =
  | { ready: true; lastSuccessAt: string }
  | { ready: false; reason: string; lastSuccessAt?: string; lastCycleAt?: string };

const iso = (ms: number) => new Date(ms).toISOString();
const secondsText = (ms: number) => `${Math.round(ms / 100) / 10} s`;

export function recordCycle(health: RunHealth, cycle: CycleRecord): RunHealth {
  return { lastCycle: cycle, lastSuccessAt: cycle.ok ? cycle.at : health.lastSuccessAt };
}

export function readiness(health: RunHealth, now: number, rule: ReadinessRule): Readiness {
  const window = rule.intervalMs * rule.intervals;
  const { lastCycle, lastSuccessAt } = health;
  if (lastSuccessAt !== undefined && now - lastSuccessAt <= window)
    return { ready: true, lastSuccessAt: iso(lastSuccessAt) };
  const times = {
    ...(lastSuccessAt === undefined ? {} : { lastSuccessAt: iso(lastSuccessAt) }),
    ...(lastCycle === undefined ? {} : { lastCycleAt: iso(lastCycle.at) }),
  };
  const limit = `${rule.intervals} intervals of ${secondsText(rule.intervalMs)}`;
  if (lastCycle === undefined) return { ready: false, reason: 'no cycle has finished yet', ...times };
  if (lastCycle.ok)
    return {
      ready: false,
      reason: `no cycle has finished for ${secondsText(now - lastCycle.at)} (more than ${limit})`,
      ...times,
    };
  const since =
    lastSuccessAt === undefined
      ? 'no cycle has succeeded yet'
      : `no successful cycle for ${secondsText(now - lastSuccessAt)} (more than ${limit})`;
  return {
    ready: false,
    reason: `${since}; the last one failed: ${lastCycle.problem ?? 'unknown problem'}`,
    ...times,
  };
}

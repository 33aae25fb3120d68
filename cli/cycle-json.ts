// The --json form of a cycle, for scripts: the CycleResult with the planner's private history left out,
// plus `changes` and `problems` so that a script need not re-derive them. Key order is fixed.

import type { CycleResult } from '../lib/cycle';
import { hasChanges } from './decisions';

export const CYCLE_JSON_VERSION = 1;

export function cycleJson(result: CycleResult, problems: readonly string[]) {
  return {
    version: CYCLE_JSON_VERSION,
    at: new Date(result.at).toISOString(),
    dryRun: result.dryRun,
    changes: hasChanges(result),
    plan: {
      at: result.plan.at,
      pools: result.plan.pools.map(({ history: _history, ...pool }) => pool),
    },
    outcomes: result.outcomes,
    warnings: result.warnings,
    problems,
  };
}

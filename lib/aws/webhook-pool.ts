// The pool a webhook names is the caller's string. A decision record repeats it, and the metrics take it as
// a dimension: each new value is a new CloudWatch metric, billed, and an error counted against a pool that
// does not exist. So it reaches neither unless the config names the pool or ModelArts returned it: a pool
// no config entry could manage is refused (404) before a cycle runs, and a cycle that could not find a
// pool only a selector could have matched drops what it recorded about it.

import type { Config } from '../config/types';
import type { CycleResult, DecisionRecord } from '../cycle';
import { connectionsFor } from '../cycle/read-pools';

/** How the config knows a pool: an entry names it, a selector entry may match it, or nothing can. */
export type PoolStanding = 'named' | 'selectable' | 'unknown';

/** Decided by the cycle's own lookup of a named pool (connectionsFor), so the two never disagree. */
export function poolStanding(config: Config, pool: string): PoolStanding {
  if (config.pools.some((entry) => entry.name === pool)) return 'named';
  return connectionsFor(config, pool).length > 0 ? 'selectable' : 'unknown';
}

export interface HeldDecisions {
  /** The cycle's decision sink: keeps the records until release. */
  log(record: DecisionRecord): void;
  /**
   * Passes the records on, but those about `pool` when only a selector could have found it and the cycle
   * did not read it; for those, one warning with the failure's status and error code (their messages
   * quote the caller's string).
   */
  release(pool: string, standing: PoolStanding, result: CycleResult): void;
}

export type Warn = (message: string, fields: Record<string, unknown>) => void;

export function heldDecisions(sink: (record: DecisionRecord) => void, warn: Warn): HeldDecisions {
  const held: DecisionRecord[] = [];
  return {
    log: (record) => {
      held.push(record);
    },
    release(pool, standing, result) {
      // A pool in the plan was read from ModelArts: its name is no longer only the caller's word.
      const found = standing === 'named' || result.plan.pools.some((planned) => planned.pool === pool);
      const records = held.splice(0);
      const kept = found ? records : records.filter((record) => record.pool !== pool);
      for (const record of kept) sink(record);
      const withheld = records.length - kept.length;
      if (withheld === 0) return;
      const failure = result.outcomes.find((outcome) => outcome.pool === pool && outcome.status === 'failed');
      warn('webhook pool not read; its decision records are withheld', {
        records: withheld,
        ...(failure?.httpStatus === undefined ? {} : { httpStatus: failure.httpStatus }),
        ...(failure?.errorCode === undefined ? {} : { errorCode: failure.errorCode }),
      });
    },
  };
}

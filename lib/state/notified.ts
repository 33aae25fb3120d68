// What the notifier (lib/notify) remembers about a pool between cycles, kept in the pool's history item: the
// state its last messages described. A message goes out only when this changes, so a pool stuck behind a guard
// is announced once, not once per invocation. Plain strings, so that a store needs no schema of its own.

export interface NotifiedState {
  /** The guards last announced as blocking: `code` (pool level) or `code:flavor` (flavor level), sorted. */
  guards?: string[];
  /** The capacity backoffs last announced: `cause:flavor:az` (`*` for every AZ), sorted. */
  backoffs?: string[];
  /** Failed cycles in a row, counted up to the configured streak (then it stays there until a success). */
  failures?: number;
}

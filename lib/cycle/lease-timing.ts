// How long a pool's lease lives and how far clocks may disagree about it. Apart from the apply step, the
// config (a connection timeout must leave room under the lease) and the deployment's time budget
// (test/template/time-budget.test.ts) build on these, so they live alone, with no imports.

/** How long a pool's lease lives: long enough for a GET and a PATCH with their retries inside the deadline. */
export const LEASE_TTL_MS = 60_000;

/** How far two invocations' clocks may disagree about when a lease expires. */
export const CLOCK_SKEW_ALLOWANCE_MS = 5_000;

/**
 * Room an invocation keeps after its last ModelArts attempt to save what it did (history, lastPatchAt) before the
 * platform ends it: two state-store attempts of 2 s, and a margin.
 */
export const INVOCATION_SAVE_MARGIN_MS = 5_000;

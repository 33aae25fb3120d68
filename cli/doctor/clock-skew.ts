// How far our clock is from the gateway's, from the `Date` header of the answers doctor got. AK/SK signatures
// carry our time in X-Sdk-Date and the gateway refuses them beyond 15 minutes off (APIGW.0303); leases assume
// clocks within CLOCK_SKEW_ALLOWANCE_MS of each other.

import { CLOCK_SKEW_ALLOWANCE_MS } from '../../lib/cycle/lease-timing';
import type { ModelArtsRequestEvent } from '../../lib/modelarts';
import { type CheckResult, check } from './checks';

/** Beyond this the signatures are at risk (the gateway's limit is 15 minutes): a failed check. */
export const FATAL_SKEW_MS = 5 * 60_000;

/** One answer: the gateway's Date header and when, on our clock, the exchange started and ended. */
export interface DatedAnswer {
  date: string;
  sentAt: number;
  receivedAt: number;
}

export interface Skew {
  /** Gateway minus us, in ms: positive when the gateway is ahead. */
  offsetMs: number;
  /** How far off the estimate may be: half a second (Date has whole seconds) plus half the round trip. */
  uncertaintyMs: number;
}

/** Records the dated answers a client's onRequest sees. */
export function dateRecorder(now: () => number) {
  const answers: DatedAnswer[] = [];
  return {
    answers,
    onRequest(event: ModelArtsRequestEvent) {
      if (event.date === undefined) return;
      const receivedAt = now();
      answers.push({ date: event.date, sentAt: receivedAt - event.durationMs, receivedAt });
    },
  };
}

/**
 * The skew from the answer with the shortest round trip. The gateway stamped its Date (rounded down to the
 * second) somewhere between our send and our receipt: the middle of both ranges is the estimate.
 */
export function estimateSkew(answers: readonly DatedAnswer[]): Skew | undefined {
  let best: Skew | undefined;
  for (const answer of answers) {
    const gateway = Date.parse(answer.date);
    if (Number.isNaN(gateway)) continue;
    const roundTrip = answer.receivedAt - answer.sentAt;
    const skew = {
      offsetMs: gateway + 500 - (answer.sentAt + answer.receivedAt) / 2,
      uncertaintyMs: 500 + roundTrip / 2,
    };
    if (!best || skew.uncertaintyMs < best.uncertaintyMs) best = skew;
  }
  return best;
}

const seconds = (ms: number) => `${(Math.abs(ms) / 1000).toFixed(1)} s`;

export function clockCheck(answers: readonly DatedAnswer[]): CheckResult {
  const skew = estimateSkew(answers);
  if (!skew)
    return check('clock', 'skew', 'warn', 'no answer carried a readable Date header: skew unknown', false);
  // Only what the uncertainty cannot explain counts.
  const surely = Math.max(0, Math.abs(skew.offsetMs) - skew.uncertaintyMs);
  const within = `±${seconds(skew.uncertaintyMs)}`;
  const side = skew.offsetMs >= 0 ? 'ahead of' : 'behind';
  const said =
    surely === 0
      ? `the gateway's clock agrees with this machine's (within ${within})`
      : `the gateway is ${seconds(skew.offsetMs)} ${side} this machine (${within})`;
  if (surely > FATAL_SKEW_MS)
    return check(
      'clock',
      'skew',
      'failed',
      `${said}: over ${FATAL_SKEW_MS / 60_000} minutes, AK/SK signatures are at risk (refused beyond 15); set the clock (NTP)`,
    );
  if (surely > CLOCK_SKEW_ALLOWANCE_MS)
    return check(
      'clock',
      'skew',
      'warn',
      `${said}: over the ${CLOCK_SKEW_ALLOWANCE_MS / 1000} s the leases allow for; set the clock (NTP)`,
      false,
    );
  return check('clock', 'skew', 'ok', said, false);
}

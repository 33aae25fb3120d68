// The global pause: an SSM parameter an operator flips to stop every change at once, read on each
// invocation through a short cache so a flip takes effect within seconds. A switch that is configured
// but cannot be read counts as engaged: when in doubt, change nothing.

import { ParameterReadError, type ParameterStore } from './parameters';

/** How stale a kill-switch reading may be. */
export const KILL_SWITCH_MAX_AGE_SECONDS = 5;

const ENGAGED = new Set(['true', '1', 'yes', 'on', 'paused', 'engaged']);
const RELEASED = new Set(['false', '0', 'no', 'off', 'running', 'released', '']);

export interface KillSwitchState {
  engaged: boolean;
  /** Why, for the decision log: the value read, or the read failure. Never a secret. */
  reason: string;
}

export interface KillSwitch {
  read(): Promise<KillSwitchState>;
}

/** Reads the value strictly: an unrecognised value engages the switch rather than being ignored. */
export function interpretKillSwitch(value: string): KillSwitchState {
  const normalised = value.trim().toLowerCase();
  if (RELEASED.has(normalised))
    return { engaged: false, reason: `kill switch is "${normalised || '(empty)'}"` };
  if (ENGAGED.has(normalised)) return { engaged: true, reason: `kill switch is "${normalised}"` };
  return {
    engaged: true,
    reason: 'kill switch has an unrecognised value (expected on/off); treated as engaged',
  };
}

export function ssmKillSwitch(
  store: ParameterStore,
  parameter: string,
  maxAgeSeconds = KILL_SWITCH_MAX_AGE_SECONDS,
): KillSwitch {
  return {
    async read() {
      try {
        return interpretKillSwitch(await store.get(parameter, { maxAgeSeconds }));
      } catch (error) {
        const problem = error instanceof ParameterReadError ? error.message : 'read failed';
        return { engaged: true, reason: `kill switch unreadable (${problem}); treated as engaged` };
      }
    },
  };
}

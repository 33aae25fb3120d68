// The global pause: an SSM parameter an operator flips to stop every change at once, read on each
// invocation through a short cache so a flip takes effect within seconds. A switch that is configured
// but cannot be read counts as engaged: when in doubt, change nothing.

import { interpretKillSwitch, type KillSwitch } from '../kill-switch';
import { ParameterReadError, type ParameterStore } from './parameters';

/** How stale a kill-switch reading may be. */
export const KILL_SWITCH_MAX_AGE_SECONDS = 5;

export { interpretKillSwitch, type KillSwitch, type KillSwitchState } from '../kill-switch';

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

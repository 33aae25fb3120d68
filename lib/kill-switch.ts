// The global pause as any reader reports it (an SSM parameter on Lambda, a file for `run`), and how a value
// is read: strictly, so that a typo stops changes rather than being ignored. When in doubt, change nothing.

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

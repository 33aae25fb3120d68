// How `run` serves and is steered, from flags or (in a container, where flags are fixed in the image) the
// environment: the health endpoints, the readiness window, the kill switch file and JSON-line output.

import type { Environment } from '../../lib/config';
import { type OptionValues, UsageError, wholeNumber } from '../args';

export const RUN_ENV = {
  healthPort: 'AUTOSCALER_HEALTH_PORT',
  healthHost: 'AUTOSCALER_HEALTH_HOST',
  killSwitchFile: 'AUTOSCALER_KILL_SWITCH_FILE',
  jsonLines: 'AUTOSCALER_JSON_LINES',
} as const;

export const DEFAULT_HEALTH_HOST = '127.0.0.1';
export const DEFAULT_READY_INTERVALS = 3;

export interface RunSettings {
  /** Undefined: no health server. */
  health?: { port: number; host: string };
  readyIntervals: number;
  killSwitchFile?: string;
  jsonLines: boolean;
}

const present = (env: Environment, name: string) => {
  const value = env[name]?.trim();
  return value ? value : undefined;
};

function portFrom(values: OptionValues, env: Environment): number | undefined {
  const flag = values['health-port'];
  const text = flag ?? present(env, RUN_ENV.healthPort);
  if (text === undefined) return undefined;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    const source = flag === undefined ? RUN_ENV.healthPort : '--health-port';
    throw new UsageError(`${source} must be a port number 0-65535 (0: no health server), got "${text}"`);
  }
  return port === 0 ? undefined : port;
}

function jsonLinesFrom(env: Environment): boolean {
  const value = present(env, RUN_ENV.jsonLines)?.toLowerCase();
  if (value === undefined) return false;
  if (['true', '1', 'yes', 'on'].includes(value)) return true;
  if (['false', '0', 'no', 'off'].includes(value)) return false;
  throw new UsageError(`${RUN_ENV.jsonLines} must be true or false (or 1/0, yes/no, on/off), got "${value}"`);
}

export function runSettings(values: OptionValues, env: Environment): RunSettings {
  const port = portFrom(values, env);
  const host = values['health-host'] ?? present(env, RUN_ENV.healthHost) ?? DEFAULT_HEALTH_HOST;
  const killSwitchFile = values['kill-switch-file'] ?? present(env, RUN_ENV.killSwitchFile);
  return {
    ...(port === undefined ? {} : { health: { port, host } }),
    readyIntervals:
      values['ready-intervals'] === undefined
        ? DEFAULT_READY_INTERVALS
        : wholeNumber('ready-intervals', values['ready-intervals'], 1),
    ...(killSwitchFile ? { killSwitchFile } : {}),
    jsonLines: values.json === true || jsonLinesFrom(env),
  };
}

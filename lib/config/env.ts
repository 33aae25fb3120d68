import type { ConfigIssue } from './issues';
import type { Config } from './types';

// Environment variables that override the file, so one file serves laptop, CI and Lambda. Credentials are not
// among them: the official SDK variables and SSM are read where requests are signed, never into the config.

export type Environment = Readonly<Record<string, string | undefined>>;

export interface EnvironmentSettings {
  configPath?: string;
  dryRun?: boolean;
  killSwitch?: boolean;
  endpoint?: string;
  stateTable?: string;
  stateFile?: string;
}

const truthy = new Set(['true', '1', 'yes', 'on']);
const falsy = new Set(['false', '0', 'no', 'off']);

const present = (env: Environment, name: string): string | undefined => {
  const value = env[name]?.trim();
  return value ? value : undefined;
};

function readBoolean(env: Environment, name: string, issues: ConfigIssue[]): boolean | undefined {
  const value = present(env, name)?.toLowerCase();
  if (value === undefined) return undefined;
  if (truthy.has(value)) return true;
  if (falsy.has(value)) return false;
  issues.push({ path: name, message: 'must be true or false (or 1/0, yes/no, on/off)' });
  return undefined;
}

function readUrl(env: Environment, name: string, issues: ConfigIssue[]): string | undefined {
  const value = present(env, name);
  if (value === undefined) return undefined;
  if (URL.canParse(value) && /^https?:$/.test(new URL(value).protocol)) return value;
  issues.push({ path: name, message: 'must be an http(s) URL' });
  return undefined;
}

export function readEnvironment(env: Environment): { settings: EnvironmentSettings; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const settings: EnvironmentSettings = {
    configPath: present(env, 'AUTOSCALER_CONFIG'),
    dryRun: readBoolean(env, 'AUTOSCALER_DRY_RUN', issues),
    killSwitch: readBoolean(env, 'AUTOSCALER_KILL_SWITCH', issues),
    endpoint: readUrl(env, 'AUTOSCALER_ENDPOINT', issues),
    stateTable: present(env, 'AUTOSCALER_STATE_TABLE'),
    stateFile: present(env, 'AUTOSCALER_STATE_FILE'),
  };
  if (settings.stateTable && settings.stateFile)
    issues.push({
      path: 'AUTOSCALER_STATE_FILE',
      message: 'cannot be set with AUTOSCALER_STATE_TABLE: pick one',
    });
  return { settings, issues };
}

export function applyEnvironment(config: Config, settings: EnvironmentSettings): Config {
  const { dryRun, killSwitch, endpoint, stateTable, stateFile } = settings;
  return {
    ...config,
    dryRun: dryRun ?? config.dryRun,
    killSwitch: killSwitch === undefined ? config.killSwitch : { ...config.killSwitch, enabled: killSwitch },
    connections: endpoint
      ? config.connections.map((connection) => ({
          ...connection,
          endpoint,
          auth:
            connection.auth.type === 'token'
              ? { ...connection.auth, iamEndpoint: endpoint }
              : connection.auth,
        }))
      : config.connections,
    state: stateTable
      ? { ...(config.state.type === 'dynamodb' ? config.state : {}), type: 'dynamodb', tableName: stateTable }
      : stateFile
        ? { type: 'file', path: stateFile }
        : config.state,
  };
}

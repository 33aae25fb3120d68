// Which config a serverless stage may be packaged with. The sample config (events/autoscaler.yaml) drives the
// local emulator: 127.0.0.1, no auth, dryRun off. Bundled into a deployed stage it would send every request to
// the Lambda's own loopback, so a deploy must name its config, and no deployed connection may point at this
// machine. Run at build time (functions/build/config-path.cjs), before anything is bundled.

import { ConfigError, type ConfigIssue, formatPath, quote } from './issues';
import type { ConnectionConfig } from './schema';

/** Stages that run on this machine against the emulator (`osls invoke local --stage local`). */
export const LOCAL_STAGES: readonly string[] = ['local'];

export const isLocalStage = (stage: string): boolean => LOCAL_STAGES.includes(stage);

const localStageOptions = () => LOCAL_STAGES.map((stage) => `--stage ${stage}`).join(', ');

const LOOPBACK_NAMES = new Set(['localhost', 'localhost.localdomain', 'ip6-localhost', 'ip6-loopback']);

/**
 * A host only the machine itself answers: localhost (and *.localhost), 127.0.0.0/8, ::1, an IPv4-mapped
 * loopback, or the unspecified address (0.0.0.0, ::), which connects to this machine too.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');
  if (LOOPBACK_NAMES.has(host) || host.endsWith('.localhost')) return true;
  if (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || host === '0.0.0.0') return true;
  if (host === '::' || host === '::1' || /^(0{1,4}:){7}0{0,3}1$/.test(host)) return true;
  return /^::ffff:(127\.|7f[0-9a-f]{2}:)/.test(host);
}

const hostOf = (endpoint: string): string | undefined => {
  try {
    return new URL(endpoint).hostname;
  } catch {
    return undefined;
  }
};

/** The connections of a config meant for a deployed stage that point at this machine. */
export function loopbackConnectionIssues(
  stage: string,
  connections: readonly Pick<ConnectionConfig, 'name' | 'endpoint'>[],
): ConfigIssue[] {
  return connections.flatMap((connection, index) => {
    const host = connection.endpoint === undefined ? undefined : hostOf(connection.endpoint);
    if (host === undefined || !isLoopbackHost(host)) return [];
    return [
      {
        path: formatPath(['connections', index, 'endpoint']),
        message:
          `connection ${quote(connection.name)} points at ${host}, this machine (the local emulator), which a ` +
          `function deployed to stage ${quote(stage)} cannot reach: set the real ModelArts endpoint, or leave ` +
          `endpoint out for the region's; only ${localStageOptions()} may use the emulator`,
      },
    ];
  });
}

/** The refusal of a deployed stage packaged without a config of its own. */
export function missingConfigError(stage: string, defaultPath: string): ConfigError {
  return new ConfigError([
    {
      path: 'configPath',
      message:
        `stage ${quote(stage)} needs its own config: pass --param="configPath=your-config.yaml" (or set ` +
        `params.${stage}.configPath in serverless.yml); the default ${defaultPath} is the local emulator's ` +
        `config (127.0.0.1, no auth) and is used only with ${localStageOptions()}`,
    },
  ]);
}

'use strict';
// serverless.yml's custom.autoscaler.configPath: the config file bundled into the functions, for the stage
// being packaged. The local stage defaults to the emulator's sample config; any other stage must name its
// own (the `configPath` param), and may not point a connection at this machine. Refused here, while the
// variables resolve, `osls package` and `osls deploy` stop before anything is built (see
// lib/config/deploy-stage.ts for why).

const { configResolver, readResolvedConfig } = require('./resolved-config.cjs');

/** The emulator's config (127.0.0.1, no auth, dryRun off), for `osls invoke local --stage local`. */
const LOCAL_CONFIG = 'events/autoscaler.yaml';

/** The config path for `stage`, given the `configPath` param (or null); throws lib/config's ConfigError. */
function configPathFor(stage, given) {
  const { ConfigError, isLocalStage, loopbackConnectionIssues, missingConfigError } = configResolver();
  if (isLocalStage(stage)) return given ?? LOCAL_CONFIG;
  if (given == null) throw missingConfigError(stage, LOCAL_CONFIG);
  const issues = loopbackConnectionIssues(stage, readResolvedConfig(given).connections);
  if (issues.length > 0) throw new ConfigError(issues, { source: given });
  return given;
}

/** serverless.yml: `${file(functions/build/config-path.cjs):configPath}`. */
async function configPath({ resolveVariable }) {
  const stage = await resolveVariable('sls:stage');
  const given = await resolveVariable('param:configPath, null');
  try {
    return configPathFor(stage, given);
  } catch (error) {
    // osls prints a rejection's stack: the message is what the user needs, the bundled resolver's frames are not.
    if (error instanceof Error) error.stack = `${error.name}: ${error.message}`;
    throw error;
  }
}

module.exports = { LOCAL_CONFIG, configPath, configPathFor };

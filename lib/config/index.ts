export { builtInFlavorDefaults, builtInGlobalDefaults } from './defaults';
export type { Environment } from './env';
export { environmentOverrides } from './env-overrides';
export { ConfigError, type ConfigIssue } from './issues';
export { configJsonSchema, renderConfigJsonSchema } from './json-schema';
export {
  configFromDocument,
  type LoadConfigOptions,
  loadConfig,
  type ParseConfigOptions,
  parseConfig,
} from './load';
export {
  DEFAULT_WORKSPACE_ID,
  entryWorkspace,
  listPoolsQuery,
  matchPools,
  type PoolMatch,
  resolveBacklogSettings,
  resolvePoolPolicy,
  workspacesToList,
} from './pools';
export { ConfigFileSchema } from './schema';
export { type BacklogSourceConfig, BacklogSourceSchema } from './sources';
export type {
  BacklogSettings,
  Config,
  ConnectionConfig,
  ManagedFlavor,
  PoolConfig,
  StateConfig,
} from './types';

// Backlog source configuration: a discriminated union on `type`. The union is defined next to the sources it
// configures (lib/metrics/registry.ts), so adding a source is one change there, schema and factory together;
// the config embeds it as it is.
export {
  type BacklogSourceConfig,
  type BacklogSourceConfigInput,
  BacklogSourceConfigSchema as BacklogSourceSchema,
} from '../metrics/registry';
export type { StaticSourceConfig } from '../metrics/sources/static';

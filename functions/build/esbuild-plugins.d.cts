import type { Plugin } from 'esbuild';

declare function plugins(serverless: {
  service: { custom: { autoscaler: { configPath: string } } };
}): Plugin[];
declare namespace plugins {
  function createPlugins(options: { configPath: string }): Plugin[];
  function rewriteZodImports(source: string): string;
  /** The backlog source registry module (its source text) cut down to `types`. */
  function registryFor(source: string, types: string[]): string;
  /** ky's core/constants.js source with its fetch probes answered for Node 22. */
  function kyConstantsForNode22(source: string): string;
  /** Marks each module-level `const X = z...` initializer pure. */
  function markZodSchemasPure(source: string): string;
  /** zod's json-schema-processors.js source with every processor but aggregateChecks stubbed. */
  function zodProcessorsStub(source: string): string;
}
export = plugins;

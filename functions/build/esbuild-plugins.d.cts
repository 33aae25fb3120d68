import type { Plugin } from 'esbuild';

declare function plugins(serverless: {
  service: { custom: { autoscaler: { configPath: string } } };
}): Plugin[];
declare namespace plugins {
  function createPlugins(options: { configPath: string }): Plugin[];
  function rewriteZodImports(source: string): string;
  /** The backlog source registry module (its source text) cut down to `types`. */
  function registryFor(source: string, types: string[]): string;
}
export = plugins;

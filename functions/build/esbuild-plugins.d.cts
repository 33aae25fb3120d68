import type { Plugin } from 'esbuild';

declare function plugins(serverless: {
  service: { custom: { autoscaler: { configPath: string } } };
}): Plugin[];
declare namespace plugins {
  function createPlugins(options: { configPath: string }): Plugin[];
  function rewriteZodImports(source: string): string;
}
export = plugins;

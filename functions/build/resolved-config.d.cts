import type { Config } from '../../lib/config/types';

export function readResolvedConfig(path: string): Config;
export function backlogSourceTypes(config: Config): string[];
/** The exports of a TypeScript entry (imports relative to the repository root), bundled and evaluated. */
export function bundledModule(entry: string, sourcefile: string): Record<string, unknown>;
export function usesSchedules(config: Config): boolean;

import type { Config } from '../../lib/config/types';

export function readResolvedConfig(path: string): Config;
export function backlogSourceTypes(config: Config): string[];

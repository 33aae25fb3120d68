export const LOCAL_CONFIG: string;
/** The config path for `stage`, given the `configPath` param (or null); throws lib/config's ConfigError. */
export function configPathFor(stage: string, given: string | null): string;
export function configPath(api: { resolveVariable: (address: string) => Promise<unknown> }): Promise<string>;

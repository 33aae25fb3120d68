export function readConfigDocument(path: string): unknown;
export function scheduleRateFor(document: unknown): string;
export function scheduleRate(api: { resolveVariable: (address: string) => Promise<string> }): Promise<string>;

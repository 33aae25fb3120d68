type Resolver = { resolveVariable: (name: string) => Promise<unknown> };
export function topicArnOf(document: unknown): string;
export function topicArn(options: Resolver): Promise<string>;
export function secretParameterOf(document: unknown): string;
export function secretParameter(options: Resolver): Promise<string>;

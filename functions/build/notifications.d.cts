export function topicArnOf(document: unknown): string;
export function topicArn(options: { resolveVariable: (name: string) => Promise<unknown> }): Promise<string>;

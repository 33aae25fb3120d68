// Which PATCH refusals mean "no capacity" (node-apis.md, "Sold out and quota"; related-apis.md §6). A refusal that
// is neither is an ordinary failure: it backs off nothing.

/** Sold out in an AZ: the flavor cannot grow there now. */
export const SOLD_OUT_CODES: readonly string[] = ['ModelArts.6716', 'ModelArts.6329', 'ModelArts.4992'];

/** Over a project quota: the flavor cannot grow in any AZ. */
export const QUOTA_CODES: readonly string[] = [
  'ModelArts.0118',
  'ModelArts.2815',
  'ModelArts.3561',
  'ModelArts.5040',
];

export type CapacityRefusal =
  | { kind: 'sold-out'; code: string /** The AZ the message names, when it names one. */; az?: string }
  | { kind: 'quota'; code: string /** The quota the message names, or the code. */; quota: string };

/**
 * The capacity refusal an API error carries, if any. `knownAzs` are the AZ codes the message may name (the
 * pool's and the flavor's): an AZ is taken from the message only when it is one of them, so that a message in
 * another language or format never backs off an AZ by accident (then every AZ the PATCH grew backs off).
 */
export function capacityRefusal(
  error: { errorCode?: string; errorMsg?: string } | undefined,
  knownAzs: readonly string[],
): CapacityRefusal | undefined {
  const code = error?.errorCode;
  if (code === undefined) return undefined;
  const text = error?.errorMsg ?? '';
  if (SOLD_OUT_CODES.includes(code)) {
    const az = knownAzs.find((candidate) => candidate !== '' && text.includes(candidate));
    return az === undefined ? { kind: 'sold-out', code } : { kind: 'sold-out', code, az };
  }
  if (QUOTA_CODES.includes(code)) {
    const named = /quota[^.;,]*/i.exec(text)?.[0]?.trim();
    return { kind: 'quota', code, quota: named !== undefined && named.length > 0 ? named : code };
  }
  return undefined;
}

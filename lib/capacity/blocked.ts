// Where a flavor's growth must not go at `now`, and why: the planner's view of the stock read and the backoffs.
// Pure. Unknown is never "blocked": a failed stock read (stock undefined), a flavor or AZ the stock does not name,
// or a stock word other than normal/soldout leaves the AZ open, so that a broken read never stops growth.
//
// stockAware false turns both the stock and the backoffs off: it stands for the behaviour before capacity
// awareness (the bench's "without stock awareness"), where a refused PATCH was simply tried again next cycle.

import { blocks } from './backoff';
import {
  type Backoff,
  type CapacityMemory,
  type CapacitySettings,
  type FlavorStockMap,
  WHOLE_FLAVOR,
} from './types';

export type BlockedBy =
  /** The stock read says `soldout` (for `every`: in each AZ it names, listed in `azs`). */
  | { kind: 'sold-out'; azs?: readonly string[] }
  /** A backoff of this AZ (sold out, stuck creating), or of the flavor as a whole ('*'). */
  | { kind: 'backoff'; backoff: Backoff }
  /** A quota refusal: per project, so every AZ. */
  | { kind: 'quota'; backoff: Backoff };

export interface BlockedAzs {
  /** Blocks every AZ of the flavor: quota, a '*' backoff, or (a flavor without azs) sold out wherever stocked. */
  every?: BlockedBy;
  /** AZ -> why growth avoids it, for every AZ known blocked (listed by the flavor or not). */
  azs: Record<string, BlockedBy>;
}

export interface BlockedInput {
  flavor: string;
  /** Whether the flavor lists azs in spec.resources (a flavor without them is placed by ModelArts). */
  hasAzs: boolean;
  memory: CapacityMemory | undefined;
  stock: FlavorStockMap | undefined;
  settings: CapacitySettings;
  now: number;
}

/** What blocks the flavor's growth at `now`; undefined when nothing does (the usual case: allocates nothing). */
export function blockedAzs(input: BlockedInput): BlockedAzs | undefined {
  const { flavor, memory, settings, now } = input;
  if (!settings.stockAware) return undefined;
  const stock = input.stock === undefined ? undefined : own(input.stock, flavor);
  const backoffs = memory?.azs === undefined ? undefined : own(memory.azs, flavor);
  const quota = memory?.quota === undefined ? undefined : own(memory.quota, flavor);
  if (stock === undefined && backoffs === undefined && !blocks(quota, now)) return undefined;

  let found: BlockedAzs | undefined;
  const add = (az: string, by: BlockedBy) => {
    found ??= { azs: {} };
    found.azs[az] = by;
  };
  if (stock !== undefined) {
    for (const az of Object.keys(stock)) if (stock[az] === 'soldout') add(az, { kind: 'sold-out' });
  }
  if (backoffs !== undefined) {
    for (const az of Object.keys(backoffs)) {
      const backoff = backoffs[az];
      if (az !== WHOLE_FLAVOR && blocks(backoff, now)) add(az, { kind: 'backoff', backoff });
    }
  }
  const every = everyAz(input, stock, backoffs, quota);
  if (every !== undefined) {
    found ??= { azs: {} };
    found.every = every;
  }
  return found;
}

function everyAz(
  { hasAzs, now }: BlockedInput,
  stock: Record<string, string> | undefined,
  backoffs: Record<string, Backoff> | undefined,
  quota: Backoff | undefined,
): BlockedBy | undefined {
  if (blocks(quota, now)) return { kind: 'quota', backoff: quota };
  const whole = backoffs === undefined ? undefined : own(backoffs, WHOLE_FLAVOR);
  if (blocks(whole, now)) return { kind: 'backoff', backoff: whole };
  // A flavor with azs is judged AZ by AZ (an AZ the stock does not name is open); one without is placed by
  // ModelArts, so it is blocked only when no AZ the stock names has any.
  if (hasAzs || stock === undefined) return undefined;
  const named = Object.keys(stock);
  if (named.length === 0 || named.some((az) => stock[az] !== 'soldout')) return undefined;
  return { kind: 'sold-out', azs: named };
}

/** Why growth must avoid `az` (an AZ code of the flavor), if it must. */
export function blockedBy(blocked: BlockedAzs | undefined, az: string): BlockedBy | undefined {
  if (blocked === undefined) return undefined;
  return blocked.every ?? own(blocked.azs, az);
}

/** "cn-north-4a sold out", "cn-north-4b in backoff until 14:05 UTC after 2 sold-out failures (ModelArts.6716)". */
export function describeBlock(az: string, by: BlockedBy): string {
  switch (by.kind) {
    case 'sold-out':
      return by.azs === undefined ? `${az} sold out` : `sold out in every AZ (${by.azs.join(', ')})`;
    case 'backoff':
      return `${az === WHOLE_FLAVOR ? 'the flavor' : az} in backoff ${describeBackoff(by.backoff)}`;
    case 'quota': {
      const code = by.backoff.code === undefined ? '' : ` ${by.backoff.code}`;
      return `over quota${code} (every AZ) ${describeBackoff(by.backoff, false)}`;
    }
  }
}

function describeBackoff(backoff: Backoff, withCode = true): string {
  const failures = `${backoff.failures} ${backoff.cause} failure${backoff.failures === 1 ? '' : 's'}`;
  const code = withCode && backoff.code !== undefined ? ` (${backoff.code})` : '';
  return `until ${clock(backoff.until)} after ${failures}${code}`;
}

/** HH:MM UTC: a plan is read while a backoff runs, so the time of day is what a reader needs. */
export const clock = (epochMs: number): string => `${new Date(epochMs).toISOString().slice(11, 16)} UTC`;

function own<T>(record: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

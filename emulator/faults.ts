import { z } from 'zod';
import { ErrorCodes } from '../lib/modelarts/error-codes';
import { seededRandom } from '../lib/prng';
import type { RouteName } from './route';

export const ROUTE_NAMES = [
  'listPools',
  'getPool',
  'createPool',
  'patchPool',
  'iamToken',
  'workloadStats',
  'listWorkloads',
  'listNodes',
  'getNode',
  'drainNodes',
  'undrainNodes',
  'deleteNodes',
  'listFlavors',
] as const satisfies readonly RouteName[];

const rate = z.number().min(0).max(1);

export const FaultRuleSchema = z
  .strictObject({
    latencyMs: z.number().int().nonnegative().optional(),
    /** Share of requests answered 500 ModelArts.50005000. */
    errorRate: rate.optional(),
    /** Share of requests answered 429 ModelArts.2799 with Retry-After. */
    throttleRate: rate.optional(),
    retryAfterSeconds: z.number().int().nonnegative().optional(),
    /** Share of requests whose connection is destroyed without an answer. */
    dropRate: rate.optional(),
    /** Share of requests never answered (until the emulator closes). */
    hangRate: rate.optional(),
    /** Share of requests handled normally but answered with truncated JSON. */
    malformedRate: rate.optional(),
  })
  .refine((rule) => totalRate(rule) <= 1, { message: 'the rates add up to more than 1' });

export const FaultRulesSchema = z.partialRecord(z.enum([...ROUTE_NAMES, '*']), FaultRuleSchema);

export type FaultRule = z.infer<typeof FaultRuleSchema>;
/** Per route, or `*` for every route; a route's own rule overrides `*` field by field. */
export type FaultRules = z.infer<typeof FaultRulesSchema>;

export const FailNextFaultSchema = z.union([
  z.strictObject({
    status: z.number().int().min(400).max(599),
    errorCode: z.string().min(1).optional(),
    retryAfterSeconds: z.number().int().nonnegative().optional(),
  }),
  z.strictObject({ drop: z.literal(true) }),
  z.strictObject({ hang: z.literal(true) }),
  z.strictObject({ malformed: z.literal(true) }),
]);
export type FailNextFault = z.infer<typeof FailNextFaultSchema>;

/** What happens to one request. */
export type FaultOutcome =
  | { kind: 'none' }
  | { kind: 'drop' }
  | { kind: 'hang' }
  | { kind: 'malformed' }
  | { kind: 'error'; status: number; errorCode: string; errorMsg: string; retryAfterSeconds?: number };

/** Decides each request's fault: queued failNext faults first, then the probabilistic rules from a seeded PRNG. */
export class FaultInjector {
  #rules: FaultRules = {};
  readonly #queued = new Map<RouteName, FailNextFault[]>();
  #random: () => number;

  constructor(
    rules: FaultRules,
    private readonly seed: number,
  ) {
    this.#random = seededRandom(seed);
    this.setRules(rules);
  }

  setRules(rules: FaultRules): void {
    this.#rules = FaultRulesSchema.parse(rules);
  }

  failNext(route: RouteName, count: number, fault: FailNextFault): void {
    z.enum(ROUTE_NAMES).parse(route);
    z.number().int().positive().parse(count);
    const parsed = FailNextFaultSchema.parse(fault);
    const queue = this.#queued.get(route) ?? [];
    this.#queued.set(route, [...queue, ...Array.from({ length: count }, () => parsed)]);
  }

  /** Forgets rules and queued faults, and restarts the PRNG from its seed. */
  reset(): void {
    this.#rules = {};
    this.#queued.clear();
    this.#random = seededRandom(this.seed);
  }

  decide(route: RouteName): { latencyMs: number; outcome: FaultOutcome } {
    const rule: FaultRule = { ...this.#rules['*'], ...this.#rules[route] };
    const latencyMs = rule.latencyMs ?? 0;
    const queued = this.#queued.get(route)?.shift();
    if (queued) return { latencyMs, outcome: outcomeOf(queued) };
    if (totalRate(rule) === 0) return { latencyMs, outcome: { kind: 'none' } };

    // One roll, split into consecutive bands, so each rate is exactly the share of requests it gets.
    let roll = this.#random();
    const bands: [number | undefined, () => FaultOutcome][] = [
      [rule.dropRate, () => ({ kind: 'drop' })],
      [rule.hangRate, () => ({ kind: 'hang' })],
      [rule.throttleRate, () => throttled(rule.retryAfterSeconds ?? 1)],
      [rule.errorRate, () => internalError()],
      [rule.malformedRate, () => ({ kind: 'malformed' })],
    ];
    for (const [share = 0, outcome] of bands) {
      if (roll < share) return { latencyMs, outcome: outcome() };
      roll -= share;
    }
    return { latencyMs, outcome: { kind: 'none' } };
  }
}

type Rates = Partial<
  Record<'dropRate' | 'hangRate' | 'throttleRate' | 'errorRate' | 'malformedRate', number>
>;

function totalRate(rule: Rates): number {
  return (
    (rule.dropRate ?? 0) +
    (rule.hangRate ?? 0) +
    (rule.throttleRate ?? 0) +
    (rule.errorRate ?? 0) +
    (rule.malformedRate ?? 0)
  );
}

function outcomeOf(fault: FailNextFault): FaultOutcome {
  if ('drop' in fault) return { kind: 'drop' };
  if ('hang' in fault) return { kind: 'hang' };
  if ('malformed' in fault) return { kind: 'malformed' };
  const retryAfterSeconds = fault.retryAfterSeconds ?? (fault.status === 429 ? 1 : undefined);
  return {
    kind: 'error',
    status: fault.status,
    errorCode: fault.errorCode ?? defaultErrorCode(fault.status),
    errorMsg: `injected fault (${fault.status})`,
    ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
  };
}

const throttled = (retryAfterSeconds: number): FaultOutcome => ({
  kind: 'error',
  status: 429,
  errorCode: ErrorCodes.tooManyRequests,
  errorMsg: 'Too many requests, please try again later.',
  retryAfterSeconds,
});

const internalError = (): FaultOutcome => ({
  kind: 'error',
  status: 500,
  errorCode: ErrorCodes.internal,
  errorMsg: 'internal error',
});

function defaultErrorCode(status: number): string {
  if (status >= 500) return ErrorCodes.internal;
  const byStatus: Record<number, string> = {
    401: ErrorCodes.invalidToken,
    403: ErrorCodes.forbiddenProject,
    404: ErrorCodes.poolNotFound,
    409: ErrorCodes.operationsConflict,
    429: ErrorCodes.tooManyRequests,
  };
  return byStatus[status] ?? ErrorCodes.badRequest;
}

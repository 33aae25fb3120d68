import { z } from 'zod';
import type { PoolHistory } from './store';

// What a backend hands back is checked before the scaler trusts it: a hand-edited state file or a foreign
// item in the table must fail loudly, not skew a stabilization window.

const epochMs = z.number().finite();
const count = z.number().int().nonnegative();
const backoff = z.object({
  cause: z.enum(['sold-out', 'quota', 'stuck-creating']),
  failures: count,
  until: epochMs,
  lastFailureAt: epochMs,
  code: z.string().optional(),
});

export const PoolHistorySchema = z.object({
  flavors: z.record(
    z.string(),
    z.object({
      recommendations: z.array(z.object({ at: epochMs, count })),
      events: z.array(z.object({ at: epochMs, from: count, to: count })),
      backlogSeries: z.object({ at: epochMs, maxima: z.string() }).optional(),
    }),
  ),
  lastPatchAt: epochMs.optional(),
  scaleIn: z
    .object({
      nodes: z.record(
        z.string(),
        z.object({
          flavor: z.string(),
          idleSince: epochMs.optional(),
          drainedAt: epochMs.optional(),
          pickedAt: epochMs.optional(),
          abnormalSince: epochMs.optional(),
        }),
      ),
      stopped: z
        .object({
          at: epochMs,
          flavor: z.string(),
          nodes: z.array(z.string()),
          countBefore: count,
          countAfter: count,
        })
        .optional(),
      conflict: z.object({ failures: count, until: epochMs }).optional(),
      drainUnavailableSince: epochMs.optional(),
      undrainUnavailableSince: epochMs.optional(),
    })
    .optional(),
  capacity: z
    .object({
      azs: z.record(z.string(), z.record(z.string(), backoff)).optional(),
      quota: z.record(z.string(), backoff).optional(),
      order: z
        .object({ at: epochMs, name: z.string().optional(), flavors: z.record(z.string(), count) })
        .optional(),
      creatingSince: z.record(z.string(), epochMs).optional(),
      conflict: z.object({ failures: count, until: epochMs }).optional(),
    })
    .optional(),
  notified: z
    .object({
      guards: z.array(z.string()).optional(),
      backoffs: z.array(z.string()).optional(),
      failures: count.optional(),
    })
    .optional(),
}) satisfies z.ZodType<PoolHistory>;

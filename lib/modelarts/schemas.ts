import { z } from 'zod';

// Core of the Pool schema: the fields the scaler relies on. Every object is loose so that
// fields ModelArts adds later pass through untouched.

export const AzCountSchema = z.looseObject({
  az: z.string(),
  count: z.number().int().nonnegative(),
});

export const PoolFlavorResourceSchema = z.looseObject({
  flavor: z.string().min(1),
  count: z.number().int().nonnegative(),
  maxCount: z.number().int().nonnegative().optional(),
  azs: z.array(AzCountSchema).optional(),
});

export const FlavorCountSchema = z.looseObject({
  flavor: z.string().optional(),
  count: z.number().int().nonnegative().optional(),
  maxCount: z.number().int().nonnegative().optional(),
  azs: z.array(AzCountSchema).optional(),
});

// The docs show an array of flavor counts; the official SDKs model a single object. Normalise to an array.
const flavorCounts = z
  .union([z.array(FlavorCountSchema), FlavorCountSchema])
  .transform((value) => (Array.isArray(value) ? value : [value]));

export const PoolStatusResourcesSchema = z.looseObject({
  creating: flavorCounts.optional(),
  available: flavorCounts.optional(),
  abnormal: flavorCounts.optional(),
  deleting: flavorCounts.optional(),
});

export const PoolSchema = z.looseObject({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: z.looseObject({
    name: z.string().min(1),
    creationTimestamp: z.string().optional(),
    labels: z.record(z.string(), z.string()).optional(),
    annotations: z.record(z.string(), z.string()).optional(),
  }),
  spec: z.looseObject({
    resources: z.array(PoolFlavorResourceSchema),
    controlMode: z.number().int().nonnegative().optional(),
  }),
  status: z
    .looseObject({
      phase: z.string().optional(),
      resources: PoolStatusResourcesSchema.optional(),
    })
    .optional(),
});

export type AzCount = z.infer<typeof AzCountSchema>;
export type PoolFlavorResource = z.infer<typeof PoolFlavorResourceSchema>;
export type FlavorCount = z.infer<typeof FlavorCountSchema>;
export type Pool = z.infer<typeof PoolSchema>;

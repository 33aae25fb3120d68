import { z } from 'zod';
import { PoolResponseError } from './errors';
import { toFieldProblems } from './schema-error';

// Schemas for the four ModelArts pool APIs (get, list, create, update), from /shared/modelarts-api: the 2025 and
// 2024 get-pool pages, the OTC list page, the create and update pages, and the SDK models (related-apis.md §8).
//
// Two kinds of field:
// - the fields the scaler relies on (metadata.name, metadata.annotations, spec.resources[].flavor/count/azs,
//   spec.controlMode, status.phase, status.resources.*) are strict about type: a wrong type fails the pool;
// - every other documented field is `tolerant`: optional, and a value of an unexpected type is dropped instead of
//   failing the pool, because the docs disagree on several of them and the scaler never reads them.
// Every object is loose, so fields ModelArts adds later pass through untouched.

/** A documented field the scaler does not read: optional, and dropped (not fatal) when its type is unexpected. */
function tolerant<T extends z.ZodType>(schema: T) {
  return schema.optional().catch(undefined);
}

// One instance for every optional string field: schemas are immutable, and a cold start builds each only once.
const optionalText = z.string().optional();
const wholeNumber = z.number().int().nonnegative();
const optionalWholeNumber = wholeNumber.optional();
const text = tolerant(z.string());
const texts = tolerant(z.array(z.string()));
// Documented as String on one page and Integer on another.
const stringOrNumber = tolerant(z.union([z.string(), z.number()]));

/** One of something the docs describe as an object on one page and an array on another. */
function oneOrMany<T extends z.ZodType>(item: T) {
  return tolerant(z.union([item, z.array(item)]));
}

// Pool names: "36 to 63 characters, must start with a lowercase letter and cannot end with a hyphen; digits and
// hyphens are allowed" (get-pool.txt, related-apis.md).
export const POOL_NAME_PATTERN = /^[a-z][a-z0-9-]{34,61}[a-z0-9]$/;
export const PoolNameSchema = z
  .string()
  .regex(
    POOL_NAME_PATTERN,
    'must be 36 to 63 characters of lower-case letters, digits and hyphens, start with a letter and not end with a hyphen',
  );

// ---------------------------------------------------------------------------------------------------------------
// metadata

/** Labels documented on the get, list, create and update pages. Other keys pass through as strings. */
export const PoolLabelsSchema = z
  .object({
    'os.modelarts/name': optionalText,
    'os.modelarts/workspace.id': optionalText,
    'os.modelarts/node.prefix': optionalText,
    'os.modelarts/resource.id': optionalText,
    'os.modelarts/tenant.domain.id': optionalText,
    'os.modelarts/tenant.project.id': optionalText,
    'os.modelarts/enterprise.project.id': optionalText,
    'os.modelarts.pool/biz': optionalText,
    'os.modelarts/create-from': optionalText,
    'os.modelarts/nobilling': optionalText,
    'os.modelarts/order.name': optionalText,
    'os.modelarts/region': optionalText,
    'os.modelarts/sharing': optionalText,
  })
  .catchall(z.string());

/** Annotations documented on the get, list, create and update pages. Other keys pass through as strings. */
export const PoolAnnotationsSchema = z
  .object({
    'os.modelarts/description': optionalText,
    /** `0` pay-per-use, `1` yearly/monthly. */
    'os.modelarts/billing.mode': optionalText,
    'os.modelarts/period.num': optionalText,
    /** `2` month, `3` year (the 2024 page adds `4` hour). */
    'os.modelarts/period.type': optionalText,
    'os.modelarts/auto.renew': optionalText,
    'os.modelarts/auto.pay': optionalText,
    'os.modelarts/promotion.info': optionalText,
    'os.modelarts/service.console.url': optionalText,
    'os.modelarts/order.id': optionalText,
    'os.modelarts/flavor.resource.ids': optionalText,
    'os.modelarts/tms.tags': optionalText,
    'os.modelarts.pool/scheduler.queue.strategy': optionalText,
    'os.modelarts.pool/subpools.count': optionalText,
    'os.modelarts/tenant.domain.name': optionalText,
    'os.modelarts.pool/scope.external.dependency.train': optionalText,
    'os.modelarts.pool/scope.external.dependency.Train': optionalText,
    'os.modelarts.pool/scope.external.dependency.Infer': optionalText,
    'os.modelarts.pool/scope.external.dependency.Notebook': optionalText,
    'os.modelarts/scheduler.extension': optionalText,
    'os.modelarts/volcano.scheduler.cabinet-exclusive.enabled': optionalText,
  })
  .catchall(z.string());

export const PoolMetadataSchema = z.looseObject({
  name: z.string().min(1),
  creationTimestamp: text,
  labels: tolerant(PoolLabelsSchema),
  annotations: PoolAnnotationsSchema.optional(),
});

// ---------------------------------------------------------------------------------------------------------------
// spec

export const AzCountSchema = z.looseObject({
  az: z.string(),
  count: wholeNumber,
});
const optionalAzCounts = z.array(AzCountSchema).optional();

const CreatingStepSchema = z.looseObject({
  step: tolerant(z.number()),
  /** `rack` or `hyperinstance`. */
  type: text,
});
const tolerantCreatingStep = tolerant(CreatingStepSchema);

const ResourceExtendParamsSchema = z.looseObject({
  dockerBaseSize: text,
  volumeGroup: text,
  runtime: text,
  postInstall: text,
});

const OsSchema = z.looseObject({
  name: text,
  imageId: text,
  /** `private`. */
  imageType: text,
});

const UserTagSchema = z.looseObject({ key: text, value: text });

const RootVolumeSchema = z.looseObject({
  /** `SSD`, `GPSSD`, `SAS`. */
  volumeType: text,
  size: stringOrNumber,
});

const DataVolumeSchema = z.looseObject({
  volumeType: text,
  size: stringOrNumber,
  count: stringOrNumber,
  extendParams: tolerant(z.looseObject({ billing: text, volumeGroup: text })),
});

const VolumeGroupConfigSchema = z.looseObject({
  volumeGroup: text,
  dockerThinPool: stringOrNumber,
  lvmConfig: tolerant(z.looseObject({ lvType: text, path: text })),
  /** `volume` or `local`. */
  types: texts,
});

export const PoolFlavorResourceSchema = z.looseObject({
  flavor: z.string().min(1),
  count: wholeNumber,
  maxCount: optionalWholeNumber,
  azs: optionalAzCounts,
  extendParams: tolerant(ResourceExtendParamsSchema),
  os: tolerant(OsSchema),
  tags: tolerant(z.array(UserTagSchema)),
  creatingStep: tolerantCreatingStep,
  rootVolume: tolerant(RootVolumeSchema),
  // get-pool.txt: "dataVolumes object"; list-pools.rst: "Array of DataVolumeItem".
  dataVolumes: oneOrMany(DataVolumeSchema),
  volumeGroupConfigs: oneOrMany(VolumeGroupConfigSchema),
});

const ContainerNetworkSchema = z.looseObject({
  /** `overlay_l2`, `vpc-router`, `eni`. */
  mode: text,
  cidr: text,
});
const tolerantContainerNetwork = tolerant(ContainerNetworkSchema);

const PoolDriverSchema = z.looseObject({
  gpuVersion: text,
  npuVersion: text,
  /** `force` or `idle`. */
  updateStrategy: text,
});

export const PoolSpecSchema = z.looseObject({
  /** `Dedicate` (physical) or `Logical`. */
  type: text,
  /** `Train`, `Infer`, `Notebook`. */
  scope: texts,
  resources: z.array(PoolFlavorResourceSchema),
  // The Huawei pages and SDKs spell it `containernetwork`, the OTC list page `containerNetwork`: both are read.
  containernetwork: tolerantContainerNetwork,
  containerNetwork: tolerantContainerNetwork,
  network: tolerant(z.looseObject({ name: text })),
  jobFlavors: texts,
  driver: tolerant(PoolDriverSchema),
  /** Bit mask of restrictions: CONTROL_MODE_BITS (control-mode.ts). */
  controlMode: optionalWholeNumber,
  kubernetesSvcIpRange: text,
  masters: tolerant(z.array(z.looseObject({ az: text }))),
  clusterFlavor: text,
});

// ---------------------------------------------------------------------------------------------------------------
// status

export const FlavorCountSchema = z.looseObject({
  flavor: optionalText,
  count: optionalWholeNumber,
  maxCount: optionalWholeNumber,
  azs: optionalAzCounts,
  nodePool: text,
  creatingStep: tolerantCreatingStep,
});

// The docs' examples use an array of flavor counts; the official SDKs model a single object. Normalised to an
// array (null, which some servers send for "none", to absent).
const flavorCounts = z
  .preprocess(
    (value) => (value === null ? undefined : isPlainObject(value) ? [value] : value),
    z.array(FlavorCountSchema).optional(),
  )
  .optional();

export const PoolStatusResourcesSchema = z.looseObject({
  creating: flavorCounts,
  available: flavorCounts,
  abnormal: flavorCounts,
  deleting: flavorCounts,
});

const PoolScopeStatusSchema = z.looseObject({
  /** `Train`, `Infer`, `Notebook`. */
  scopeType: text,
  /** `Enabling`, `Enabled`, `EnableFailed`, `Disabling`, `Disabled`. */
  state: text,
  plugins: tolerant(z.array(z.looseObject({ name: text, phase: text }))),
  message: text,
});

const PoolDriverStatusSchema = z.looseObject({
  version: text,
  /** `Creating`, `Upgrading`, `Running`, `Abnormal`. */
  state: text,
});
const tolerantDriverStatus = tolerant(PoolDriverStatusSchema);

const PoolClusterSchema = z.looseObject({
  name: text,
  clusterFlavor: text,
  type: text,
  version: text,
  plugins: oneOrMany(z.looseObject({ name: text })),
});

export const PoolStatusSchema = z.looseObject({
  /**
   * `Creating`, `Running`, `Abnormal`, `Deleting`, `Error`; the OTC pages add `CreationFailed`, `ScalingFailed`,
   * `Waiting`. Kept a plain string: anything but `Running` means "not scalable".
   */
  phase: optionalText,
  message: text,
  resources: PoolStatusResourcesSchema.optional(),
  scope: tolerant(z.array(PoolScopeStatusSchema)),
  driver: tolerant(z.looseObject({ gpu: tolerantDriverStatus, npu: tolerantDriverStatus })),
  parent: text,
  root: text,
  clusters: oneOrMany(PoolClusterSchema),
});

export const PoolSchema = z.looseObject({
  apiVersion: text,
  kind: text,
  metadata: PoolMetadataSchema,
  spec: PoolSpecSchema,
  status: PoolStatusSchema.optional(),
});

export const PoolListSchema = z.looseObject({
  apiVersion: text,
  kind: text,
  items: z.array(PoolSchema),
});

/**
 * Error body of every ModelArts API (`X-Request-Id` comes as a response header). Built on first use (z.lazy):
 * the functions read error bodies with error-body.ts, so a bundle neither keeps nor builds this one.
 */
export const ModelArtsErrorBodySchema = z.lazy(() =>
  z.looseObject({
    error_code: z.string(),
    error_msg: z.string(),
  }),
);

export type AzCount = z.infer<typeof AzCountSchema>;
export type PoolFlavorResource = z.infer<typeof PoolFlavorResourceSchema>;
export type FlavorCount = z.infer<typeof FlavorCountSchema>;
export type PoolLabels = z.infer<typeof PoolLabelsSchema>;
export type PoolAnnotations = z.infer<typeof PoolAnnotationsSchema>;
export type PoolMetadata = z.infer<typeof PoolMetadataSchema>;
export type PoolSpec = z.infer<typeof PoolSpecSchema>;
export type PoolStatus = z.infer<typeof PoolStatusSchema>;
export type PoolStatusResources = z.infer<typeof PoolStatusResourcesSchema>;
export type Pool = z.infer<typeof PoolSchema>;
export type PoolList = z.infer<typeof PoolListSchema>;
export type ModelArtsErrorBody = z.infer<typeof ModelArtsErrorBodySchema>;

// ---------------------------------------------------------------------------------------------------------------
// parsing responses

/** Parses one pool (a GET or PATCH response), throwing a PoolResponseError that names the pool and each field. */
export function parsePool(raw: unknown): Pool {
  const result = PoolSchema.safeParse(raw);
  if (result.success) return result.data;
  throw new PoolResponseError(readableName(raw), toFieldProblems(result.error.issues), {
    cause: result.error,
  });
}

/**
 * Parses a LIST response pool by pool: a bad pool becomes an error of its own and the others still parse.
 * Throws a PoolResponseError only when the envelope itself has no `items` array.
 */
export function parsePoolList(raw: unknown): { pools: Pool[]; errors: PoolResponseError[] } {
  const envelope = z.looseObject({ items: z.array(z.unknown()) }).safeParse(raw);
  if (!envelope.success) {
    throw new PoolResponseError(undefined, toFieldProblems(envelope.error.issues), { cause: envelope.error });
  }
  const pools: Pool[] = [];
  const errors: PoolResponseError[] = [];
  envelope.data.items.forEach((item, index) => {
    const result = PoolSchema.safeParse(item);
    if (result.success) pools.push(result.data);
    else {
      const name = readableName(item) ?? `items[${index}]`;
      errors.push(new PoolResponseError(name, toFieldProblems(result.error.issues), { cause: result.error }));
    }
  });
  return { pools, errors };
}

/** The container network, whichever of the two documented spellings the server used. */
export function containerNetworkOf(pool: Pool): z.infer<typeof ContainerNetworkSchema> | undefined {
  return pool.spec.containernetwork ?? pool.spec.containerNetwork;
}

function readableName(raw: unknown): string | undefined {
  if (!isPlainObject(raw) || !isPlainObject(raw.metadata)) return undefined;
  const name = raw.metadata.name;
  return typeof name === 'string' && name !== '' ? name : undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ---------------------------------------------------------------------------------------------------------------
// request bodies

const JOB_SCOPES = ['Train', 'Infer', 'Notebook'] as const;
const UPDATE_STRATEGIES = ['force', 'idle'] as const;
const DriverRequestSchema = z.lazy(() =>
  z.looseObject({
    gpuVersion: optionalText,
    npuVersion: optionalText,
    updateStrategy: z.enum(UPDATE_STRATEGIES).optional(),
  }),
);

type RefinementCtx = z.core.$RefinementCtx;

function checkAzs(resource: { count: number; azs?: AzCount[] }, ctx: RefinementCtx, path: PropertyKey[]) {
  if (!resource.azs) return;
  const seen = new Set<string>();
  for (const [i, { az }] of resource.azs.entries()) {
    if (seen.has(az))
      ctx.addIssue({
        code: 'custom',
        path: [...path, 'azs', i, 'az'],
        message: `AZ "${az}" is listed twice`,
      });
    seen.add(az);
  }
  const sum = resource.azs.reduce((total, entry) => total + entry.count, 0);
  if (sum !== resource.count) {
    ctx.addIssue({
      code: 'custom',
      path: [...path, 'azs'],
      message: `AZ counts add up to ${sum}, but count is ${resource.count}`,
    });
  }
}

function flavorsListedOnce(resources: { flavor: string }[], ctx: RefinementCtx, path: PropertyKey[]) {
  const seen = new Set<string>();
  for (const [i, { flavor }] of resources.entries()) {
    if (seen.has(flavor))
      ctx.addIssue({
        code: 'custom',
        path: [...path, i, 'flavor'],
        message: `flavor "${flavor}" is listed twice`,
      });
    seen.add(flavor);
  }
}

// The request bodies are built on first use (z.lazy): a cycle that changes nothing sends no PATCH, and the
// functions never create a pool, so a cold start does not pay for them.
const nodeCount = z.lazy(() =>
  z
    .number()
    .int()
    .min(
      1,
      'must be at least 1: ModelArts cannot scale a flavor to 0 nodes (remove the flavor or delete the pool)',
    ),
);

const RequestAzCountSchema = z.lazy(() => z.strictObject({ az: z.string().min(1), count: wholeNumber }));

/** A flavor in a PATCH body (update-pool.txt Table 7): flavor, count and optional azs, nothing else. */
export const PatchPoolResourceSchema = z.lazy(() =>
  z
    .strictObject({
      flavor: z.string().min(1),
      count: nodeCount,
      azs: z.array(RequestAzCountSchema).optional(),
    })
    .superRefine((resource, ctx) => checkAzs(resource, ctx, [])),
);

/**
 * The PATCH (merge-patch) body, exactly as update-pool.txt allows: metadata.annotations (description, order id) and
 * spec.{scope, resources, jobFlavors, driver}. Strict, so a field the API does not take is refused by name. `null`
 * deletes under merge-patch, so it is accepted where deleting makes sense.
 */
export const PatchPoolBodySchema = z.lazy(() =>
  z.strictObject({
    metadata: z
      .strictObject({
        annotations: z
          .strictObject({
            'os.modelarts/description': z
              .string()
              .regex(/^[^!<>=&"']*$/, 'must not contain any of !<>=&"\'')
              .nullable()
              .optional(),
            'os.modelarts/order.id': z.string().nullable().optional(),
          })
          .optional(),
      })
      .optional(),
    spec: z
      .strictObject({
        scope: z.array(z.enum(JOB_SCOPES)).min(1).optional(),
        resources: z
          .array(PatchPoolResourceSchema)
          .min(1, 'must list at least one flavor: a pool cannot drop every flavor (delete the pool instead)')
          .superRefine((resources, ctx) => flavorsListedOnce(resources, ctx, []))
          .optional(),
        jobFlavors: z.array(z.string()).nullable().optional(),
        driver: z
          .strictObject({
            gpuVersion: z.string().nullable().optional(),
            npuVersion: z.string().nullable().optional(),
            updateStrategy: z.enum(UPDATE_STRATEGIES).nullable().optional(),
          })
          .nullable()
          .optional(),
      })
      .optional(),
  }),
);

// A display name becomes the pool name `<display name>-<32 hex digits>` (as in the docs' example
// `auto-pool-os-86c13962597848eeb29c5861153a391f`), so for that name to be 36 to 63 characters the display name must
// be 3 to 30 characters of the same alphabet.
export const POOL_DISPLAY_NAME_PATTERN = /^[a-z][a-z0-9-]{1,28}[a-z0-9]$/;

const createPoolResourceSchema = () =>
  z.looseObject({
    flavor: z.string().min(1),
    count: nodeCount,
    maxCount: z.number().int().min(1).optional(),
    azs: z.array(RequestAzCountSchema).optional(),
    extendParams: z.looseObject({ dockerBaseSize: optionalText }).optional(),
    os: z
      .looseObject({
        name: optionalText,
        imageId: optionalText,
        imageType: optionalText,
      })
      .optional(),
  });

/** The POST body (create-pool.txt Tables 3 to 12), with the documented required fields and value sets. */
export const CreatePoolBodySchema = z.lazy(() =>
  z
    .looseObject({
      apiVersion: z.literal('v2'),
      kind: z.literal('Pool'),
      metadata: z.looseObject({
        labels: z
          .looseObject({
            'os.modelarts/name': z
              .string()
              .regex(
                POOL_DISPLAY_NAME_PATTERN,
                'must be 3 to 30 characters of lower-case letters, digits and hyphens, start with a letter and not end with a hyphen',
              ),
            'os.modelarts/workspace.id': z.string().min(1).optional(),
            'os.modelarts/node.prefix': optionalText,
          })
          .catchall(z.string()),
        annotations: z
          .looseObject({
            'os.modelarts/description': optionalText,
            'os.modelarts/billing.mode': z.enum(['0', '1']).optional(),
            'os.modelarts/period.num': z
              .string()
              .regex(/^[1-9]\d*$/, 'must be a positive whole number')
              .optional(),
            'os.modelarts/period.type': z.enum(['2', '3']).optional(),
            'os.modelarts/auto.renew': z.enum(['0', '1']).optional(),
            'os.modelarts/auto.pay': z.enum(['true', 'false']).optional(),
            'os.modelarts/promotion.info': optionalText,
            'os.modelarts/service.console.url': optionalText,
            'os.modelarts/order.id': optionalText,
          })
          .catchall(z.string())
          .optional(),
      }),
      // The table marks spec optional, yet its type, scope, resources and network are mandatory and "at least one
      // resource must be contained": a pool cannot be created without it.
      spec: z.looseObject({
        type: z.enum(['Dedicate', 'Logical']),
        scope: z.array(z.enum(JOB_SCOPES)).min(1, 'must enable at least one job type'),
        resources: z.array(createPoolResourceSchema()).min(1, 'must contain at least one flavor'),
        network: z.looseObject({ name: z.string().min(1) }).optional(),
        jobFlavors: z.array(z.string()).optional(),
        driver: DriverRequestSchema.optional(),
      }),
    })
    .superRefine((body, ctx) => {
      const { spec } = body;
      if (spec.type === 'Dedicate' && !spec.network) {
        ctx.addIssue({
          code: 'custom',
          path: ['spec', 'network'],
          message: 'is mandatory for a physical (Dedicate) pool',
        });
      }
      flavorsListedOnce(spec.resources, ctx, ['spec', 'resources']);
      for (const [i, resource] of spec.resources.entries()) {
        checkAzs(resource, ctx, ['spec', 'resources', i]);
        if (
          spec.type === 'Dedicate' &&
          resource.maxCount !== undefined &&
          resource.maxCount !== resource.count
        ) {
          ctx.addIssue({
            code: 'custom',
            path: ['spec', 'resources', i, 'maxCount'],
            message: `must equal count (${resource.count}) in a physical pool`,
          });
        }
      }
      const annotations = body.metadata.annotations ?? {};
      if (annotations['os.modelarts/billing.mode'] === '1') {
        for (const key of [
          'os.modelarts/period.type',
          'os.modelarts/period.num',
          'os.modelarts/order.id',
        ] as const) {
          if (annotations[key] === undefined) {
            ctx.addIssue({
              code: 'custom',
              path: ['metadata', 'annotations', key],
              message: 'is mandatory for a yearly/monthly pool (billing.mode "1")',
            });
          }
        }
      }
    }),
);

export type PatchPoolResource = z.infer<typeof PatchPoolResourceSchema>;
export type PatchPoolBody = z.infer<typeof PatchPoolBodySchema>;
export type CreatePoolBody = z.infer<typeof CreatePoolBodySchema>;

import { z } from 'zod';
import { CLOCK_SKEW_ALLOWANCE_MS, LEASE_TTL_MS } from '../cycle/lease-timing';
import { DEFAULT_ATTEMPT_TIMEOUT_MS } from '../modelarts/client-options';
import type { DirectionRules } from '../scaling/policy';
import { builtInFlavorDefaults as flavorDefaults, builtInGlobalDefaults as globalDefaults } from './defaults';
import { environmentOverrides } from './env-overrides';
import { NotificationsSchema } from './notifications-schema';
import { SchedulesSchema } from './schedules-schema';
import { BacklogSourceSchema } from './sources';

// The config file as users write it. Every object is strict: a typo in a key is an error, not a silently
// ignored setting. Flavor policy fields are all optional here; lib/config/resolve.ts layers them
// (flavor entry, pool `defaults`, global `defaults`, built-in defaults) and checks what needs the merged view.

const describeRate = (rules: DirectionRules): string =>
  rules.policies
    .map(
      (policy) =>
        `${policy.value}${policy.type === 'Percent' ? '%' : ' nodes'} per ${policy.periodSeconds} s`,
    )
    .join(' or ');

export const StepPolicySchema = z
  .strictObject({
    type: z
      .enum(['Nodes', 'Percent'])
      .describe(
        'Nodes: change by at most `value` nodes per period; Percent: by at most `value`% of the count.',
      ),
    value: z.number().positive().describe('How much one period allows (> 0; a whole number for Nodes).'),
    periodSeconds: z
      .number()
      .int()
      .min(1)
      .max(1800)
      .describe('The sliding period the limit applies to, 1..1800 seconds.'),
  })
  .superRefine((policy, ctx) => {
    if (policy.type === 'Nodes' && !Number.isInteger(policy.value)) {
      ctx.addIssue({
        code: 'custom',
        path: ['value'],
        message: `must be a whole number for Nodes (got ${policy.value})`,
      });
    }
  })
  .describe('A rate limit, as a Kubernetes HPA behavior policy.');

const directionRulesShape = (direction: 'up' | 'down', defaults: DirectionRules) => ({
  stabilizationWindowSeconds: z
    .number()
    .int()
    .min(0)
    .max(3600)
    .optional()
    .describe(
      `Recommendations are remembered this long; scale-${direction} acts on the ` +
        `${direction === 'up' ? 'lowest' : 'highest'} one in the window. Default ${defaults.stabilizationWindowSeconds} s.`,
    ),
  policies: z
    .array(StepPolicySchema)
    .optional()
    .describe(
      `Rate limits for scaling ${direction}, replacing inherited ones whole. Default ${describeRate(defaults)}.`,
    ),
  selectPolicy: z
    .enum(['Max', 'Min', 'Disabled'])
    .optional()
    .describe(
      `Max: the policy allowing the biggest change wins; Min: the smallest; Disabled: never scale ${direction}. ` +
        `Default ${defaults.selectPolicy}.`,
    ),
  cooldownSeconds: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe(
      `No scale-${direction} within this many seconds of the flavor's last change. Default ${defaults.cooldownSeconds} s.`,
    ),
});

export const ScaleUpSchema = z
  .strictObject(directionRulesShape('up', flavorDefaults.scaleUp))
  .describe(
    'How fast the flavor may grow: the Kubernetes HPA shape, with a bigger Nodes step for a once-a-minute cycle.',
  );

export const ScaleDownSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .optional()
      .describe(`false: never remove nodes of this flavor. Default ${flavorDefaults.scaleDown.enabled}.`),
    method: z
      .enum(['idle-nodes', 'count'])
      .optional()
      .describe(
        "'idle-nodes': drain chosen idle pay-per-use nodes, then delete them by name, so no running job is " +
          "killed. 'count': lower spec.resources[].count and let ModelArts pick the nodes (it may pick busy " +
          `ones). Default '${flavorDefaults.scaleDown.method}'.`,
      ),
    idleSeconds: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe(
        'idle-nodes: a node is removed only once it has been idle this long by its own timer, which starts ' +
          `when the flavor is first wanted lower. Default ${flavorDefaults.scaleDown.idleSeconds} s.`,
      ),
    drainSeconds: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe(
        'idle-nodes: a drained node is deleted (if still idle) once the drain has stood this long; without ' +
          'batch-drain, the gap between the two idle reads. Default: intervalSeconds (one cycle).',
      ),
    drainAhead: z
      .boolean()
      .optional()
      .describe(
        'idle-nodes: while the scale-down window holds nodes the backlog no longer asks for, drain the idle ones ' +
          'it will release within drainSeconds, so that the drain has stood when the window lets them go; they ' +
          'are put back (undrained) first if the backlog returns, and never drained ahead once ModelArts has ' +
          `answered that undrain is missing. Default ${flavorDefaults.scaleDown.drainAhead}.`,
      ),
    ...directionRulesShape('down', flavorDefaults.scaleDown),
  })
  .describe(
    'How fast the flavor may shrink. By default a node is released once the backlog has been lower for ' +
      `${flavorDefaults.scaleDown.stabilizationWindowSeconds} s (two readings at the default interval), ` +
      'with no cooldown after a scale-up.',
  );

export const AzStrategySchema = z
  .union([
    z.enum(['balanced', 'fixed', 'backlog']),
    z.strictObject({
      weighted: z
        .record(z.string().min(1), z.number().nonnegative())
        .refine((weights) => Object.values(weights).reduce((sum, weight) => sum + weight, 0) > 0, {
          message: 'weights must add up to more than 0',
        })
        .describe('Relative weight per availability zone; new nodes are split in proportion.'),
    }),
  ])
  .describe(
    "How a flavor's nodes are split across availability zones: 'balanced' (as even as possible), 'fixed' (keep " +
      "the split the pool has), 'backlog' (grow where the backlog source's per-AZ split asks for nodes, shrink " +
      `where it leaves them idle) or { weighted: { az: weight } }. Default '${flavorDefaults.azStrategy.type}'.`,
  );

export const FallbackSchema = z
  .union([
    z.literal('hold'),
    z.strictObject({
      fixed: z
        .number()
        .int()
        .min(1)
        .describe('Go to this count (between min and max), never below the current one.'),
    }),
  ])
  .describe(
    "What to do when the backlog is missing, failed or stale: 'hold' keeps the current count, { fixed: n } " +
      `raises to n. Never scales down. Default '${flavorDefaults.fallback.type}'.`,
  );

const backlogDefaults = flavorDefaults.backlog;

export const BacklogSchema = z
  .strictObject({
    source: BacklogSourceSchema.optional(),
    unit: z
      .enum(['jobs', 'nodes'])
      .optional()
      .describe(
        `What the backlog counts: jobs (queued or holding nodes), or the nodes they ask for. Default ${backlogDefaults.unit}.`,
      ),
    targetPerNode: z
      .number()
      .positive()
      .optional()
      .describe(
        `Backlog units one node should carry (KEDA queueLength); > 0. Default ${backlogDefaults.targetPerNode}.`,
      ),
    activationThreshold: z
      .number()
      .nonnegative()
      .optional()
      .describe(
        `The flavor leaves min only once the backlog reaches this (KEDA activationThreshold). Default ${backlogDefaults.activationThreshold}.`,
      ),
    staleAfterSeconds: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe(
        `A backlog reading older than this counts as stale (no scale-down). Default ${backlogDefaults.staleAfterSeconds} s.`,
      ),
  })
  .describe('The backlog that drives the flavor; merged field by field over inherited settings.');

const capacityDefaults = flavorDefaults.capacity;

const seconds = (description: string) => z.number().int().min(1).optional().describe(description);

export const CapacitySchema = z
  .strictObject({
    stockAware: z
      .boolean()
      .optional()
      .describe(
        'true: growth skips AZs where the flavor is sold out (the resourceflavors stock read) or in backoff after ' +
          'a refused scale-up, a quota refusal or nodes stuck creating. false: neither is read or kept (the ' +
          `behaviour before capacity awareness, for comparison). Default ${capacityDefaults.stockAware}.`,
      ),
    backoff: z
      .strictObject({
        initialSeconds: seconds(
          `The first wait after a sold-out, quota or stuck-creating failure (cluster-autoscaler: 5 min). Default ${capacityDefaults.backoff.initialSeconds} s.`,
        ),
        maxSeconds: seconds(
          `The wait doubles with each failure in a row up to this (>= initialSeconds). Default ${capacityDefaults.backoff.maxSeconds} s.`,
        ),
        resetSeconds: seconds(
          `A row of failures is forgotten this long after the last one. Default ${capacityDefaults.backoff.resetSeconds} s.`,
        ),
      })
      .optional()
      .describe(
        'How long growth avoids an AZ (or, for quota, every AZ) after a failure; merged field by field.',
      ),
    maxNodeProvisionSeconds: seconds(
      'A node still Creating after this is stuck: reported, its AZ backs off, and a change in flight counts as ' +
        `settled (cluster-autoscaler max-node-provision-time). Default ${capacityDefaults.maxNodeProvisionSeconds} s.`,
    ),
    replaceAbnormalAfterSeconds: seconds(
      'scaleDown.method idle-nodes only: an Abnormal node is deleted by name after this and replaced by growth. ' +
        'Refused with method count (no replacement is made, so a later count-down cannot remove a healthy node ' +
        'in its place). Default: never replaced.',
    ),
  })
  .describe(
    'Where the flavor can grow (capacity awareness): sold-out stock, backoff after refused scale-ups, nodes ' +
      'stuck creating. Merged field by field over inherited settings.',
  );

const flavorPolicyShape = {
  min: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe(
      `Fewest nodes; at least 1, as ModelArts cannot scale a flavor to 0. Default ${flavorDefaults.min}.`,
    ),
  max: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe(
      'Most nodes (>= min). Required: set it on the flavor, in the pool defaults or in the global defaults.',
    ),
  backlog: BacklogSchema.optional(),
  azStrategy: AzStrategySchema.optional(),
  tolerance: z
    .number()
    .min(0)
    .lt(1)
    .optional()
    .describe(
      'No change while backlog / (nodes * targetPerNode) is within 1 +/- tolerance. ' +
        `Default ${flavorDefaults.tolerance.jobs} for a backlog in jobs (as HPA and KEDA), ` +
        `${flavorDefaults.tolerance.nodes} in nodes (the exact count the queue asks for).`,
    ),
  scaleUp: ScaleUpSchema.optional(),
  scaleDown: ScaleDownSchema.optional(),
  fallback: FallbackSchema.optional(),
  headroom: z
    .union([
      z.strictObject({
        nodes: z.number().int().min(1).describe('Keep this many idle nodes ready above the busy ones.'),
      }),
      z.strictObject({
        percent: z
          .number()
          .positive()
          .max(1000)
          .describe('Keep this share of the busy nodes (rounded up) idle and ready above them.'),
      }),
    ])
    .optional()
    .describe(
      'Warm headroom: idle nodes kept ready so that a new job does not wait a provisioning delay; never above ' +
        'max, counted as need (so it is refilled as jobs take it). Default: none.',
    ),
  forecast: z
    .strictObject({
      mode: z
        .enum(['forecastAndScale', 'forecastOnly'])
        .default('forecastAndScale')
        .describe('forecastOnly records what the forecast would do and changes nothing (try it first).'),
      leadSeconds: z
        .number()
        .int()
        .min(60)
        .max(7200)
        .default(600)
        .describe('How far ahead capacity must be ready: about one provisioning delay. Default 600.'),
      seasonality: z
        .enum(['daily', 'weekly'])
        .default('daily')
        .describe('daily: the same time on past days; weekly: the same time a week ago.'),
      days: z
        .number()
        .int()
        .min(1)
        .max(7)
        .default(7)
        .describe('daily: past days to average over (the history keeps at most 7). Default 7.'),
      spread: z
        .number()
        .positive()
        .max(10)
        .optional()
        .describe(
          'Instead of raising the floor to the forecast backlog F (in nodes), keep ceil(spread * sqrt(F)) ready ' +
            'nodes above the busy ones (square-root staffing: capacity goes where the arrivals are). Default: ' +
            'none (the floor is the forecast backlog).',
        ),
    })
    .optional()
    .describe(
      "Scale up ahead of a daily or weekly backlog pattern, from the flavor's own 5-minute backlog maxima " +
        '(kept in the state store); never scales down on a forecast alone. Default: off.',
    ),
  schedules: SchedulesSchema.optional().describe(
    "Known busy (or quiet) hours. A flavor's own list replaces the inherited one, like every field here.",
  ),
  capacity: CapacitySchema.optional(),
};

export const FlavorPolicyFieldsSchema = z
  .strictObject(flavorPolicyShape)
  .describe('Flavor policy fields inherited by every flavor below, each overridable there.');

export const FlavorEntrySchema = z
  .strictObject({
    flavor: z
      .string()
      .min(1)
      .describe(
        "The exact flavor name (spec.resources[].flavor), or '*' for every flavor of the pool not listed.",
      ),
    ...flavorPolicyShape,
  })
  .describe('A flavor of the pool and its policy.');

export const PoolSelectorSchema = z
  .strictObject({
    labels: z
      .record(z.string().min(1), z.string())
      .default({})
      .describe('Every label listed must be on the pool (metadata.labels) with this value.'),
    workspaceId: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Only pools of this workspace (label os.modelarts/workspace.id; a pool without it is in "0"), ' +
          'listed with ListPools workspaceId. Default "0", the workspace ListPools answers for.',
      ),
  })
  .describe(
    'Manage every pool of the connection matching these labels. An empty selector matches every pool.',
  );

const poolHeadShape = {
  connection: z
    .string()
    .min(1)
    .optional()
    .describe('The connection name; may be left out when only one connection is listed.'),
  name: z
    .string()
    .min(1)
    .optional()
    .describe("The pool's metadata.name (its id). Set exactly one of name and selector."),
  selector: PoolSelectorSchema.optional(),
  paused: z
    .union([z.boolean(), z.enum(['all', 'scale-in', 'scale-out'])])
    .default(false)
    .transform((paused) => (paused === true ? 'all' : paused))
    .describe("Stop scaling: 'all' (or true), only 'scale-in', or only 'scale-out'. Default false."),
  allowPrepaid: z
    .boolean()
    .default(false)
    .describe('Scale yearly/monthly (prepaid) pools too. Default false: they are left alone.'),
};

export const PoolEntrySchema = z
  .strictObject({
    ...poolHeadShape,
    defaults: FlavorPolicyFieldsSchema.optional(),
    flavors: z
      .array(FlavorEntrySchema)
      .min(1)
      .describe('The flavors to manage; a pool flavor not listed is held.'),
  })
  .describe('One pool (by name) or a set of pools (by selector) and the policy of their flavors.');

/** A pool entry without its nested policies, so that its own checks run even when a flavor is malformed. */
export const PoolHeadSchema = z.strictObject({
  ...poolHeadShape,
  defaults: z.unknown().optional(),
  flavors: z.array(z.unknown()).min(1),
});

/** The longest attempt timeout that still lets an attempt start under a pool's lease. */
export const MAX_CONNECTION_TIMEOUT_MS = LEASE_TTL_MS - CLOCK_SKEW_ALLOWANCE_MS - 1;

const AkSkAuthSchema = z
  .strictObject({ type: z.literal('aksk') })
  .describe(
    'AK/SK request signing; the keys come from the environment or SSM at run time, never from this file.',
  );

const TokenAuthSchema = z
  .strictObject({
    type: z.literal('token'),
    iamEndpoint: z
      .url({ protocol: /^https?$/ })
      .optional()
      .describe('IAM endpoint; default https://iam.{region}.myhuaweicloud.com.'),
    user: z.strictObject({
      name: z.string().min(1).describe('IAM user name.'),
      domain: z.string().min(1).describe('The account (domain) name the user belongs to.'),
    }),
  })
  .describe('IAM token auth (password identity); the password comes from the environment at run time.');

const NoAuthSchema = z.strictObject({ type: z.literal('none') }).describe('No auth, for the local emulator.');

export const ConnectionSchema = z
  .strictObject({
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be letters, digits, ".", "_" or "-"')
      .describe('How pools refer to this connection.'),
    region: z.string().min(1).describe('Huawei Cloud region, e.g. cn-north-4.'),
    projectId: z.string().min(1).describe('The project id of the region.'),
    endpoint: z
      .url({ protocol: /^https?$/ })
      .optional()
      .describe(
        'ModelArts endpoint override (e.g. the emulator URL); default https://modelarts.{region}.myhuaweicloud.com. ' +
          'AUTOSCALER_ENDPOINT overrides it for every connection.',
      ),
    userId: z.string().min(1).optional().describe('IAM user id, for APIs that need it.'),
    timeoutMs: z
      .number()
      .int()
      .positive()
      // A refinement rather than .max: the config's issue formatter words bounds alone, and this one needs why.
      .refine((ms) => ms <= MAX_CONNECTION_TIMEOUT_MS, {
        message:
          `must leave room under a pool's lease: timeoutMs plus the ${CLOCK_SKEW_ALLOWANCE_MS} ms clock-skew ` +
          `allowance must stay below the ${LEASE_TTL_MS} ms lease, so at most ${MAX_CONNECTION_TIMEOUT_MS} ms`,
      })
      .optional()
      .describe(
        `One ModelArts request attempt's timeout, headers and body together. Default ${DEFAULT_ATTEMPT_TIMEOUT_MS} ms. ` +
          `Under a pool's lease no attempt starts later than this plus ${CLOCK_SKEW_ALLOWANCE_MS} ms before ` +
          `the ${LEASE_TTL_MS} ms lease ends, so at most ${MAX_CONNECTION_TIMEOUT_MS} ms.`,
      ),
    auth: z
      .discriminatedUnion('type', [AkSkAuthSchema, TokenAuthSchema, NoAuthSchema])
      .default({ type: 'aksk' })
      .describe("How requests are authenticated. Default { type: 'aksk' }."),
  })
  .describe('A Huawei Cloud project in one region.');

export const StateSchema = z
  .discriminatedUnion('type', [
    z
      .strictObject({ type: z.literal('memory') })
      .describe('In memory only: history is lost when the process ends.'),
    z
      .strictObject({
        type: z.literal('file'),
        path: z.string().min(1).default(globalDefaults.statePath).describe('The JSON state file.'),
      })
      .describe('A local JSON file, written atomically.'),
    z
      .strictObject({
        type: z.literal('dynamodb'),
        tableName: z.string().min(3).max(255).describe('The table (partition key pk, TTL attribute ttl).'),
        region: z.string().min(1).optional().describe('AWS region; default from the environment.'),
        endpoint: z
          .url({ protocol: /^https?$/ })
          .optional()
          .describe('DynamoDB endpoint override (local DynamoDB).'),
      })
      .describe('A DynamoDB table; AUTOSCALER_STATE_TABLE selects it.'),
  ])
  .default({ type: 'file', path: globalDefaults.statePath })
  .describe(
    `Where scaling history and pool leases are kept. Default { type: 'file', path: '${globalDefaults.statePath}' }.`,
  );

export const KillSwitchSchema = z
  .union([
    z.boolean(),
    z.strictObject({
      enabled: z.boolean().default(false).describe('true: plan and report, but change nothing.'),
      ssmParameter: z
        .string()
        .min(1)
        .optional()
        .describe('An SSM parameter name; when its value is "true", "on" or "1", nothing is changed.'),
    }),
  ])
  .default(false)
  .transform((killSwitch) => (typeof killSwitch === 'boolean' ? { enabled: killSwitch } : killSwitch))
  .describe('Stop every change at once (AUTOSCALER_KILL_SWITCH). Default false.');

const MetricsSchema = z
  .strictObject({
    perPool: z
      .boolean()
      .default(globalDefaults.metricsPerPool)
      .describe(
        'true: the decision metrics also carry the pool as a dimension, multiplying the CloudWatch custom metrics ' +
          'billed by the pool count (README "Watching it"). Default false: per connection and flavor.',
      ),
  })
  .default({ perPool: globalDefaults.metricsPerPool })
  .describe('The CloudWatch metrics the functions emit.');

const globalShape = {
  $schema: z.string().optional().describe('The JSON Schema of this file, for editors.'),
  dryRun: z
    .boolean()
    .default(globalDefaults.dryRun)
    .describe('Plan and report without changing any pool (AUTOSCALER_DRY_RUN). Default false.'),
  killSwitch: KillSwitchSchema,
  intervalSeconds: z
    .number()
    .int()
    .min(1)
    .default(globalDefaults.intervalSeconds)
    .describe(`The scaling cycle period. Default ${globalDefaults.intervalSeconds} s.`),
  concurrency: z
    .number()
    .int()
    .min(1)
    .max(256)
    .default(globalDefaults.concurrency)
    .describe(`Most pools (and backlog reads) worked on at once. Default ${globalDefaults.concurrency}.`),
  fanOutAbovePools: z
    .number()
    .int()
    .min(1)
    .default(globalDefaults.fanOutAbovePools)
    .describe(
      `Above this many pools, the scheduled run fans out to one worker message per pool. Default ${globalDefaults.fanOutAbovePools}.`,
    ),
  state: StateSchema,
  metrics: MetricsSchema,
  notifications: NotificationsSchema,
};

const environmentNote = `Environment overrides: ${environmentOverrides.map((override) => override.name).join(', ')}.`;

export const ConfigFileSchema = z
  .strictObject({
    ...globalShape,
    defaults: FlavorPolicyFieldsSchema.optional(),
    connections: z.array(ConnectionSchema).min(1).describe('The Huawei Cloud projects and regions to reach.'),
    pools: z.array(PoolEntrySchema).min(1).describe('The pools to scale and their flavor policies.'),
  })
  .describe(`modelarts-autoscaler configuration. ${environmentNote}`);

/** The top level without its nested lists, so that each connection and pool is checked on its own. */
export const ConfigHeadSchema = z.strictObject({
  ...globalShape,
  defaults: z.unknown().optional(),
  connections: z.array(z.unknown()).min(1),
  pools: z.array(z.unknown()).min(1),
});

export type ConnectionConfig = z.output<typeof ConnectionSchema>;
export type StateConfig = z.output<typeof StateSchema>;
export type MetricsConfig = z.output<typeof MetricsSchema>;
export type KillSwitchConfig = z.output<typeof KillSwitchSchema>;
export type FlavorPolicyFields = z.output<typeof FlavorPolicyFieldsSchema>;
export type FlavorEntry = z.output<typeof FlavorEntrySchema>;
export type PoolHead = z.output<typeof PoolHeadSchema>;
export type PoolSelector = z.output<typeof PoolSelectorSchema>;

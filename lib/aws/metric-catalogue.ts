// Every CloudWatch metric the functions emit, in one place: the emitters name their metrics from here, the
// dashboard and the alarms in serverless.yml are generated from here (functions/build/dashboard.cjs), and
// the tests check that nothing is emitted or charted that is not listed. Plain data: no Powertools import,
// so the build helper can bundle it.

export const SERVICE_NAME = 'modelarts-autoscaler';
export const METRICS_NAMESPACE = 'ModelArtsAutoscaler';
/**
 * The deploy stage, a dimension of every metric: two stages in one account would otherwise add to one
 * series. serverless.yml sets AUTOSCALER_STAGE from the stage; runs outside a deployment report `local`.
 */
export const STAGE_DIMENSION = 'stage';
export const STAGE_ENV = 'AUTOSCALER_STAGE';
export const UNDEPLOYED_STAGE = 'local';

/**
 * Which dimensions a metric carries: `flavor` metrics come from the decision records (per connection and
 * flavor, plus the pool with `metrics.perPool`), `invocation` metrics once per function invocation, and
 * `cold-start` is Powertools' own ColdStart metric (per function).
 */
export type MetricScope = 'flavor' | 'invocation' | 'cold-start';

export interface MetricDefinition {
  name: string;
  unit: 'Count';
  scope: MetricScope;
  /** The statistic the dashboard charts it with: gauges are averaged, events summed. */
  statistic: 'Average' | 'Sum';
  meaning: string;
}

const flavorGauge = (name: string, meaning: string): MetricDefinition => ({
  name,
  unit: 'Count',
  scope: 'flavor',
  statistic: 'Average',
  meaning,
});
const flavorEvent = (name: string, meaning: string): MetricDefinition => ({
  name,
  unit: 'Count',
  scope: 'flavor',
  statistic: 'Sum',
  meaning,
});
const invocationEvent = (name: string, meaning: string): MetricDefinition => ({
  name,
  unit: 'Count',
  scope: 'invocation',
  statistic: 'Sum',
  meaning,
});

export const METRICS = {
  currentNodes: flavorGauge('CurrentNodes', 'Nodes of the flavor in the pool spec when the cycle read it.'),
  availableNodes: flavorGauge('AvailableNodes', 'Nodes of the flavor the pool reports available (running).'),
  targetNodes: flavorGauge('TargetNodes', 'The node count the cycle decided on for the flavor.'),
  backlog: flavorGauge('Backlog', "The flavor's backlog as read (jobs or nodes, per its source)."),
  scaleActions: flavorEvent('ScaleActions', 'Scale-ups and scale-downs written to the pool (PATCH).'),
  dryRunScaleActions: flavorEvent('DryRunScaleActions', 'Scale-ups and scale-downs planned in dry run.'),
  guardSkips: flavorEvent(
    'GuardSkips',
    'Decisions a guard turned into a skip (paused, kill switch, phase...).',
  ),
  errors: flavorEvent('Errors', 'Pool decisions that failed (read, backlog or write error).'),
  backoffs: flavorEvent(
    'Backoffs',
    'Decisions held by a conflict answer (scale-in-backoff, patch-conflict).',
  ),
  soldOutBackoffs: flavorEvent(
    'SoldOutBackoffs',
    'PATCHes refused as sold out: AZs backed off (patch-sold-out).',
  ),
  quotaBackoffs: flavorEvent(
    'QuotaBackoffs',
    'PATCHes refused over a quota: the flavor backed off in every AZ.',
  ),
  stuckCreatingBackoffs: flavorEvent(
    'StuckCreatingBackoffs',
    'Nodes found still Creating after maxNodeProvisionSeconds: their AZs backed off.',
  ),
  poolScalingFailed: flavorEvent(
    'PoolScalingFailed',
    'Decisions on a pool in phase ScalingFailed: left alone until an operator repairs it.',
  ),
  nodesDrained: flavorEvent(
    'NodesDrained',
    'Idle nodes drained (marked unschedulable) by idle-node scale-in.',
  ),
  nodesDeleted: flavorEvent('NodesDeleted', 'Idle nodes deleted by name by idle-node scale-in.'),
  countNotLowered: flavorEvent('CountNotLowered', 'Nodes were deleted but the pool count did not go down.'),
  nodeApiUnavailable: flavorEvent('NodeApiUnavailable', 'The node or workload API was refused: no scale-in.'),
  cyclesSucceeded: invocationEvent(
    'CyclesSucceeded',
    'Cycles (or pool messages) that finished with no failed pool: the heartbeat the alarm watches.',
  ),
  poolsEvaluated: invocationEvent(
    'PoolsEvaluated',
    'Pools a cycle evaluated (scheduled and plan functions).',
  ),
  fanOutMessages: invocationEvent(
    'FanOutMessages',
    'Pool messages the scheduled function sent to the worker.',
  ),
  failedMessages: invocationEvent('FailedMessages', 'Pool messages the worker failed (SQS retries them).'),
  selectorsMatchingNoPool: invocationEvent('SelectorsMatchingNoPool', 'Pool selectors that matched no pool.'),
  webhookAccepted: invocationEvent('WebhookAccepted', 'Webhook requests accepted (202).'),
  webhookRefused: invocationEvent(
    'WebhookRefused',
    'Webhook requests refused (bad signature, body or replay).',
  ),
  notificationFailures: invocationEvent(
    'NotificationFailures',
    'Notifications a receiver (webhook, SNS) did not take, and notification states not saved.',
  ),
  coldStart: {
    name: 'ColdStart',
    unit: 'Count',
    scope: 'cold-start',
    statistic: 'Sum',
    meaning: "Powertools' cold-start count, per function.",
  },
} as const satisfies Record<string, MetricDefinition>;

export type MetricKey = keyof typeof METRICS;

export const catalogued = (): MetricDefinition[] => Object.values(METRICS);

/** Every metric carries `service` (Powertools' default dimension, the service name) and the stage. */
const DEFAULT_DIMENSIONS = ['service', STAGE_DIMENSION] as const;

/** The dimension names of a metric of `scope`, sorted as CloudWatch lists them. */
export function dimensionsOf(scope: MetricScope, perPool: boolean): string[] {
  const own =
    scope === 'flavor'
      ? ['connection', 'flavor', ...(perPool ? ['pool'] : [])]
      : scope === 'cold-start'
        ? ['function_name']
        : [];
  return [...DEFAULT_DIMENSIONS, ...own].sort();
}

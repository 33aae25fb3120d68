'use strict';
// serverless.yml's CloudWatch dashboard, built from the metric catalogue (lib/aws/metric-catalogue.ts,
// bundled on the fly as this file runs in plain Node) and the config file: every widget charts a SEARCH
// expression over the catalogue's dimension set, so pools, connections and flavors the selectors match later
// appear without editing the dashboard. With `metrics.perPool` the decision metrics carry the pool too, and
// the searches name that dimension set instead.

const { bundledModule, readResolvedConfig } = require('./resolved-config.cjs');

let catalogue;

/** lib/aws/metric-catalogue.ts, loaded once per process. */
function metricCatalogue() {
  catalogue ??= bundledModule("export * from './lib/aws/metric-catalogue';", 'metric-catalogue.ts');
  return catalogue;
}

// What the dashboard shows, row by row: a title and the catalogue keys charted together.
const WIDGETS = [
  ['Backlog', ['backlog']],
  ['Target nodes', ['targetNodes']],
  ['Current nodes', ['currentNodes']],
  ['Available nodes', ['availableNodes']],
  ['Scale actions', ['scaleActions', 'dryRunScaleActions']],
  ['Guard skips and backoffs', ['guardSkips', 'backoffs']],
  ['Failures', ['errors', 'failedMessages', 'countNotLowered', 'nodeApiUnavailable']],
  ['Idle nodes drained and deleted', ['nodesDrained', 'nodesDeleted']],
  [
    'Capacity: backoffs by cause, ScalingFailed pools',
    ['soldOutBackoffs', 'quotaBackoffs', 'stuckCreatingBackoffs', 'poolScalingFailed'],
  ],
  ['Cycles succeeded (heartbeat) and pools evaluated', ['cyclesSucceeded', 'poolsEvaluated']],
];

const WIDTH = 12;
const HEIGHT = 6;

/** The SEARCH expression of one catalogued metric, over its dimension set, for this service and stage only. */
function searchExpression(metric, { service, stage, perPool, period }) {
  const { METRICS_NAMESPACE, STAGE_DIMENSION, dimensionsOf } = metricCatalogue();
  const schema = [METRICS_NAMESPACE, ...dimensionsOf(metric.scope, perPool)].join(',');
  const filter = `MetricName="${metric.name}" service="${service}" ${STAGE_DIMENSION}="${stage}"`;
  return `SEARCH('{${schema}} ${filter}', '${metric.statistic}', ${period})`;
}

const place = (index) => ({
  x: (index % 2) * WIDTH,
  y: Math.floor(index / 2) * HEIGHT,
  width: WIDTH,
  height: HEIGHT,
});

const timeSeries = (index, title, metrics, region, period) => ({
  type: 'metric',
  ...place(index),
  properties: { title, view: 'timeSeries', stacked: false, region, period, metrics },
});

/**
 * The DashboardBody (a JSON string) for `options`: service (the Powertools service dimension), stage (the
 * stage dimension, the deploy stage), perPool,
 * period (s, the cycle interval), region (may be "${AWS::Region}", for Fn::Sub), deadLetterQueue (its name)
 * and functionPrefix (the functions' common name prefix).
 */
function dashboardBodyFor(options) {
  const { METRICS } = metricCatalogue();
  const { region, period } = options;
  const widgets = WIDGETS.map(([title, keys], index) =>
    timeSeries(
      index,
      title,
      keys.map((key, n) => [
        {
          id: `m${n}`,
          label: METRICS[key].name,
          expression: searchExpression(METRICS[key], options),
        },
      ]),
      region,
      period,
    ),
  );
  widgets.push(
    timeSeries(
      widgets.length,
      'Dead-letter queue depth',
      [['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', options.deadLetterQueue]],
      region,
      period,
    ),
    timeSeries(
      widgets.length + 1,
      'Function errors',
      [
        [
          {
            id: 'e0',
            label: 'Errors',
            expression: `SEARCH('{AWS/Lambda,FunctionName} MetricName="Errors" FunctionName="${options.functionPrefix}"', 'Sum', ${period})`,
          },
        ],
      ],
      region,
      period,
    ),
  );
  return JSON.stringify({ widgets });
}

/** The cycle interval as a CloudWatch period: whole minutes, as the schedule rate (config-file.cjs). */
const periodFor = (config) => Math.max(1, Math.ceil(config.intervalSeconds / 60)) * 60;

async function stackOptions(resolveVariable) {
  const config = readResolvedConfig(await resolveVariable('self:custom.autoscaler.configPath'));
  const service = await resolveVariable('self:service');
  const stage = await resolveVariable('sls:stage');
  return {
    service,
    stage,
    perPool: config.metrics.perPool,
    period: periodFor(config),
    // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's Fn::Sub placeholder, not JS.
    region: '${AWS::Region}',
    deadLetterQueue: `${service}-${stage}-pools-dlq.fifo`,
    functionPrefix: `${service}-${stage}-`,
  };
}

/** serverless.yml: `!Sub ${file(functions/build/dashboard.cjs):dashboardBody}`. */
async function dashboardBody({ resolveVariable }) {
  return dashboardBodyFor(await stackOptions(resolveVariable));
}

/** serverless.yml: `${file(functions/build/dashboard.cjs):cyclePeriod}`, the alarms' period in seconds. */
async function cyclePeriod({ resolveVariable }) {
  return periodFor(readResolvedConfig(await resolveVariable('self:custom.autoscaler.configPath')));
}

module.exports = { cyclePeriod, dashboardBody, dashboardBodyFor, metricCatalogue };

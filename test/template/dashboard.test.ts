// serverless.yml's dashboard and alarms ("Watching it" in the README): built from the metric catalogue, so
// every metric a widget or an alarm names is one the functions emit, with the dimensions they emit it with.

import { beforeAll, describe, expect, it } from 'vitest';
import { dashboardBodyFor } from '../../functions/build/dashboard.cjs';
import { catalogued, dimensionsOf, METRICS, METRICS_NAMESPACE } from '../../lib/aws/metric-catalogue';
import { PACKAGE_TIMEOUT_MS, packagedService, type Template, type TemplateResource } from './packaged';

let template: Template;
beforeAll(async () => {
  template = (await packagedService()).template;
}, PACKAGE_TIMEOUT_MS);

interface Widget {
  properties: { title: string; metrics: unknown[][] };
}

const widgetsOf = (body: string): Widget[] =>
  // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's Fn::Sub placeholder, not JS.
  (JSON.parse(body.replaceAll('${AWS::Region}', 'eu-west-1')) as { widgets: Widget[] }).widgets;

/** The catalogue's own SEARCH expressions in the widgets. */
const ownExpressions = (widgets: Widget[]): string[] =>
  widgets
    .flatMap((widget) =>
      widget.properties.metrics.flatMap((line) =>
        line.flatMap((item) =>
          typeof item === 'object' && item && 'expression' in item ? [String(item.expression)] : [],
        ),
      ),
    )
    .filter((expression) => expression.startsWith(`SEARCH('{${METRICS_NAMESPACE},`));

/** The catalogue's own searches in the widgets, as {schema, metric} (schema: the dimension set searched). */
function ownSearches(widgets: Widget[]): { schema: string[]; metric: string }[] {
  return ownExpressions(widgets)
    .map((expression) => expression.match(/^SEARCH\('\{([^}]*)\} MetricName="([^"]+)"/))
    .filter((match): match is RegExpMatchArray => match !== null)
    .filter((match) => match[1]?.split(',')[0] === METRICS_NAMESPACE)
    .map((match) => ({ schema: (match[1] ?? '').split(',').slice(1), metric: match[2] ?? '' }));
}

const resourcesOf = (type: string): [string, TemplateResource][] =>
  Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);

function dashboardBody(): string {
  const [dashboard] = resourcesOf('AWS::CloudWatch::Dashboard');
  const body = (dashboard?.[1].Properties.DashboardBody as { 'Fn::Sub': string } | undefined)?.['Fn::Sub'];
  if (typeof body !== 'string') throw new Error('no dashboard with a Fn::Sub body in the template');
  return body;
}

const byName = new Map(catalogued().map((metric) => [metric.name, metric]));

describe('the dashboard of the generated template', () => {
  it('charts only catalogued metrics, each over the dimension set the functions emit it with', () => {
    const searches = ownSearches(widgetsOf(dashboardBody()));
    expect(searches.length).toBeGreaterThan(10);
    const wrong = searches.filter(({ schema, metric }) => {
      const entry = byName.get(metric);
      return !entry || JSON.stringify(dimensionsOf(entry.scope, false)) !== JSON.stringify(schema);
    });
    expect(wrong).toEqual([]);
  });

  it('charts backlog, target, current and available nodes, actions, skips, failures, backoffs, deletions and capacity backoffs', () => {
    const charted = new Set(ownSearches(widgetsOf(dashboardBody())).map((search) => search.metric));
    for (const metric of [
      METRICS.backlog,
      METRICS.targetNodes,
      METRICS.currentNodes,
      METRICS.availableNodes,
      METRICS.scaleActions,
      METRICS.guardSkips,
      METRICS.errors,
      METRICS.backoffs,
      METRICS.nodesDrained,
      METRICS.nodesDeleted,
      METRICS.countNotLowered,
      METRICS.nodeApiUnavailable,
      METRICS.soldOutBackoffs,
      METRICS.quotaBackoffs,
      METRICS.stuckCreatingBackoffs,
      METRICS.poolScalingFailed,
      METRICS.cyclesSucceeded,
    ])
      expect(charted, metric.name).toContain(metric.name);
  });

  it('charts the dead-letter queue depth and the functions errors', () => {
    const body = dashboardBody();
    expect(body).toContain(
      '"ApproximateNumberOfMessagesVisible","QueueName","modelarts-autoscaler-citest-pools-dlq.fifo"',
    );
    expect(body).toContain(
      '{AWS/Lambda,FunctionName} MetricName=\\"Errors\\" FunctionName=\\"modelarts-autoscaler-citest-\\"',
    );
  });

  it("searches this stage's series only, so stages in one account keep apart", () => {
    const expressions = ownExpressions(widgetsOf(dashboardBody()));
    expect(expressions.length).toBeGreaterThan(10);
    expect(
      expressions.filter(
        (expression) => !expression.includes(' service="modelarts-autoscaler" stage="citest"'),
      ),
    ).toEqual([]);
  });

  it('searches the pool dimension set when metrics.perPool is on', () => {
    const options = {
      service: 's',
      stage: 'prod',
      period: 60,
      region: 'r',
      deadLetterQueue: 'q',
      functionPrefix: 'f-',
    };
    const schemas = ownSearches(widgetsOf(dashboardBodyFor({ ...options, perPool: true })))
      .filter(({ metric }) => byName.get(metric)?.scope === 'flavor')
      .map(({ schema }) => schema.join(','));
    expect(new Set(schemas)).toEqual(new Set(['connection,flavor,pool,service,stage']));
  });
});

describe('the alarms of the generated template', () => {
  const alarms = () => Object.fromEntries(resourcesOf('AWS::CloudWatch::Alarm'));

  it('alarm on catalogued metrics only, besides the dead-letter queue depth', () => {
    const named = Object.values(alarms()).flatMap((alarm) => {
      const { Namespace, MetricName, Metrics } = alarm.Properties as {
        Namespace?: string;
        MetricName?: string;
        Metrics?: { Expression?: string }[];
      };
      if (Namespace === METRICS_NAMESPACE) return [String(MetricName)];
      return (Metrics ?? []).flatMap((query) => {
        const match = query.Expression?.match(/^SELECT \w+\((\w+)\) FROM "([^"]+)"/);
        return match?.[2] === METRICS_NAMESPACE ? [match[1] ?? ''] : [];
      });
    });
    expect(named.sort()).toEqual(['CountNotLowered', 'CyclesSucceeded', 'NodeApiUnavailable']);
    expect(named.filter((name) => !byName.has(name))).toEqual([]);
  });

  it('alarm on the dimension set the heartbeat is emitted with, this stage only', () => {
    const dimensions = (
      alarms().NoSuccessfulCycleAlarm?.Properties.Dimensions as { Name: string }[] | undefined
    )?.map(({ Name }) => Name);
    expect(dimensions?.sort()).toEqual(dimensionsOf(METRICS.cyclesSucceeded.scope, false));
  });

  it('alarm when no cycle succeeded for missedCycles intervals, no data counting as none', () => {
    expect(alarms().NoSuccessfulCycleAlarm?.Properties).toMatchObject({
      Namespace: METRICS_NAMESPACE,
      MetricName: METRICS.cyclesSucceeded.name,
      Dimensions: [
        { Name: 'service', Value: 'modelarts-autoscaler' },
        { Name: 'stage', Value: 'citest' },
      ],
      Statistic: 'Sum',
      Period: 60,
      EvaluationPeriods: 3,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
    });
  });

  it('alarm on repeated count-not-lowered and node-api-unavailable, over every connection and flavor', () => {
    for (const [name, metric] of [
      ['CountNotLoweredAlarm', METRICS.countNotLowered],
      ['NodeApiUnavailableAlarm', METRICS.nodeApiUnavailable],
    ] as const) {
      expect(alarms()[name]?.Properties, name).toMatchObject({
        Metrics: [
          {
            Expression: `SELECT SUM(${metric.name}) FROM "${METRICS_NAMESPACE}" WHERE service = 'modelarts-autoscaler' AND stage = 'citest'`,
            ReturnData: true,
          },
        ],
        EvaluationPeriods: 3,
        DatapointsToAlarm: 2,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
      });
    }
  });
});

import { catalogued, dimensionsOf, METRICS_NAMESPACE } from '../../lib/aws/metric-catalogue';
import { emfDocuments } from './harness';

interface EmfDirective {
  Namespace: string;
  Dimensions: string[][];
  Metrics: { Name: string; Unit?: string }[];
}

/**
 * Every metric the EMF documents in `lines` name that the catalogue does not list with that namespace,
 * unit and dimension set, as "Name{dimensions}" (empty: all catalogued).
 */
export function uncataloguedMetrics(lines: Record<string, unknown>[], perPool: boolean): string[] {
  const byName = new Map(catalogued().map((metric) => [metric.name, metric]));
  const found: string[] = [];
  for (const document of emfDocuments(lines)) {
    const directives = (document._aws as { CloudWatchMetrics: EmfDirective[] }).CloudWatchMetrics;
    for (const directive of directives) {
      const dimensions = [...(directive.Dimensions[0] ?? [])].sort();
      for (const { Name, Unit } of directive.Metrics) {
        const metric = byName.get(Name);
        const expected = metric && dimensionsOf(metric.scope, perPool);
        const matches =
          metric !== undefined &&
          directive.Namespace === METRICS_NAMESPACE &&
          Unit === metric.unit &&
          JSON.stringify(expected) === JSON.stringify(dimensions);
        if (!matches) found.push(`${Name}{${dimensions.join(',')}}`);
      }
    }
  }
  return found;
}

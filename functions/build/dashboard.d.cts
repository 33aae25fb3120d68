export interface DashboardOptions {
  service: string;
  /** The deploy stage: the `stage` dimension the searches filter on. */
  stage: string;
  perPool: boolean;
  period: number;
  region: string;
  deadLetterQueue: string;
  functionPrefix: string;
}
/** The CloudWatch DashboardBody (a JSON string) built from the metric catalogue. */
export function dashboardBodyFor(options: DashboardOptions): string;
export function dashboardBody(api: {
  resolveVariable: (address: string) => Promise<unknown>;
}): Promise<string>;
export function cyclePeriod(api: { resolveVariable: (address: string) => Promise<unknown> }): Promise<number>;

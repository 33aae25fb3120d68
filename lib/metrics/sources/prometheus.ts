// A PromQL instant query as backlog. A vector is summed, or split by a flavor label (and an AZ
// label) so one query serves every flavor of a pool; a scalar is taken as is.

import { z } from 'zod';
import {
  credentialFreeUrl,
  type EnvReader,
  emptyAs,
  renderTemplate,
  toBacklogNumber,
  urlLabel,
} from '../common';
import { BacklogSourceError } from '../errors';
import { getJson, httpClientFields } from '../http-get';
import type { BacklogSource, BacklogTarget, SourceReading } from '../source';

const labelName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'must be a Prometheus label name');

export const PrometheusSourceConfigSchema = z.strictObject({
  type: z.literal('prometheus'),
  url: credentialFreeUrl.describe('Prometheus base URL (the /api/v1/query path is appended).'),
  query: z.string().min(1).describe('PromQL; {pool} and {flavor} are replaced by the target.'),
  flavorLabel: labelName
    .optional()
    .describe('Label whose value is the flavor: one query serves all flavors.'),
  azLabel: labelName.optional().describe('Label whose value is the AZ, for a per-AZ split.'),
  emptyAs,
  ...httpClientFields,
});

export type PrometheusSourceConfig = z.infer<typeof PrometheusSourceConfigSchema>;

export interface PrometheusSourceDeps {
  env?: EnvReader;
}

const sample = z.tuple([z.number(), z.string()]);

const QueryResponseSchema = z.looseObject({
  status: z.literal('success'),
  data: z.discriminatedUnion('resultType', [
    z.looseObject({
      resultType: z.literal('vector'),
      result: z.array(z.looseObject({ metric: z.record(z.string(), z.string()), value: sample })),
    }),
    z.looseObject({ resultType: z.literal('scalar'), result: sample }),
    z.looseObject({ resultType: z.literal('matrix'), result: z.unknown() }),
    z.looseObject({ resultType: z.literal('string'), result: z.unknown() }),
  ]),
});

type QueryData = z.infer<typeof QueryResponseSchema>['data'];

const ErrorBodySchema = z.looseObject({
  status: z.literal('error'),
  errorType: z.string(),
  error: z.string(),
});

const describeErrorBody = (data: unknown) => {
  const body = ErrorBodySchema.safeParse(data);
  return body.success ? `${body.data.errorType}: ${body.data.error}` : undefined;
};

// PromQL string literals are double-quoted; keep a target name from closing one.
const escapePromQl = (value: string) => value.replace(/[\\"]/g, (c) => `\\${c}`);

export function createPrometheusSource(
  config: PrometheusSourceConfig,
  deps: PrometheusSourceDeps = {},
): BacklogSource<{ data: QueryData; query: string; readAt: number }> {
  const endpoint = new URL(
    'api/v1/query',
    config.url.endsWith('/') ? config.url : `${config.url}/`,
  ).toString();
  const render = (target: BacklogTarget) => renderTemplate(config.query, target, escapePromQl);
  const fail = (query: string, problem: string, reason: 'failed' | 'missing' = 'failed') =>
    new BacklogSourceError('prometheus', query, problem, { reason });

  const sampleValue = (query: string, [time, text]: [number, string]) => {
    const value = toBacklogNumber(text);
    if (value === undefined)
      throw fail(query, `sample value ${JSON.stringify(text)} is not a non-negative number`);
    return { value, observedAt: Math.round(time * 1000) };
  };

  return {
    type: 'prometheus',
    queryKey: render,
    describe: () => `prometheus:${urlLabel(config.url)}`,
    async read(target, { signal, now }) {
      const query = render(target);
      const body = await getJson(endpoint, {
        sourceType: 'prometheus',
        query,
        searchParams: { query },
        client: config,
        env: deps.env,
        signal,
        describeErrorBody,
      });
      const error = describeErrorBody(body);
      if (error) throw fail(query, error);
      const parsed = QueryResponseSchema.safeParse(body);
      if (!parsed.success) throw fail(query, 'response is not a Prometheus query result');
      return { data: parsed.data.data, query, readAt: now };
    },
    pick({ data, query, readAt }, target): SourceReading {
      if (data.resultType === 'scalar') {
        if (config.flavorLabel || config.azLabel)
          throw fail(query, 'a scalar result cannot be split by label');
        return sampleValue(query, data.result);
      }
      if (data.resultType !== 'vector') throw fail(query, `${data.resultType} results are not supported`);
      const { flavorLabel, azLabel } = config;
      const series = flavorLabel
        ? data.result.filter((entry) => entry.metric[flavorLabel] === target.flavor)
        : data.result;
      if (series.length === 0) {
        if (config.emptyAs === 'missing') {
          throw fail(
            query,
            `no series${flavorLabel ? ` with ${flavorLabel}="${target.flavor}"` : ''}`,
            'missing',
          );
        }
        return { value: 0, observedAt: readAt, ...(azLabel ? { perAz: {} } : {}) };
      }
      let value = 0;
      let observedAt = Number.POSITIVE_INFINITY;
      const perAz: Record<string, number> = {};
      for (const entry of series) {
        const reading = sampleValue(query, entry.value);
        value += reading.value;
        observedAt = Math.min(observedAt, reading.observedAt);
        const az = azLabel ? entry.metric[azLabel] : undefined;
        if (az !== undefined) perAz[az] = (perAz[az] ?? 0) + reading.value;
      }
      return { value, observedAt, ...(azLabel ? { perAz } : {}) };
    },
  };
}

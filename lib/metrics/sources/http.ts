// Any JSON document as backlog: GET it and take the number at a JMESPath expression. One document
// can serve many flavors: the URL and the expressions may use {pool} and {flavor}.

import { JMESPathError, search } from '@aws-lambda-powertools/jmespath';
import { z } from 'zod';
import { credentialFreeUrl, type EnvReader, renderTemplate, toBacklogNumber, urlLabel } from '../common';
import { BacklogSourceError } from '../errors';
import { getJson, httpClientFields } from '../http-get';
import type { BacklogSource, BacklogTarget, SourceReading } from '../source';

type JsonObject = Parameters<typeof search>[1];

const example = { pool: 'pool', flavor: 'flavor' };

/** Whether `expression` parses (with placeholders filled); evaluation errors on real data come later. */
function parsesAsJmesPath(expression: string): boolean {
  try {
    search(renderTemplate(expression, example), {});
    return true;
  } catch (error) {
    // Type and arity errors need data to be judged; only syntax errors are config errors.
    return (
      !(error instanceof JMESPathError) ||
      !/^(LexerError|ParseError|IncompleteExpressionError|EmptyExpressionError)$/.test(error.name)
    );
  }
}

const jmesPath = z
  .string()
  .min(1)
  .refine(parsesAsJmesPath, { message: 'is not a valid JMESPath expression' });

export const HttpSourceConfigSchema = z.strictObject({
  type: z.literal('http'),
  url: credentialFreeUrl.describe('URL of a JSON document; {pool} and {flavor} are replaced (URL-encoded).'),
  valueExpression: jmesPath.describe('JMESPath to the backlog number, e.g. pools."{pool}"."{flavor}".queued'),
  perAzExpression: jmesPath.optional().describe('JMESPath to an object mapping AZ to backlog.'),
  observedAtExpression: jmesPath
    .optional()
    .describe('JMESPath to the observation time: epoch seconds, epoch ms or an ISO 8601 string.'),
  ...httpClientFields,
});

export type HttpSourceConfig = z.infer<typeof HttpSourceConfigSchema>;

export interface HttpSourceDeps {
  env?: EnvReader;
}

// Epoch seconds stay below 1e11 until the year 5138; epoch milliseconds passed it in 1973.
const EPOCH_MS_THRESHOLD = 1e11;

export function toEpochMs(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) {
    return value < EPOCH_MS_THRESHOLD ? Math.round(value * 1000) : Math.round(value);
  }
  if (typeof value === 'string') {
    if (/^\d+(\.\d+)?$/.test(value)) return toEpochMs(Number(value));
    const parsed = Date.parse(value);
    return Number.isNaN(parsed) ? undefined : parsed;
  }
  return undefined;
}

// Quoted JMESPath identifiers are JSON strings; keep a target name from closing one.
const escapeJmesPath = (value: string) => value.replace(/[\\"]/g, (c) => `\\${c}`);

export function createHttpSource(
  config: HttpSourceConfig,
  deps: HttpSourceDeps = {},
): BacklogSource<{ document: JsonObject; url: string; readAt: number }> {
  const render = (target: BacklogTarget) => renderTemplate(config.url, target, encodeURIComponent);
  const evaluate = (expression: string, document: JsonObject, target: BacklogTarget, url: string) => {
    const rendered = renderTemplate(expression, target, escapeJmesPath);
    try {
      return { rendered, result: search(rendered, document) };
    } catch (error) {
      throw new BacklogSourceError('http', urlLabel(url), `${rendered}: ${(error as Error).name}`, {
        cause: error,
      });
    }
  };

  return {
    type: 'http',
    queryKey: render,
    describe: () => `http:${urlLabel(config.url)}`,
    async read(target, { signal, now }) {
      const url = render(target);
      const document = await getJson(url, {
        sourceType: 'http',
        query: urlLabel(url),
        client: config,
        env: deps.env,
        signal,
      });
      return { document: document as JsonObject, url, readAt: now };
    },
    pick({ document, url, readAt }, target): SourceReading {
      const fail = (problem: string, reason: 'failed' | 'missing' = 'failed') =>
        new BacklogSourceError('http', urlLabel(url), problem, { reason });
      const { rendered, result } = evaluate(config.valueExpression, document, target, url);
      if (result === null || result === undefined) throw fail(`${rendered} matched nothing`, 'missing');
      const value = toBacklogNumber(result);
      if (value === undefined) throw fail(`${rendered} is not a non-negative number`);

      let observedAt = readAt;
      if (config.observedAtExpression) {
        const time = evaluate(config.observedAtExpression, document, target, url);
        const parsed = toEpochMs(time.result);
        if (parsed === undefined) throw fail(`${time.rendered} is not a timestamp`);
        observedAt = parsed;
      }

      if (!config.perAzExpression) return { value, observedAt };
      const split = evaluate(config.perAzExpression, document, target, url);
      if (!split.result || typeof split.result !== 'object' || Array.isArray(split.result)) {
        throw fail(`${split.rendered} is not an object of AZ counts`);
      }
      const perAz: Record<string, number> = {};
      for (const [az, count] of Object.entries(split.result)) {
        const number = toBacklogNumber(count);
        if (number === undefined) throw fail(`${split.rendered}.${az} is not a non-negative number`);
        perAz[az] = number;
      }
      return { value, perAz, observedAt };
    },
  };
}

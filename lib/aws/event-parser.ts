// Events validated with Powertools parser (zod schemas), failing with the fields at fault named:
// Powertools' own ParseError says only "Failed to parse schema".

import { parse } from '@aws-lambda-powertools/parser';
import type { MiddlewareObj } from '@middy/core';
import { ZodError, type ZodType, type z } from 'zod';
import { AwsError } from './errors';

export class EventValidationError extends AwsError {
  constructor(problems: string) {
    super(`invalid event: ${problems}`);
    this.name = 'EventValidationError';
  }
}

interface Issue {
  readonly message: string;
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined;
}

/** Zod errors carry their issues; Standard Schema validation (parser's parse) gives the issue array. */
function issuesOf(error: Error): readonly Issue[] | undefined {
  if (error instanceof ZodError) return error.issues;
  if (error.cause instanceof ZodError) return error.cause.issues;
  return Array.isArray(error.cause) ? (error.cause as Issue[]) : undefined;
}

/**
 * "field: problem; ..." from a parser error. Issues inside an SQS record body (Records.N.body.x) are
 * named from the body (x), the way the sender wrote them.
 */
export function describeParseError(error: Error): string {
  const issues = issuesOf(error);
  if (!issues) return error.message;
  return issues
    .map((issue) => {
      const path = (issue.path ?? []).map((segment) => (typeof segment === 'object' ? segment.key : segment));
      const inBody = path[0] === 'Records' && path[2] === 'body';
      const field = (inBody ? path.slice(3) : path).map(String).join('.') || (inBody ? 'body' : '(event)');
      return `${field}: ${issue.message}`;
    })
    .join('; ');
}

/** Middy middleware replacing the event with its parsed form, or failing with EventValidationError. */
export function parsedEvent<S extends ZodType>(schema: S): MiddlewareObj<z.output<S>> {
  return {
    before: (request) => {
      const result = parse(request.event, undefined, schema, true);
      if (!result.success) throw new EventValidationError(describeParseError(result.error));
      request.event = result.data as z.output<S>;
    },
  };
}

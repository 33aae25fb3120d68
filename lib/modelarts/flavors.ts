// Flavor stock: GET /v1/{project_id}/resourceflavors (node-apis.md, "flavor stock"). `items[].status.phase` is a
// map AZ -> `normal` | `soldout` (SDK resource_flavor_status.py; Terraform `az_status`). Lenient like the other
// schemas: objects are loose, a stock word the docs do not list is kept as text, and each item fails alone, so
// one odd flavor does not hide the stock of the others. A scale-up that reads the stock (issue 15) and `doctor`
// both use it. Built on first use (z.lazy): a cold start that reads no stock does not pay.

import { z } from 'zod';
import type { AzStock } from '../capacity/types';
import { queryString } from './endpoint';
import { ModelArtsError } from './errors';
import { type FieldProblem, formatProblems, toFieldProblems } from './schema-error';
import { signerEncode } from './signer';
import type { ModelArtsTransport, PoolCallOptions } from './transport';

export type { AzStock };

export const ResourceFlavorSchema = z.lazy(() =>
  z.looseObject({
    metadata: z.looseObject({
      name: z.string().min(1),
      labels: z.record(z.string(), z.string()).optional().catch(undefined),
    }),
    status: z
      .looseObject({
        /** AZ code -> stock; absent when the platform says nothing about the flavor's AZs. */
        phase: z.record(z.string(), z.string()).optional(),
      })
      .optional(),
  }),
);

export const ResourceFlavorListSchema = z.lazy(() =>
  z.looseObject({
    metadata: z.looseObject({ continue: z.string().optional() }).optional().catch(undefined),
    items: z.array(z.unknown()).default([]),
  }),
);

export interface FlavorStock {
  flavor: string;
  /** AZ -> stock, as the answer gives it; empty when the item has no `status.phase`. */
  azs: Record<string, AzStock>;
}

export interface FlavorStockList {
  flavors: FlavorStock[];
  /** Items that failed to parse; each fails alone. */
  errors: FlavorResponseError[];
}

/** A flavor answer (one item, or the list itself) without the shape the stock is read from. */
export class FlavorResponseError extends ModelArtsError {
  override readonly name = 'FlavorResponseError';

  /** @param subject `flavor "x"`, `items[3] of page 1`, or `flavor list` for the envelope. */
  constructor(
    readonly subject: string,
    readonly problems: readonly FieldProblem[],
    options?: { cause?: unknown },
  ) {
    super('response', `${subject} has a bad response: ${formatProblems(problems)}`, options);
  }
}

export interface FlavorsApi {
  /** Every flavor's per-AZ stock, following `metadata.continue` (at most 20 pages). */
  listFlavorStock(options?: PoolCallOptions & { labelSelector?: string }): Promise<FlavorStockList>;
}

export const resourceFlavorsPath = (projectId: string) => `/v1/${signerEncode(projectId)}/resourceflavors`;

const MAX_PAGES = 20;

function decode(text: string, page: number): z.output<typeof ResourceFlavorListSchema> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new FlavorResponseError('flavor list', [{ path: '', problem: 'response body is not JSON' }], {
      cause: error,
    });
  }
  const parsed = ResourceFlavorListSchema.safeParse(raw);
  if (!parsed.success)
    throw new FlavorResponseError(`flavor list page ${page}`, toFieldProblems(parsed.error.issues));
  return parsed.data;
}

/** One item: its stock, or the error naming its bad fields. */
export function parseFlavorItem(item: unknown, subject: string): FlavorStock | FlavorResponseError {
  const parsed = ResourceFlavorSchema.safeParse(item);
  if (!parsed.success) {
    const name = (item as { metadata?: { name?: unknown } } | null)?.metadata?.name;
    const named = typeof name === 'string' && name !== '' ? `flavor "${name}"` : subject;
    return new FlavorResponseError(named, toFieldProblems(parsed.error.issues), { cause: parsed.error });
  }
  return { flavor: parsed.data.metadata.name, azs: { ...(parsed.data.status?.phase ?? {}) } };
}

export type FlavorsTransport = Pick<ModelArtsTransport, 'projectId' | 'request'>;

export function createFlavorsApi(transport: FlavorsTransport): FlavorsApi {
  return {
    async listFlavorStock(options = {}) {
      const { labelSelector, ...call } = options;
      const flavors: FlavorStock[] = [];
      const errors: FlavorResponseError[] = [];
      let token: string | undefined;
      for (let page = 1; page <= MAX_PAGES; page++) {
        const text = await transport.request({
          operation: 'listFlavors',
          method: 'GET',
          path: resourceFlavorsPath(transport.projectId),
          query: queryString({ labelSelector, continue: token }),
          ...call,
        });
        const list = decode(text, page);
        list.items.forEach((item, i) => {
          const one = parseFlavorItem(item, `flavor list items[${i}] of page ${page}`);
          if (one instanceof FlavorResponseError) errors.push(one);
          else flavors.push(one);
        });
        token = list.metadata?.continue || undefined;
        if (token === undefined) return { flavors, errors };
      }
      throw new FlavorResponseError('flavor list', [
        { path: 'metadata.continue', problem: `more than ${MAX_PAGES} pages` },
      ]);
    },
  };
}

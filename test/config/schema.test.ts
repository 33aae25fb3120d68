import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { builtInFlavorDefaults } from '../../lib/config/defaults';
import { environmentOverrides } from '../../lib/config/env-overrides';
import { configJsonSchema, renderConfigJsonSchema } from '../../lib/config/json-schema';

type JsonSchema = { properties?: Record<string, JsonSchema>; description?: string; $ref?: string } & Record<
  string,
  unknown
>;

const schema = configJsonSchema() as JsonSchema;
const props = (node: JsonSchema | undefined): Record<string, JsonSchema> => node?.properties ?? {};
const flavorFields = props(props(schema).defaults);

describe('config.schema.json', () => {
  it('is up to date with the zod schema (run `npm run config:schema`)', () => {
    const checkedIn = readFileSync(new URL('../../config.schema.json', import.meta.url), 'utf8');
    expect(checkedIn).toBe(renderConfigJsonSchema());
  });

  it('describes every global setting and every flavor policy field', () => {
    const described = (fields: Record<string, JsonSchema>) =>
      Object.entries(fields)
        .filter(([, field]) => !field.description)
        .map(([name]) => name);
    expect(described(props(schema))).toEqual([]);
    expect(described(flavorFields)).toEqual([]);
    for (const nested of ['backlog', 'scaleUp', 'scaleDown', 'capacity']) {
      expect(described(props(flavorFields[nested])).filter((name) => name !== 'source')).toEqual([]);
    }
  });

  it('quotes the built-in defaults in the descriptions', () => {
    const description = (path: string[]) => {
      let node: JsonSchema | undefined = { properties: flavorFields };
      for (const key of path) node = props(node)[key];
      return node?.description ?? '';
    };
    expect(description(['tolerance'])).toContain(
      `Default ${builtInFlavorDefaults.tolerance.jobs} for a backlog in jobs (as HPA and KEDA), ${builtInFlavorDefaults.tolerance.nodes} in nodes`,
    );
    expect(description(['min'])).toContain(`Default ${builtInFlavorDefaults.min}`);
    expect(description(['scaleDown', 'stabilizationWindowSeconds'])).toContain(
      `Default ${builtInFlavorDefaults.scaleDown.stabilizationWindowSeconds} s`,
    );
    expect(description(['scaleUp', 'policies'])).toContain('32 nodes per 15 s or 100% per 15 s');
    expect(description(['backlog', 'staleAfterSeconds'])).toContain('Default 300 s');
  });

  it('names every environment override', () => {
    for (const { name } of environmentOverrides) expect(schema.description).toContain(name);
  });
});

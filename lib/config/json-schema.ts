import { z } from 'zod';
import { ConfigFileSchema } from './schema';

// The JSON Schema of the file as users write it (defaults optional), for editors and for config.schema.json.

export function configJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(ConfigFileSchema, { io: 'input', target: 'draft-2020-12' }),
    title: 'modelarts-autoscaler configuration',
  };
}

/** config.schema.json's exact content. */
export const renderConfigJsonSchema = (): string => `${JSON.stringify(configJsonSchema(), null, 2)}\n`;

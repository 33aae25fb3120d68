import { writeFile } from 'node:fs/promises';
import { renderConfigJsonSchema } from '../lib/config/json-schema';

// Regenerates config.schema.json from the zod schema (npm run config:schema).
const target = new URL('../config.schema.json', import.meta.url);
await writeFile(target, renderConfigJsonSchema());
console.log(`wrote ${target.pathname}`);

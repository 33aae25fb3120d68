#!/usr/bin/env node
// The `modelarts-autoscaler` bin. It runs the TypeScript entry through tsx (a devDependency), so the bin
// works straight after `npm ci` with no build step and no compiled copy to keep in sync with the sources.
// The container runs the same entry bundled by esbuild (scripts/build-container.ts), without tsx.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
await import('./entry.ts');

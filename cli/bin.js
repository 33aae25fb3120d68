#!/usr/bin/env node
// The `modelarts-autoscaler` bin. It runs the TypeScript entry through tsx (a devDependency), so the bin
// works straight after `npm ci` with no build step and no compiled copy to keep in sync with the sources.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

// `modelarts-autoscaler plan --json | head`: a reader that stops early is not an error.
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (error) => process.exit(error.code === 'EPIPE' ? 0 : 1));

register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
// Idle keep-alive sockets must not hold the exit: leave once the event loop has nothing else to do.
setTimeout(() => process.exit(), 200).unref();

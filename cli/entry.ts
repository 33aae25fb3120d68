// The process around main(): what both the tsx bin (cli/bin.js) and the bundled container entry run.

import { main } from './main';

// `modelarts-autoscaler plan --json | head`: a reader that stops early is not an error.
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (error: NodeJS.ErrnoException) => process.exit(error.code === 'EPIPE' ? 0 : 1));

process.exitCode = await main(process.argv.slice(2));
// Idle keep-alive sockets must not hold the exit: leave once the event loop has nothing else to do.
setTimeout(() => process.exit(), 200).unref();

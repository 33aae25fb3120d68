// dynalite in a process of its own, for the cycle-cost bench: DynamoDB answers from another machine, so its
// work must not take the functions' CPU. Sends the port it listens on to its parent, and stops with it.

import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';

const server = dynalite({ createTableMs: 0 });
server.listen(0, '127.0.0.1', () => {
  process.send?.({ port: (server.address() as AddressInfo).port });
});
process.on('disconnect', () => server.close(() => process.exit(0)));

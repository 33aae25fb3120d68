import { startEmulator } from '../../emulator/server';
import { parseConfig } from '../../lib/config';
import { runCycle } from '../../lib/cycle';
import { createMemoryStateStore } from '../../lib/state/memory';
import { fleet, fleetConfig } from './fleet';
import { createClientLedger } from './ledger';
import { sentinelCredentials, sentinelEmulatorAuth } from './sentinels';
import { seededRandom } from '../../emulator/prng';
let clock = Date.UTC(2026,0,5);
const { pools, members } = fleet(50);
const emulator = await startEmulator({ pools, auth: sentinelEmulatorAuth(), now: () => clock, transitionMs: 30000, seed: 1 });
const ledger = createClientLedger({ endpoint: emulator.url, projectId: emulator.projectId, credentials: sentinelCredentials(emulator.projectId), timeoutMs: 2000, retry: { limit: 3, baseDelayMs: 50, maxDelayMs: 400, budgetMs: 1500 }, now: () => clock });
const config = parseConfig({ text: fleetConfig({ endpoint: emulator.url, projectId: emulator.projectId }), env: {} });
const store = createMemoryStateStore();
const r = seededRandom(3);
const t0 = performance.now();
for (let c = 0; c < 30; c++) {
  const pushed = members.flatMap(m => m.flavors.map(f => ({ pool: m.name, flavor: f, value: Number(process.env.FIX ?? NaN) >= 0 ? Number(process.env.FIX) : Math.floor(r()*37) })));
  const s = performance.now();
  await runCycle(config, { clients: ledger.clients, store, now: () => clock, owner: 'x' }, { pushed, origin: 'x', pushMode: 'replace' });
  clock += 60000;
}
console.log('per cycle', (performance.now()-t0)/30, 'requests', emulator.requests.length);
await emulator.close();

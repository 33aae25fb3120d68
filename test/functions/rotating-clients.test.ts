import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../emulator/server';
import { rotatingModelArtsClients } from '../../lib/aws/rotating-clients';
import { parseConnectionSecrets } from '../../lib/aws/secrets';
import { parseConfig } from '../../lib/config';
import { ModelArtsDeadlineError } from '../../lib/modelarts/errors';

// The functions' clients re-read their secrets; the wrapper that does so must hand every per-call option on,
// or a call made under a pool's lease would run past the lease's deadline.

let emulator: Emulator;
beforeEach(async () => {
  emulator = await startEmulator({});
});
afterEach(() => emulator.close());

describe('a client whose secrets rotate', () => {
  it('honours the deadline of a call made under a lease', async () => {
    const config = parseConfig({
      env: {},
      text: `
connections:
  - { name: emu, region: cn-north-7, projectId: ${emulator.projectId}, endpoint: "${emulator.url}", auth: { type: aksk } }
pools:
  - { name: p, flavors: [{ flavor: "*", max: 2, backlog: { source: { type: static, value: 1 } } }] }
`,
    });
    const secrets = parseConnectionSecrets('/test/credentials', JSON.stringify({ ak: 'AK', sk: 'SK' }));
    const client = rotatingModelArtsClients(config, async () => secrets)('emu');
    const past = { at: 0, now: () => 1 };

    await expect(client.getPool('p', { deadline: past })).rejects.toBeInstanceOf(ModelArtsDeadlineError);
    await expect(
      client.patchPool('p', { spec: { resources: [{ flavor: 'f', count: 1 }] } }, { deadline: past }),
    ).rejects.toBeInstanceOf(ModelArtsDeadlineError);
    expect(emulator.requests).toEqual([]);
    expect(client.attemptTimeoutMs).toBeGreaterThan(0);
  });
});

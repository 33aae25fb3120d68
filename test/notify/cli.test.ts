// `apply` (and `run`, which shares its deps) sends the webhook notifications too: each run is a new process
// with the file state store, so a second run with nothing new sends nothing.

import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { emulatorPerTest, runCli, scratchDir, writeScratch } from '../cli/harness';
import { SAMPLE_FLAVOR, SAMPLE_POOL } from '../functions/harness';
import { type Receiver, startReceiver } from './receiver';

const SECRET = 'cli-notify-secret-for-tests-3c1b';
const emulator = emulatorPerTest();
let receiver: Receiver;

beforeEach(async () => {
  receiver = await startReceiver(SECRET, Date.now);
});
afterEach(() => receiver.close());

const configFile = (endpoint: string) =>
  writeScratch(
    'autoscaler.yaml',
    stringify({
      state: { type: 'file', path: join(scratchDir(), 'state.json') },
      connections: [
        {
          name: 'emulator',
          region: 'cn-north-7',
          projectId: 'emulator-project',
          endpoint,
          auth: { type: 'none' },
        },
      ],
      pools: [
        {
          name: SAMPLE_POOL,
          flavors: [{ flavor: SAMPLE_FLAVOR, max: 8, backlog: { source: { type: 'static', value: 6 } } }],
        },
      ],
      notifications: { webhook: { url: receiver.url } },
    }),
  );

describe('notifications from the command line', () => {
  it('apply sends a signed scale-up once across two runs', async () => {
    const em = await emulator();
    const config = configFile(em.url);
    const env = { AUTOSCALER_NOTIFY_SECRET: SECRET };
    const first = await runCli(['apply', '--yes', '-c', config], { env });
    expect(first.code, first.stderr).toBe(0);
    const second = await runCli(['apply', '--yes', '-c', config], { env });
    expect(second.code, second.stderr).toBe(0);

    expect(receiver.received.map((r) => [r.verified, r.message.kind, r.message.pool])).toEqual([
      [true, 'scale-up', SAMPLE_POOL],
    ]);
    expect(first.stdout + first.stderr + second.stdout + second.stderr).not.toContain(SECRET);
  });

  it('apply refuses to start without the signing secret, naming the setting', async () => {
    const em = await emulator();
    const run = await runCli(['apply', '--yes', '-c', configFile(em.url)]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(
      'notifications.webhook.secretEnv: the environment variable AUTOSCALER_NOTIFY_SECRET is not set',
    );
    expect(receiver.received).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { leaveOutUnservable, unservableReason } from '../../lib/capacity/unservable';
import { readBacklogs } from '../../lib/metrics/read';
import { BacklogSourceConfigSchema } from '../../lib/metrics/registry';
import { akSkCredentials, createModelArtsClient } from '../../lib/modelarts/index';
import { createWorkloadsApi } from '../../lib/modelarts/workloads';
import { checkBacklog } from '../../lib/scaling/target';
import { emulatorFor, seedPool, T0, T4 } from '../emulator/harness';
import { flavorPolicy } from '../scaling/builders';

// An unservable job end to end: the emulator's job queue, read by the modelarts-workloads source, and the job that
// needs more nodes than the flavor's max left out of the backlog (issue #15).

const MULTI = seedPool('multi-gpu-pool');

describe('unservable job from the emulator queue', () => {
  it('leaves a queued job bigger than max out of the backlog read from the pool, and names it', async () => {
    const emulator = await emulatorFor({ now: () => T0 });
    await fetch(`${emulator.url}/__admin/pools/${MULTI}/workloads`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([
        { flavor: T4, status: 'Queue', nodeCount: 12, jobName: 'too-big' },
        { flavor: T4, status: 'Queue', nodeCount: 2, jobName: 'fits' },
        { flavor: T4, status: 'Running', nodeCount: 1 },
      ]),
    });
    const client = createModelArtsClient({
      projectId: emulator.projectId,
      endpoint: emulator.url,
      auth: { type: 'aksk', credentials: akSkCredentials({ ak: 'AK', sk: 'SK' }) },
      retry: { limit: 0 },
      now: () => T0,
    });
    const request = {
      pool: MULTI,
      flavor: T4,
      unit: 'nodes' as const,
      source: BacklogSourceConfigSchema.parse({ type: 'modelarts-workloads' }),
    };
    const backlogs = await readBacklogs([request], {
      now: () => T0,
      deps: { workloads: createWorkloadsApi(client) },
    });
    const checked = checkBacklog(backlogs.get(request), T4);
    expect(checked).toMatchObject({ ok: true, value: 15 });

    const { backlog, unservable } = leaveOutUnservable(checked, flavorPolicy(T4, { max: 8 }), undefined);
    expect(backlog).toMatchObject({ ok: true, value: 3 });
    expect(unservableReason(T4, unservable).message).toContain(
      "too-big needs 12 nodes, the flavor's max is 8",
    );
  });
});

import { describe, expect, it } from 'vitest';
import type { Backlog } from '../../lib/metrics/backlog';
import { overlayPushed, PushedBacklogSchema } from '../../lib/metrics/pushed';
import type { BacklogTarget } from '../../lib/metrics/source';

const now = 1_750_000_000_000;
const gpu: BacklogTarget = { pool: 'pool-a', flavor: 'gpu' };
const cpu: BacklogTarget = { pool: 'pool-a', flavor: 'cpu' };
const gpuAz1: BacklogTarget = { pool: 'pool-a', flavor: 'gpu', az: 'az-1' };

const read = new Map<BacklogTarget, Backlog>([
  [gpu, { ok: true, value: 10, observedAt: now - 60_000, source: 'sqs:jobs' }],
  [cpu, { ok: false, reason: 'failed', source: 'sqs:jobs', message: 'down' }],
  [gpuAz1, { ok: true, value: 4, observedAt: now - 60_000, source: 'sqs:jobs' }],
]);

describe('pushed backlog', () => {
  it('replaces the read value of the flavors it names, stamped pushed:<origin>', () => {
    const result = overlayPushed(read, [{ pool: 'pool-a', flavor: 'cpu', value: 3 }], {
      origin: 'webhook',
      now,
    });

    expect(result.get(cpu)).toEqual({ ok: true, value: 3, observedAt: now, source: 'pushed:webhook' });
    expect(result.get(gpu)).toBe(read.get(gpu));
  });

  it('answers AZ-level targets from a pushed per-AZ split', () => {
    const result = overlayPushed(
      read,
      [{ pool: 'pool-a', flavor: 'gpu', value: 6, perAz: { 'az-1': 2, 'az-2': 4 } }],
      {
        origin: 'sqs',
        now,
      },
    );

    expect(result.get(gpu)).toMatchObject({
      value: 6,
      perAz: { 'az-1': 2, 'az-2': 4 },
      source: 'pushed:sqs',
    });
    expect(result.get(gpuAz1)).toMatchObject({ value: 2, source: 'pushed:sqs' });
  });

  it('keeps the latest of several pushed values for one flavor', () => {
    const result = overlayPushed(
      read,
      [
        { pool: 'pool-a', flavor: 'gpu', value: 20, observedAt: now - 5_000 },
        { pool: 'pool-a', flavor: 'gpu', value: 12, observedAt: now - 1_000 },
        { pool: 'pool-a', flavor: 'gpu', value: 30, observedAt: now - 9_000 },
      ],
      { origin: 'sqs', now },
    );
    expect(result.get(gpu)).toMatchObject({ value: 12, observedAt: now - 1_000 });
  });

  it('in raise mode never lowers a read value but does stand in for a failed read', () => {
    const result = overlayPushed(
      read,
      [
        { pool: 'pool-a', flavor: 'gpu', value: 1 },
        { pool: 'pool-a', flavor: 'cpu', value: 5 },
      ],
      { origin: 'webhook', now, mode: 'raise' },
    );

    expect(result.get(gpu)).toBe(read.get(gpu));
    expect(result.get(cpu)).toMatchObject({ ok: true, value: 5, source: 'pushed:webhook' });
  });

  it('validates a pushed payload, naming the bad field', () => {
    const result = PushedBacklogSchema.safeParse({ pool: 'pool-a', flavor: 'gpu', value: -2 });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['value']);
  });
});

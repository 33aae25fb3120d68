import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Holder, RunHolderError, STALE_AFTER_MS, takeRunHolder } from '../../cli/run/holder';
import { scratchDir } from './harness';

const T0 = Date.parse('2026-01-01T00:00:00Z');

function setup() {
  let time = T0;
  const path = join(scratchDir(), 'state.json.holder');
  return {
    path,
    clock: { now: () => time, advance: (ms: number) => (time += ms) },
    read: () => JSON.parse(readFileSync(path, 'utf8')) as Holder,
  };
}

describe('the run holder file', () => {
  it('refuses a second holder while the first one beats, and names it', async () => {
    const { path, clock } = setup();
    const first = await takeRunHolder({ path, now: clock.now, host: 'a', pid: 10, alive: () => true });
    clock.advance(STALE_AFTER_MS);
    await first.beat();
    clock.advance(STALE_AFTER_MS - 1000);
    await expect(takeRunHolder({ path, now: clock.now, host: 'b', pid: 20 })).rejects.toThrow(
      new RunHolderError(
        `another run holds this state: pid 10 on host a, heartbeat 29 s ago (${path}); stop it first, or wait 1 s for its heartbeat to go stale if it is dead`,
      ),
    );
    await first.release();
  });

  it('takes over a holder whose heartbeat is older than the stale limit', async () => {
    const { path, clock, read } = setup();
    const first = await takeRunHolder({ path, now: clock.now, host: 'a', pid: 10 });
    clock.advance(STALE_AFTER_MS + 1);
    const second = await takeRunHolder({ path, now: clock.now, host: 'b', pid: 20 });
    expect(second.tookOverFrom).toMatchObject({ host: 'a', pid: 10 });
    expect(read()).toMatchObject({ host: 'b', pid: 20, heartbeatAt: clock.now() });
    await first.release();
    // The first one's release leaves the new holder alone.
    expect(read().id).toBe(second.holder.id);
    await second.release();
  });

  it('takes over at once from a dead process on this host, or from its own pid (a restarted container)', async () => {
    const { path, clock } = setup();
    const dead: Holder = { id: 'x', pid: 77, host: 'here', startedAt: T0, heartbeatAt: T0 };
    writeFileSync(path, JSON.stringify(dead));
    const held = await takeRunHolder({
      path,
      now: clock.now,
      host: 'here',
      pid: 1,
      alive: (pid) => pid !== 77,
    });
    expect(held.tookOverFrom?.pid).toBe(77);
    await held.release();
    writeFileSync(path, JSON.stringify({ ...dead, pid: 1 }));
    const restarted = await takeRunHolder({ path, now: clock.now, host: 'here', pid: 1, alive: () => true });
    expect(restarted.tookOverFrom?.pid).toBe(1);
    await restarted.release();
  });

  it('notices when another process took the file over, and stops beating', async () => {
    const { path, clock } = setup();
    const lost: (Holder | undefined)[] = [];
    const held = await takeRunHolder({
      path,
      now: clock.now,
      host: 'a',
      pid: 10,
      onLost: (by) => lost.push(by),
    });
    const other: Holder = { id: 'other', pid: 20, host: 'b', startedAt: T0, heartbeatAt: T0 };
    writeFileSync(path, JSON.stringify(other));
    expect(await held.beat()).toBe(false);
    expect(lost).toEqual([other]);
    await held.release();
    expect(JSON.parse(readFileSync(path, 'utf8')).id).toBe('other');
  });

  it('refuses a fresh holder file it cannot parse (one being written), and replaces an old one', async () => {
    const { path } = setup();
    writeFileSync(path, '{"id":');
    await expect(takeRunHolder({ path, host: 'a', pid: 10 })).rejects.toThrow(
      /is being written by another run/,
    );
    const later = () => Date.now() + STALE_AFTER_MS + 1000;
    const held = await takeRunHolder({ path, now: later, host: 'a', pid: 10 });
    expect(held.tookOverFrom).toBeUndefined();
    await held.release();
  });
});

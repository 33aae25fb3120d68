// Idle-node scale-in through the real cycle against the emulator over HTTP: drain, then delete by name in a
// later cycle, a busy node kept, the request budget, and the platform answers the docs leave open.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NodeApiRules } from '../../emulator/node-rules';
import { type Emulator, loadSeedPools, startEmulator } from '../../emulator/server';
import { parseConfig } from '../../lib/config';
import { type DecisionRecord, runCycle } from '../../lib/cycle';
import { createModelArtsClient } from '../../lib/modelarts/client';
import { createMemoryStateStore } from '../../lib/state/memory';
import type { StateStore } from '../../lib/state/store';

const POOL = 'scale-in-pool';
const FLAVOR = 'modelarts.vm.cpu.4ud';
const T0 = Date.UTC(2026, 10, 24, 8, 0, 0);
const MINUTE = 60_000;

async function seed(count: number): Promise<unknown[]> {
  const [template] = (await loadSeedPools()) as Record<string, unknown>[];
  const resources = [{ flavor: FLAVOR, count, azs: [{ az: 'cn-north-7a', count }] }];
  return [
    {
      ...template,
      metadata: {
        name: POOL,
        labels: { 'os.modelarts/name': POOL },
        annotations: { 'os.modelarts/billing.mode': '0' },
      },
      spec: { ...(template?.spec as object), controlMode: 0, resources },
      status: { phase: 'Running', resources: { available: resources } },
    },
  ];
}

function configText(
  emulator: Emulator,
  scaleDown = '{ idleSeconds: 60, drainSeconds: 60, stabilizationWindowSeconds: 0 }',
  backlog = 0,
) {
  return `
connections:
  - name: emu
    region: cn-north-7
    projectId: ${emulator.projectId}
    endpoint: ${emulator.url}
    auth: { type: none }
pools:
  - name: ${POOL}
    flavors:
      - flavor: ${FLAVOR}
        min: 1
        max: 6
        backlog: { source: { type: static, value: ${backlog} }, unit: jobs, targetPerNode: 1 }
        scaleDown: ${scaleDown}
`;
}

describe('idle-node scale-in through the cycle', () => {
  let emulator: Emulator;
  let clock: number;
  let store: StateStore;
  let records: DecisionRecord[];

  const deps = () => ({
    clients: () =>
      createModelArtsClient({
        projectId: emulator.projectId,
        endpoint: emulator.url,
        auth: { type: 'none' },
      }),
    store,
    now: () => clock,
    owner: 'test',
    log: (record: DecisionRecord) => records.push(record),
  });
  const start = async (count: number, rules: Partial<NodeApiRules> = {}) => {
    emulator = await startEmulator({
      pools: await seed(count),
      now: () => clock,
      transitionMs: MINUTE,
      nodeRules: rules,
    });
  };
  const routes = () => emulator.requests.map((r) => r.route);
  const names = () =>
    emulator
      .nodes(POOL)
      .nodes.map((node) => node.name)
      .sort();
  const cycle = async (scaleDown?: string, dryRun = false, backlog = 0) => {
    emulator.clearRequests();
    records = [];
    const config = parseConfig({ text: configText(emulator, scaleDown, backlog), env: {} });
    const result = await runCycle(config, deps(), { dryRun });
    return result.outcomes[0];
  };

  beforeEach(() => {
    clock = T0;
    store = createMemoryStateStore();
    records = [];
  });
  afterEach(() => emulator?.close());

  it('backs off after a conflict answer, longer after a second one, and clears the wait once a write goes through', async () => {
    await start(3);
    await cycle();
    clock += MINUTE;
    // A conflict is not retried within the cycle (not a 429 or 5xx): one answer refuses the drain.
    emulator.failNext('drainNodes', 1, { status: 409, errorCode: 'ModelArts.5044' });
    const refused = await cycle();
    expect(refused?.status).toBe('failed');
    expect(refused?.httpStatus).toBe(409);
    expect(emulator.nodes(POOL).nodes.some((node) => node.drained)).toBe(false);
    const stored = async () => (await store.load(`${emulator.projectId}/${POOL}`)).history.scaleIn;
    expect((await stored())?.conflict).toEqual({ failures: 1, until: clock + MINUTE });

    clock += MINUTE / 2;
    const waiting = await cycle();
    expect(waiting?.status).toBe('unchanged');
    expect(routes()).not.toContain('listNodes');
    expect(records.flatMap((r) => r.reasons)).toContain('scale-in-backoff');

    clock += MINUTE / 2;
    emulator.failNext('drainNodes', 1, { status: 409, errorCode: 'ModelArts.5044' });
    await cycle();
    expect((await stored())?.conflict).toEqual({ failures: 2, until: clock + 2 * MINUTE });

    clock += 2 * MINUTE;
    const through = await cycle();
    expect(through?.status).toBe('drained');
    expect((await stored())?.conflict).toBeUndefined();
  });

  it('drains idle nodes, deletes them by name a cycle later, keeps the busy one, and never lowers the count by PATCH', async () => {
    await start(4);
    const [busy] = names();
    emulator.addJob(POOL, { flavor: FLAVOR, status: 'Running', nodeNames: [busy as string] });

    const first = await cycle();
    expect(first?.status).toBe('unchanged');
    expect(first?.scaleIn?.kept.map((k) => k.why).sort()).toEqual([
      'busy',
      'idle-too-short',
      'idle-too-short',
      'idle-too-short',
    ]);

    clock += MINUTE;
    const second = await cycle();
    expect(second?.status).toBe('drained');
    expect(second?.scaleIn?.drained).toHaveLength(3);
    expect(routes()).toEqual(['listPools', 'getPool', 'listNodes', 'listWorkloads', 'drainNodes']);
    const drained = emulator
      .nodes(POOL)
      .nodes.filter((node) => node.drained)
      .map((node) => node.name);
    expect(drained.sort()).toEqual(names().filter((name) => name !== busy));
    const record = records.find((r) => r.flavor === FLAVOR);
    expect(record?.drained?.sort()).toEqual(drained.sort());
    expect(record?.kept).toEqual([{ name: busy, why: 'busy' }]);

    clock += MINUTE;
    const third = await cycle();
    expect(third?.status).toBe('deleted');
    expect(third?.scaleIn?.deleted.map((n) => n.name).sort()).toEqual(drained.sort());
    expect(routes()).toEqual([
      'listPools',
      'getPool',
      'listNodes',
      'listWorkloads',
      'deleteNodes',
      'getPool',
    ]);
    expect(routes()).not.toContain('patchPool');
    expect(emulator.pool(POOL)?.spec.resources[0]?.count).toBe(1);
    expect(emulator.nodes(POOL).jobs.filter((job) => job.status === 'Failed')).toEqual([]);
  });

  it('keeps a drained node that took a job, and deletes it once idle', async () => {
    await start(2);
    await cycle();
    clock += MINUTE;
    expect((await cycle())?.status).toBe('drained');
    const [drained] = emulator.nodes(POOL).nodes.filter((node) => node.drained);
    const name = drained?.name as string;
    // A job the scheduler placed just before the drain took effect.
    emulator.setNode(POOL, name, { drained: false });
    const job = emulator.addJob(POOL, { flavor: FLAVOR, status: 'Running', nodeNames: [name] });
    emulator.setNode(POOL, name, { drained: true });

    clock += MINUTE;
    const busy = await cycle();
    expect(busy?.status).toBe('unchanged');
    expect(busy?.scaleIn?.kept).toContainEqual({ name, flavor: FLAVOR, why: 'busy' });
    expect(routes()).not.toContain('deleteNodes');

    emulator.setJobStatus(POOL, job.uid as string, 'Completed');
    clock += MINUTE;
    const idle = await cycle();
    expect(idle?.status).toBe('deleted');
    expect(idle?.scaleIn?.deleted.map((n) => n.name)).toEqual([name]);
    expect(emulator.nodes(POOL).jobs.filter((j) => j.status === 'Failed')).toEqual([]);
  });

  it('stops with count-not-lowered when a delete leaves the count as it was, and never patches lower after', async () => {
    await start(2, { deleteLowersCount: false });
    await cycle();
    clock += MINUTE;
    await cycle();
    clock += MINUTE;
    const third = await cycle();
    expect(third?.status).toBe('count-not-lowered');
    expect(records.find((r) => r.flavor === FLAVOR)?.reasons).toContain('count-not-lowered');
    const history = await store.load(`${emulator.projectId}/${POOL}`);
    expect(history.history.scaleIn?.stopped).toMatchObject({ flavor: FLAVOR, countBefore: 2, countAfter: 2 });

    for (const method of ['idle-nodes', 'count']) {
      clock += MINUTE;
      const next = await cycle(
        `{ method: ${method}, idleSeconds: 60, drainSeconds: 60, stabilizationWindowSeconds: 0 }`,
      );
      expect(next?.status).toBe('unchanged');
      expect(routes()).not.toContain('patchPool');
      expect(routes()).not.toContain('deleteNodes');
    }
  });

  it('without batch-drain says so once, and deletes only nodes idle on two reads drainSeconds apart', async () => {
    await start(2, { drain: 'missing' });
    await cycle();
    clock += MINUTE;
    const second = await cycle();
    expect(routes()).toContain('drainNodes');
    expect(second?.status).toBe('unchanged');
    expect(records.find((r) => r.flavor === FLAVOR)?.reasons).toContain('drain-unavailable');
    clock += MINUTE;
    const third = await cycle();
    expect(routes()).not.toContain('drainNodes');
    expect(third?.scaleIn?.picked).toHaveLength(1);
    clock += MINUTE;
    const fourth = await cycle();
    expect(fourth?.status).toBe('deleted');
    expect(routes().filter((r) => r === 'listWorkloads')).toHaveLength(2);
    const reasons = records.flatMap((r) => r.reasons);
    expect(reasons).not.toContain('drain-unavailable');
  });

  it('a refused node API is a guard in the plan every cycle, and no node is touched', async () => {
    await start(2);
    emulator.failNext('listNodes', 2, { status: 403, errorCode: 'ModelArts.0001' });
    for (let i = 0; i < 2; i++) {
      const outcome = await cycle();
      expect(outcome?.status).toBe('unchanged');
      expect(records.find((r) => r.flavor === FLAVOR)?.reasons).toContain('node-api-unavailable');
      clock += MINUTE;
    }
  });

  it('a failed workloads read means no scale-in for the pool this cycle', async () => {
    await start(2);
    await cycle();
    clock += MINUTE;
    emulator.failNext('listWorkloads', 1, { malformed: true });
    const outcome = await cycle();
    expect(outcome?.status).toBe('failed');
    expect(routes()).not.toContain('drainNodes');
  });

  it('dry-run names the nodes it would drain and sends nothing', async () => {
    await start(2);
    await cycle();
    clock += MINUTE;
    const dry = await cycle(undefined, true);
    expect(dry?.status).toBe('dry-run');
    expect(dry?.scaleIn?.drained).toHaveLength(1);
    expect(routes()).toEqual(['listPools', 'getPool', 'listNodes', 'listWorkloads']);
    expect(emulator.nodes(POOL).nodes.some((node) => node.drained)).toBe(false);
  });

  it('when demand returns, puts drained nodes back where the platform can undrain, else deletes them once idle', async () => {
    for (const undrain of [true, false]) {
      clock = T0;
      store = createMemoryStateStore();
      await emulator?.close();
      await start(2, { undrain });
      await cycle();
      clock += MINUTE;
      expect((await cycle())?.status).toBe('drained');
      clock += MINUTE;
      const back = await cycle(undefined, false, 2);
      if (undrain) {
        expect(back?.status).toBe('undrained');
        expect(emulator.nodes(POOL).nodes.some((node) => node.drained)).toBe(false);
      } else {
        // No undrain API (the documented case): the first try says so, the node stays drained...
        expect(back?.status).toBe('unchanged');
        expect(routes()).toContain('undrainNodes');
        clock += MINUTE;
        // ...and from then on a drained idle node is deleted; growth replaces it.
        const gone = await cycle(undefined, false, 2);
        expect(gone?.status).toBe('deleted');
        expect(routes()).not.toContain('undrainNodes');
      }
    }
  });

  it('drains ahead while the scale-down window holds the count, and deletes the nodes the moment it ends', async () => {
    const windowed = '{ idleSeconds: 0, drainSeconds: 60, stabilizationWindowSeconds: 120 }';
    await start(4);
    // 4 jobs at T0; none from T0+60: the window holds 4 until T0+120, and only T0+60's 1 is left in it after.
    expect((await cycle(windowed, false, 4))?.status).toBe('unchanged');
    clock += MINUTE;
    const ahead = await cycle(windowed);
    expect(ahead?.status).toBe('drained');
    expect(ahead?.scaleIn?.drained).toHaveLength(3);
    expect(routes()).toEqual(['listPools', 'getPool', 'listNodes', 'listWorkloads', 'drainNodes']);
    expect(records.flatMap((r) => r.reasons)).toContain('drain-ahead');
    expect(emulator.pool(POOL)?.spec.resources[0]?.count).toBe(4);
    clock += MINUTE;
    const gone = await cycle(windowed);
    expect(gone?.status).toBe('deleted');
    expect(gone?.scaleIn?.deleted).toHaveLength(3);
    expect(routes()).not.toContain('patchPool');
    expect(emulator.pool(POOL)?.spec.resources[0]?.count).toBe(1);
  });

  it('with no undrain, a node drained ahead is deleted and regrown once, and nothing is drained ahead after', async () => {
    const windowed = '{ idleSeconds: 0, drainSeconds: 60, stabilizationWindowSeconds: 120 }';
    await start(4, { undrain: false });
    await cycle(windowed, false, 4);
    clock += MINUTE;
    expect((await cycle(windowed))?.status).toBe('drained');
    // The jobs come back before the window ends: the undrain is answered missing, and remembered.
    clock += MINUTE;
    expect((await cycle(windowed, false, 4))?.status).toBe('unchanged');
    expect(routes()).toContain('undrainNodes');
    const stored = async () => (await store.load(`${emulator.projectId}/${POOL}`)).history.scaleIn;
    expect((await stored())?.undrainUnavailableSince).toBe(clock);
    // The drained nodes cannot take the jobs: they are deleted, and growth replaces them.
    clock += MINUTE;
    expect((await cycle(windowed, false, 4))?.status).toBe('deleted');
    clock += MINUTE;
    expect((await cycle(windowed, false, 4))?.status).toBe('patched');
    expect(emulator.pool(POOL)?.spec.resources[0]?.count).toBe(4);
    // The next time the window holds nodes the backlog no longer asks for, none is drained before it ends.
    clock += 3 * MINUTE;
    await cycle(windowed, false, 4);
    clock += MINUTE;
    const held = await cycle(windowed);
    expect(held?.status).toBe('unchanged');
    expect(routes()).toEqual(['listPools']);
    expect(records.flatMap((r) => r.reasons)).not.toContain('drain-ahead');
    clock += MINUTE;
    expect((await cycle(windowed))?.status).toBe('drained');
  });

  it('a pool the planner keeps where it is reads no nodes', async () => {
    await start(2);
    emulator.clearRequests();
    const config = parseConfig({ text: configText(emulator, undefined, 2), env: {} });
    const result = await runCycle(config, deps());
    expect(result.outcomes[0]?.status).toBe('unchanged');
    expect(routes()).toEqual(['listPools']);
  });

  it('the count method still patches the count (opt-in)', async () => {
    await start(2);
    const outcome = await cycle('{ method: count, stabilizationWindowSeconds: 0 }');
    expect(outcome?.status).toBe('patched');
    expect(outcome?.patch?.spec.resources[0]?.count).toBe(1);
    expect(routes()).not.toContain('listNodes');
  });
});

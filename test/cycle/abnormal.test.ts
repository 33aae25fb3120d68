// Abnormal nodes with capacity.replaceAbnormalAfterSeconds against the emulator over HTTP (issue #15): with
// idle-nodes the planner hands the flavor to scale-in, which deletes the idle Abnormal node by name once it has been
// Abnormal that long (fenced like every scale-in write), so the count drops and growth replaces it; with `count`
// nothing is replaced. The config's `capacity:` comes with the planner's branch: the setting is put on the
// resolved policy here.

import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CAPACITY } from '../../lib/capacity/types';
import { parseConfig } from '../../lib/config';
import { prepare } from '../../lib/cycle/prepare';
import { readAllBacklogs } from '../../lib/cycle/read-backlogs';
import { readPools } from '../../lib/cycle/read-pools';
import { runScaleIn, type WriteGate } from '../../lib/cycle/scale-in';
import { createModelArtsClient } from '../../lib/modelarts/client';
import type { ScaleInMemory } from '../../lib/scale-in/types';
import { type PoolPlan, plan } from '../../lib/scaling/plan';
import { type CapacityRig, capacityRig, configText, FLAVOR, MINUTE } from './capacity-harness';

const POOL = 'gpu-pool';
const AFTER = 600;

describe('abnormal nodes replaced', () => {
  let rig: CapacityRig;
  afterEach(() => rig?.close());

  const planFor = async (method: 'idle-nodes' | 'count'): Promise<PoolPlan> => {
    const text = configText(rig.emulator, [POOL], {
      backlog: 3,
      scaleDown: `{ method: ${method}, stabilizationWindowSeconds: 0 }`,
    });
    const config = parseConfig({ text, env: {} });
    const client = createModelArtsClient({
      projectId: rig.emulator.projectId,
      endpoint: rig.emulator.url,
      auth: { type: 'none' },
    });
    const deps = { clients: () => client, store: rig.store, now: () => rig.clock.now, owner: 'test' };
    const read = await readPools(config, deps, undefined, undefined);
    const backlogs = await readAllBacklogs(config, deps, read.snapshots, {}, rig.clock.now);
    const { prepared } = await prepare(config, deps, read.snapshots, backlogs, {});
    const input = prepared[0]?.input as NonNullable<(typeof prepared)[0]>['input'];
    const policy = input.policy.flavors[FLAVOR] as NonNullable<(typeof input.policy.flavors)[string]>;
    policy.capacity = { ...DEFAULT_CAPACITY, replaceAbnormalAfterSeconds: AFTER };
    return plan({ now: rig.clock.now, pools: [input] }).pools[0] as PoolPlan;
  };

  const scaleIn = async (
    poolPlan: PoolPlan,
    memory: ScaleInMemory | undefined,
    gates: WriteGate[] = [],
    answer: WriteGate = 'go',
  ) => {
    const client = createModelArtsClient({
      projectId: rig.emulator.projectId,
      endpoint: rig.emulator.url,
      auth: { type: 'none' },
    });
    return runScaleIn({
      client,
      pool: await client.getPool(POOL),
      plan: poolPlan,
      memory,
      now: () => rig.clock.now,
      mayWrite: async () => {
        gates.push(answer);
        return answer;
      },
    });
  };

  it('with idle-nodes deletes the idle Abnormal node by name once Abnormal that long, behind the write gate', async () => {
    rig = await capacityRig([{ name: POOL, azs: [2, 1] }]);
    const [sick] = rig.emulator.nodes(POOL).nodes;
    rig.emulator.setNode(POOL, sick?.name as string, { phase: 'Abnormal' });

    const first = await planFor('idle-nodes');
    expect(first.patch).toBeUndefined();
    expect(first.scaleIn).toEqual([
      expect.objectContaining({ flavor: FLAVOR, replaceAbnormalAfterSeconds: AFTER }),
    ]);
    const gates: WriteGate[] = [];
    const seen = await scaleIn(first, undefined, gates);
    expect(seen.status).toBe('unchanged');
    expect(seen.memory.nodes[sick?.name as string]).toMatchObject({ abnormalSince: rig.clock.now });
    expect(gates).toEqual([]);

    rig.clock.now += AFTER * 1000 + MINUTE;
    // The kill switch (or a lost lease) stops the delete like any other scale-in write.
    const stopped = await scaleIn(await planFor('idle-nodes'), seen.memory, gates, 'kill-switch');
    expect(stopped.status).toBe('skipped');
    expect(rig.emulator.nodes(POOL).nodes.map((n) => n.name)).toContain(sick?.name);
    gates.length = 0;
    const replaced = await scaleIn(await planFor('idle-nodes'), seen.memory, gates);
    expect(replaced.status).toBe('deleted');
    expect(replaced.report.deleted.map((n) => n.name)).toEqual([sick?.name]);
    expect(replaced.reasons.map((r) => r.code)).toContain('abnormal-replaced');
    expect(gates).toEqual(['go']);
    expect(rig.emulator.pool(POOL)?.spec.resources[0]?.count).toBe(2);
    // The next plan grows the flavor back to its target: the node is replaced.
    const regrow = await planFor('idle-nodes');
    expect(regrow.flavors[0]).toMatchObject({ current: 2, target: 3, action: 'scale-up' });
  });

  it('with count hands nothing to scale-in and replaces nothing', async () => {
    rig = await capacityRig([{ name: POOL, azs: [2, 1] }]);
    const [sick] = rig.emulator.nodes(POOL).nodes;
    rig.emulator.setNode(POOL, sick?.name as string, { phase: 'Abnormal' });
    const counted = await planFor('count');
    expect(counted.scaleIn).toBeUndefined();
    expect(counted.patch).toBeUndefined();
  });
});

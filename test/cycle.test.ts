import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../emulator/server';
import { parseConfig } from '../lib/config';
import { type DecisionRecord, runCycle } from '../lib/cycle';
import { createModelArtsClient } from '../lib/modelarts/client';
import { createMemoryStateStore } from '../lib/state/memory';
import type { StateStore } from '../lib/state/store';

const AUTO = 'auto-pool-os-86c13962597848eeb29c5861153a391f';
const FROZEN = 'frozen-pool-2b8bac7b9334a944bf07f1a69c55f374';
const CREATING = 'creating-pool-6c9c5aa418e831aed11f50a9b680660a';
const MULTI = 'multi-gpu-pool-fb414673d35cd05c56b692b7599755e9';

const T0 = Date.UTC(2026, 10, 24, 8, 0, 0);

function configText(emulator: Emulator, extra = '') {
  return `
connections:
  - name: emu
    region: cn-north-7
    projectId: ${emulator.projectId}
    endpoint: ${emulator.url}
    auth: { type: none }
${extra}
pools:
  - name: ${AUTO}
    flavors:
      - flavor: modelarts.vm.cpu.4ud
        min: 1
        max: 6
        backlog: { source: { type: static, value: 8 }, unit: jobs, targetPerNode: 2 }
  - name: ${FROZEN}
    flavors:
      - { flavor: "*", min: 1, max: 6, backlog: { source: { type: static, value: 40 }, unit: jobs, targetPerNode: 1 } }
  - name: ${CREATING}
    flavors:
      - { flavor: "*", min: 1, max: 6, backlog: { source: { type: static, value: 40 }, unit: jobs, targetPerNode: 1 } }
  - name: ${MULTI}
    flavors:
      - flavor: modelarts.vm.gpu.t4u8
        min: 1
        max: 10
        backlog: { source: { type: static, value: 8 }, unit: nodes, targetPerNode: 1 }
`;
}

describe('runCycle against the emulator', () => {
  let emulator: Emulator;
  let clock: number;
  let store: StateStore;
  let records: DecisionRecord[];

  const deps = (owner = 'test') => ({
    clients: () =>
      createModelArtsClient({
        projectId: emulator.projectId,
        endpoint: emulator.url,
        auth: { type: 'none' },
      }),
    store,
    now: () => clock,
    owner,
    log: (record: DecisionRecord) => records.push(record),
  });
  const patches = () => emulator.requests.filter((r) => r.route === 'patchPool');

  beforeEach(async () => {
    clock = T0;
    emulator = await startEmulator({ now: () => clock, transitionMs: 60_000 });
    store = createMemoryStateStore();
    records = [];
  });
  afterEach(() => emulator.close());

  it('reads the pools with one list call, the flavor stock once, then one GET and one PATCH per changed pool', async () => {
    const config = parseConfig({ text: configText(emulator), env: {} });
    const result = await runCycle(config, deps());

    const byPool = Object.fromEntries(result.outcomes.map((o) => [o.pool, o.status]));
    expect(byPool).toEqual({
      [AUTO]: 'patched',
      [FROZEN]: 'skipped',
      [CREATING]: 'skipped',
      [MULTI]: 'patched',
    });
    expect(emulator.requests.map((r) => r.route).sort()).toEqual([
      'getPool',
      'getPool',
      // Two pools grow: one flavor stock read for the connection (issue #15).
      'listFlavors',
      'listPools',
      'patchPool',
      'patchPool',
    ]);
    expect(emulator.pool(AUTO)?.spec.resources[0]?.count).toBe(4);
    const multi = emulator.pool(MULTI)?.spec.resources;
    expect(multi?.[0]?.count).toBe(8);
    expect(multi?.[0]?.azs?.reduce((sum, az) => sum + az.count, 0)).toBe(8);
    // The untouched flavor is listed with its count: merge-patch replaces the array whole.
    expect(multi?.[1]).toMatchObject({ flavor: 'modelarts.vm.gpu.tnt004', count: 3 });
  });

  it('leaves frozen and non-Running pools untouched and says why', async () => {
    const config = parseConfig({ text: configText(emulator), env: {} });
    const result = await runCycle(config, deps());
    const reasons = (pool: string) =>
      result.plan.pools.find((p) => p.pool === pool)?.reasons.map((r) => r.code);

    expect(reasons(FROZEN)).toContain('control-mode');
    expect(reasons(CREATING)).toContain('phase-not-running');
    expect(patches().map((r) => r.path)).not.toContain(expect.stringContaining(FROZEN));
    expect(records.filter((r) => r.pool === FROZEN).every((r) => r.outcome === 'skipped')).toBe(true);
  });

  it('dry-run produces the same plan, sends no PATCH and writes no state', async () => {
    const config = parseConfig({ text: configText(emulator), env: {} });
    const dry = await runCycle(config, deps(), { dryRun: true });

    expect(patches()).toHaveLength(0);
    expect(await store.load(`${emulator.projectId}/${AUTO}`)).toEqual({
      history: { flavors: {} },
      revision: 0,
    });
    expect(dry.outcomes.find((o) => o.pool === AUTO)?.status).toBe('dry-run');

    const applied = await runCycle(config, deps());
    expect(applied.plan).toEqual(dry.plan);
  });

  it('honours dryRun from the config', async () => {
    const config = parseConfig({ text: configText(emulator, 'dryRun: true'), env: {} });
    const result = await runCycle(config, deps());
    expect(result.dryRun).toBe(true);
    expect(patches()).toHaveLength(0);
  });

  it('the kill switch stops every PATCH', async () => {
    const config = parseConfig({ text: configText(emulator), env: {} });
    const result = await runCycle(config, deps(), { killSwitch: true });
    expect(patches()).toHaveLength(0);
    expect(result.plan.pools.every((p) => p.reasons.some((r) => r.code === 'kill-switch'))).toBe(true);
  });

  it('concurrent cycles on the same pools send at most one PATCH per pool and target', async () => {
    const config = parseConfig({ text: configText(emulator), env: {} });
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => runCycle(config, deps(`owner-${i}`))),
    );

    const patchedPaths = patches().map((r) => r.path);
    expect(patchedPaths.filter((p) => p.endsWith(AUTO))).toHaveLength(1);
    expect(patchedPaths.filter((p) => p.endsWith(MULTI))).toHaveLength(1);
    expect(emulator.pool(AUTO)?.spec.resources[0]?.count).toBe(4);
    const statuses = new Set(
      results.flatMap((r) => r.outcomes.filter((o) => o.pool === AUTO).map((o) => o.status)),
    );
    expect([...statuses].every((s) => ['patched', 'unchanged', 'lease-busy'].includes(s))).toBe(true);
  });

  it('a second cycle does not overshoot while nodes are still creating', async () => {
    const config = parseConfig({ text: configText(emulator), env: {} });
    await runCycle(config, deps());
    clock += 15_000;
    emulator.clearRequests();
    const second = await runCycle(config, deps());

    expect(patches()).toHaveLength(0);
    expect(second.outcomes.find((o) => o.pool === AUTO)?.status).toBe('unchanged');
    expect(emulator.pool(AUTO)?.spec.resources[0]?.count).toBe(4);
  });

  it('a bad API answer for one named pool fails that pool only', async () => {
    const config = parseConfig({ text: configText(emulator), env: {} });
    emulator.failNext('getPool', 1, { malformed: true });
    const result = await runCycle(config, { ...deps() }, { pools: [AUTO, MULTI] });

    const statuses = result.outcomes.map((o) => o.status).sort();
    expect(statuses).toEqual(['failed', 'patched']);
    const failed = result.outcomes.find((o) => o.status === 'failed');
    expect(failed?.error).toMatch(/pool|response|JSON/i);
    expect(patches()).toHaveLength(1);
  });

  it('a webhook minimum count raises a target and a pushed backlog for an unknown flavor adds nothing', async () => {
    const config = parseConfig({ text: configText(emulator), env: {} });
    const result = await runCycle(config, deps(), {
      pools: [AUTO],
      push: {
        origin: 'webhook',
        raiseOnly: true,
        minCounts: [{ pool: AUTO, flavor: 'modelarts.vm.cpu.4ud', minCount: 5 }],
        backlogs: [{ pool: AUTO, flavor: 'modelarts.vm.gpu.unknown', value: 50 }],
      },
    });

    expect(emulator.pool(AUTO)?.spec.resources.map((r) => [r.flavor, r.count])).toEqual([
      ['modelarts.vm.cpu.4ud', 5],
    ]);
    const poolPlan = result.plan.pools.find((p) => p.pool === AUTO);
    expect(JSON.stringify(poolPlan?.reasons)).toContain('modelarts.vm.gpu.unknown');
  });

  it('a failed backlog read never scales down', async () => {
    const text = configText(emulator).replace(
      '{ type: static, value: 8 }, unit: jobs, targetPerNode: 2',
      '{ type: static, file: /nonexistent/backlog.json }, unit: jobs, targetPerNode: 2',
    );
    const config = parseConfig({ text, env: {} });
    const result = await runCycle(config, deps(), { pools: [AUTO] });

    const flavor = result.plan.pools[0]?.flavors[0];
    expect(flavor?.target).toBeGreaterThanOrEqual(flavor?.current ?? Number.POSITIVE_INFINITY);
    expect(patches()).toHaveLength(0);
  });
});

describe('runCycle reports what it cannot manage', () => {
  let emulator: Emulator;
  beforeEach(async () => {
    emulator = await startEmulator({ now: () => T0 });
  });
  afterEach(() => emulator.close());

  const deps = () => ({
    clients: () =>
      createModelArtsClient({
        projectId: emulator.projectId,
        endpoint: emulator.url,
        auth: { type: 'none' },
      }),
    store: createMemoryStateStore(),
    now: () => T0,
    owner: 'test',
  });
  const config = () =>
    parseConfig({
      text: configText(emulator).replace(
        `name: ${CREATING}`,
        'name: gone-pool-0123456789abcdef0123456789abcdef',
      ),
      env: {},
    });

  it('a configured pool missing from the list is a failed outcome, not silence', async () => {
    const result = await runCycle(config(), deps());
    const gone = result.outcomes.find((o) => o.pool === 'gone-pool-0123456789abcdef0123456789abcdef');
    expect(gone).toMatchObject({ status: 'failed', error: expect.stringContaining('not in the pool list') });
  });

  it('a named pool the config does not manage fails alone with the reason', async () => {
    const result = await runCycle(config(), deps(), { pools: ['someone-elses-pool', AUTO] });
    expect(result.outcomes.find((o) => o.pool === 'someone-elses-pool')).toMatchObject({
      status: 'failed',
      error: 'pool "someone-elses-pool" is not managed by this config',
    });
    expect(result.outcomes.find((o) => o.pool === AUTO)?.status).toBe('patched');
  });

  it('an API error on a named pool carries its HTTP status and error code', async () => {
    const result = await runCycle(config(), deps(), {
      pools: ['gone-pool-0123456789abcdef0123456789abcdef'],
    });
    expect(result.outcomes[0]).toMatchObject({
      status: 'failed',
      httpStatus: 404,
      errorCode: 'ModelArts.50015001',
    });
  });

  describe('lists every workspace its selectors name', () => {
    const selectorConfig = (selector: string) =>
      parseConfig({
        text: `
  connections:
    - { name: emu, region: cn-north-7, projectId: ${emulator.projectId}, endpoint: "${emulator.url}", auth: { type: none } }
  pools:
    - name: ${AUTO}
      flavors: [{ flavor: "*", max: 6, backlog: { source: { type: static, value: 1 } } }]
    - selector: ${selector}
      flavors: [{ flavor: "*", max: 6, backlog: { source: { type: static, value: 1 } } }]
  `,
        env: {},
      });

    it('sends one list per workspace, the default one without a workspaceId', async () => {
      await runCycle(selectorConfig('{ workspaceId: "ws-7", labels: { team: nlp } }'), deps());
      const lists = emulator.requests.filter((request) => request.route === 'listPools');
      expect(lists.map((request) => request.query.workspaceId)).toEqual([undefined, 'ws-7']);
    });

    it('warns about a selector that matches no pool, and fails nothing', async () => {
      const result = await runCycle(selectorConfig('{ labels: { team: nobody-has-this-label } }'), deps());
      expect(result.warnings).toEqual([
        {
          code: 'selector-matches-no-pool',
          connection: 'emu',
          message: expect.stringContaining('pools[1]'),
        },
      ]);
      expect(result.outcomes.filter((outcome) => outcome.status === 'failed')).toEqual([]);
    });
  });
});

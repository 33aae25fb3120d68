// A cycle against the emulator over HTTP for the capacity tests (issue #15): pools of one GPU flavor split
// across two AZs, a static backlog, a memory state store and a clock the test moves.

import { type Emulator, type EmulatorOptions, loadSeedPools, startEmulator } from '../../emulator/server';
import { parseConfig } from '../../lib/config';
import { type CycleOptions, type CycleResult, type DecisionRecord, runCycle } from '../../lib/cycle';
import { createModelArtsClient } from '../../lib/modelarts/client';
import { createMemoryStateStore } from '../../lib/state/memory';
import type { PoolHistory, StateStore } from '../../lib/state/store';

export const FLAVOR = 'modelarts.vm.gpu.8ant';
export const AZS = ['cn-north-7a', 'cn-north-7b'] as const;
export const T0 = Date.UTC(2026, 11, 3, 8, 0, 0);
export const MINUTE = 60_000;

export interface PoolSeed {
  name: string;
  /** Nodes per AZ (AZS order). */
  azs: number[];
}

export async function seedPools(pools: readonly PoolSeed[]): Promise<unknown[]> {
  const [template] = (await loadSeedPools()) as Record<string, unknown>[];
  return pools.map(({ name, azs }) => {
    const count = azs.reduce((a, b) => a + b, 0);
    const split = azs.map((n, i) => ({ az: AZS[i] as string, count: n })).filter((az) => az.count > 0);
    const resources = [{ flavor: FLAVOR, count, azs: split }];
    return {
      ...template,
      metadata: {
        name,
        labels: { 'os.modelarts/name': name },
        annotations: { 'os.modelarts/billing.mode': '0' },
      },
      spec: { ...(template?.spec as object), controlMode: 0, resources },
      status: { phase: 'Running', resources: { available: resources } },
    };
  });
}

export interface FlavorText {
  backlog?: number;
  scaleDown?: string;
  capacity?: string;
  azStrategy?: string;
}

export function configText(emulator: Emulator, pools: readonly string[], flavor: FlavorText = {}): string {
  const lines = [
    'connections:',
    '  - name: emu',
    '    region: cn-north-7',
    `    projectId: ${emulator.projectId}`,
    `    endpoint: ${emulator.url}`,
    '    auth: { type: none }',
    'pools:',
  ];
  for (const pool of pools) {
    lines.push(
      `  - name: ${pool}`,
      '    flavors:',
      `      - flavor: ${FLAVOR}`,
      '        min: 1',
      '        max: 10',
      `        backlog: { source: { type: static, value: ${flavor.backlog ?? 0} }, unit: jobs, targetPerNode: 1 }`,
      `        scaleUp: { stabilizationWindowSeconds: 0 }`,
      `        scaleDown: ${flavor.scaleDown ?? '{ stabilizationWindowSeconds: 0 }'}`,
      ...(flavor.azStrategy ? [`        azStrategy: ${flavor.azStrategy}`] : []),
      ...(flavor.capacity ? [`        capacity: ${flavor.capacity}`] : []),
    );
  }
  return `${lines.join('\n')}\n`;
}

export interface CapacityRig {
  emulator: Emulator;
  store: StateStore;
  records: DecisionRecord[];
  clock: { now: number };
  run(pools: readonly string[], flavor?: FlavorText, options?: CycleOptions): Promise<CycleResult>;
  history(pool: string): Promise<PoolHistory>;
  routes(): string[];
  close(): Promise<void>;
}

export async function capacityRig(
  pools: readonly PoolSeed[],
  options: Partial<EmulatorOptions> = {},
): Promise<CapacityRig> {
  const clock = { now: T0 };
  const emulator = await startEmulator({
    pools: await seedPools(pools),
    now: () => clock.now,
    transitionMs: MINUTE,
    ...options,
  });
  const store = createMemoryStateStore();
  const records: DecisionRecord[] = [];
  const client = createModelArtsClient({
    projectId: emulator.projectId,
    endpoint: emulator.url,
    auth: { type: 'none' },
  });
  return {
    emulator,
    store,
    records,
    clock,
    async run(names, flavor = {}, cycleOptions = {}) {
      emulator.clearRequests();
      records.length = 0;
      const config = parseConfig({ text: configText(emulator, names, flavor), env: {} });
      const deps = {
        clients: () => client,
        store,
        now: () => clock.now,
        owner: `test-${Math.random()}`,
        log: (record: DecisionRecord) => records.push(record),
      };
      return runCycle(config, deps, cycleOptions);
    },
    async history(pool) {
      return (await store.load(`${emulator.projectId}/${pool}`)).history;
    },
    routes: () => emulator.requests.map((r) => r.route),
    close: () => emulator.close(),
  };
}

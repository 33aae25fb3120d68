// Node facts and scale-in inputs for the choice's tests.

import type { NodeFacts } from '../../lib/modelarts/node-facts';
import type { FlavorScaleIn, ScaleInInput } from '../../lib/scale-in/types';

export const FLAVOR = 'modelarts.vm.cpu.4ud';
export const T0 = Date.parse('2026-01-01T00:00:00Z');

export function node(name: string, overrides: Partial<NodeFacts> = {}): NodeFacts {
  const index = Number(name.replace(/\D/g, '')) || 0;
  return {
    name,
    flavor: FLAVOR,
    phase: 'Available',
    az: 'az-1',
    privateIp: `10.0.0.${index}`,
    createdAt: T0,
    drained: false,
    deleteLocked: false,
    billing: 'pay-per-use',
    acceleratorsBusy: undefined,
    taints: [],
    ...overrides,
  };
}

export function flavor(
  current: number,
  target: number,
  overrides: Partial<FlavorScaleIn> = {},
): FlavorScaleIn {
  return { flavor: FLAVOR, current, target, azStrategy: 'balanced', ...overrides };
}

export function input(overrides: Partial<ScaleInInput>): ScaleInInput {
  return {
    now: T0,
    settings: { method: 'idle-nodes', idleSeconds: 600, drainSeconds: 60 },
    flavors: [],
    nodes: [],
    busyIps: new Set(),
    memory: { nodes: {} },
    drainAvailable: true,
    undrainAvailable: true,
    ...overrides,
  };
}

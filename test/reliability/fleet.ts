// A fleet of pools for the emulator, built from their index alone: one or two flavors, some split across
// two AZs, a few that must never be touched (frozen, not running), and the config that manages them all
// with one label selector and fast-moving HPA rules, so that backlog changes turn into PATCHes at once.

import { createHash } from 'node:crypto';
import { type Config, type Environment, parseConfig } from '../../lib/config';
import type { Pool } from '../../lib/modelarts/schemas';

export const FLEET_LABEL = 'reliability-suite';
export const CPU = 'modelarts.vm.cpu.8u';
export const GPU = 'modelarts.vm.gpu.t4u8';
const AZS = ['cn-north-7a', 'cn-north-7b'];

export interface FleetPool {
  name: string;
  flavors: string[];
  /** false: a guard must keep every PATCH away (frozen, or not Running). */
  scalable: boolean;
}

const hex32 = (seed: string) => createHash('sha256').update(seed).digest('hex').slice(0, 32);
export const fleetPoolName = (index: number) =>
  `rel-pool-${String(index).padStart(3, '0')}-${hex32(`pool-${index}`)}`;

interface Shape {
  flavors: string[];
  split: boolean;
  controlMode: number;
  phase: string;
}

// Index 7 of every 25 is frozen, index 19 is still being created: guards must hold them.
function shapeOf(index: number): Shape {
  return {
    flavors: index % 3 === 0 ? [CPU, GPU] : [index % 2 === 0 ? GPU : CPU],
    split: index % 4 === 1,
    controlMode: index % 25 === 7 ? 8 : 0,
    phase: index % 25 === 19 ? 'Creating' : 'Running',
  };
}

function resource(flavor: string, count: number, split: boolean) {
  if (!split) return { flavor, count };
  const first = Math.ceil(count / 2);
  return {
    flavor,
    count,
    azs: [
      { az: AZS[0] as string, count: first },
      { az: AZS[1] as string, count: count - first },
    ],
  };
}

/** The seed pools (each parses as a Pool) and what the tests need to know about them. */
export function fleet(size: number): { pools: Pool[]; members: FleetPool[] } {
  const pools: Pool[] = [];
  const members: FleetPool[] = [];
  for (let index = 0; index < size; index++) {
    const name = fleetPoolName(index);
    const shape = shapeOf(index);
    const resources = shape.flavors.map((flavor, f) => resource(flavor, 1 + ((index + f) % 4), shape.split));
    pools.push({
      kind: 'Pool',
      apiVersion: 'v2',
      metadata: {
        name,
        creationTimestamp: '2026-01-05T08:00:00Z',
        labels: {
          'os.modelarts/name': `rel-${index}`,
          'os.modelarts/workspace.id': '0',
          autoscaler: FLEET_LABEL,
        },
        annotations: { 'os.modelarts/billing.mode': '0' },
      },
      spec: {
        type: 'Dedicate',
        scope: ['Train'],
        resources,
        ...(shape.controlMode ? { controlMode: shape.controlMode } : {}),
      },
      status: { phase: shape.phase, resources: { available: resources } },
    } as Pool);
    members.push({
      name,
      flavors: shape.flavors,
      scalable: shape.controlMode === 0 && shape.phase === 'Running',
    });
  }
  return { pools, members };
}

export interface FleetConfigOptions {
  endpoint: string;
  projectId: string;
  concurrency?: number;
  /** Extra top-level YAML (killSwitch, dryRun, state). */
  extra?: string;
  /** Pool entries; default one selector entry for the whole fleet, its backlog pushed by the test. */
  pools?: string;
  /** The `defaults` block; default FAST_RULES. */
  rules?: string;
  env?: Environment;
}

/**
 * Scale up or down in one step, no stabilization, no cooldown: every backlog change is a PATCH. Scale-down by
 * `count` on purpose: these tests are about the PATCH path (idle-node scale-in has its own, test/cycle).
 */
export const FAST_RULES = `
defaults:
  min: 1
  max: 20
  tolerance: 0
  azStrategy: balanced
  backlog: { source: { type: static, value: 0 }, unit: jobs, targetPerNode: 2, activationThreshold: 0 }
  scaleUp: { stabilizationWindowSeconds: 0, cooldownSeconds: 0, selectPolicy: Max, policies: [{ type: Nodes, value: 100, periodSeconds: 15 }] }
  scaleDown: { enabled: true, method: count, stabilizationWindowSeconds: 0, cooldownSeconds: 0, selectPolicy: Max, policies: [{ type: Percent, value: 100, periodSeconds: 15 }] }
`;

/** FAST_RULES that never scale down: any PATCH is a raise. */
export const RAISE_ONLY_RULES = FAST_RULES.replace(/scaleDown: \{.*\}/, 'scaleDown: { enabled: false }');

/** The fleet's config, parsed (and so validated) as the functions would load it. */
export const fleetConfig = (options: FleetConfigOptions): Config =>
  parseConfig({ text: fleetConfigText(options), env: options.env ?? {} });

function fleetConfigText(options: FleetConfigOptions): string {
  return `
concurrency: ${options.concurrency ?? 10}
${options.extra ?? ''}
${options.rules ?? FAST_RULES}
connections:
  - name: emu
    region: cn-north-7
    projectId: ${options.projectId}
    endpoint: ${options.endpoint}
    auth: { type: aksk }
pools:
${
  options.pools ??
  `  - selector: { labels: { autoscaler: ${FLEET_LABEL} } }
    flavors: [{ flavor: "*" }]`
}
`;
}

/** A named pool entry whose flavors read a fixed backlog each. */
export const staticPoolEntry = (name: string, backlogs: Record<string, number>) =>
  `  - name: ${name}
    flavors:
${Object.entries(backlogs)
  .map(
    ([flavor, value]) =>
      `      - { flavor: ${flavor}, backlog: { source: { type: static, value: ${value} } } }`,
  )
  .join('\n')}`;

/** Named pool entries whose static backlog asks each flavor for exactly `nodes` (2 jobs per node). */
export const targetEntries = (targets: Iterable<[pool: string, nodes: Record<string, number>]>): string =>
  [...targets]
    .map(([pool, nodes]) =>
      staticPoolEntry(
        pool,
        Object.fromEntries(Object.entries(nodes).map(([flavor, count]) => [flavor, count * 2])),
      ),
    )
    .join('\n');

/** The counts a flavor list asks for, flavor -> count, from a PATCH body or a pool's spec. */
export const countsOf = (resources: readonly { flavor: string; count: number }[]) =>
  Object.fromEntries(resources.map((r) => [r.flavor, r.count]));

/** The pool a request path names (its last segment). */
export const poolOfPath = (path: string) => decodeURIComponent(path.slice(path.lastIndexOf('/') + 1));

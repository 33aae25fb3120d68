import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PoolFlavorResource } from '../../lib/modelarts/schemas';
import {
  emptyNodePool,
  type NodePhase,
  type NodePool,
  resizeNodes,
  settleNodes,
  statusResources,
  tallyNodes,
} from '../../lib/nodes';

const FLAVORS = ['f1', 'f2', 'f3'];
const AZS = ['az-a', 'az-b', 'az-c'];
const TRANSITION = 100;

const azSplit = fc
  .subarray(AZS, { minLength: 1 })
  .chain((azs) =>
    fc
      .tuple(...azs.map(() => fc.nat(4)))
      .map((counts) => azs.map((az, i) => ({ az, count: counts[i] as number }))),
  );
const resource: fc.Arbitrary<PoolFlavorResource> = fc.oneof(
  fc.record({ flavor: fc.constantFrom(...FLAVORS), count: fc.integer({ min: 1, max: 8 }) }),
  fc
    .tuple(fc.constantFrom(...FLAVORS), azSplit)
    .map(([flavor, azs]) => ({ flavor, count: azs.reduce((s, a) => s + a.count, 0), azs })),
);
const spec = fc.uniqueArray(resource, { selector: (r) => r.flavor, minLength: 1, maxLength: 3 });
/** Specs applied one after another, each some time after the previous one. */
const history = fc.array(fc.tuple(spec, fc.nat(2 * TRANSITION)), { minLength: 1, maxLength: 6 });

const count = (state: NodePool, flavor: string, phases: NodePhase[], az?: string) =>
  state.nodes.filter(
    (node) => node.flavor === flavor && phases.includes(node.phase) && (az === undefined || node.az === az),
  ).length;

function run(steps: [PoolFlavorResource[], number][]): {
  state: NodePool;
  time: number;
  last: PoolFlavorResource[];
} {
  let state = emptyNodePool('pool');
  let time = 0;
  let last: PoolFlavorResource[] = [];
  for (const [resources, wait] of steps) {
    time += wait;
    state = resizeNodes(
      settleNodes(state, time),
      resources,
      { now: time, transitionMs: TRANSITION },
      'pay-per-use',
    ).pool;
    last = resources;
    for (const flavor of FLAVORS) {
      const wanted = resources.find((r) => r.flavor === flavor)?.count ?? 0;
      // Right after every change, the nodes the pool will have once in-flight work ends match the spec.
      expect(count(state, flavor, ['Available', 'Abnormal', 'Creating'])).toBe(wanted);
    }
  }
  return { state, time, last };
}

describe('node lifecycle (lib/nodes, behind the emulator)', () => {
  it('always converges on the last spec, per flavor and per AZ where the spec splits it', () => {
    fc.assert(
      fc.property(history, (steps) => {
        const { state, time, last } = run(steps);
        const settled = settleNodes(state, time + TRANSITION);
        expect(settled.nodes.every((node) => node.phase === 'Available')).toBe(true);
        for (const flavor of FLAVORS) {
          const wanted = last.find((r) => r.flavor === flavor);
          expect(count(settled, flavor, ['Available'])).toBe(wanted?.count ?? 0);
          for (const { az, count: inAz } of wanted?.azs ?? [])
            expect(count(settled, flavor, ['Available'], az)).toBe(inAz);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('never lists an empty flavor or AZ in status.resources', () => {
    fc.assert(
      fc.property(history, (steps) => {
        const { state } = run(steps);
        const resources = statusResources(state, FLAVORS);
        for (const name of ['creating', 'available', 'abnormal', 'deleting'] as const) {
          for (const entry of resources[name] ?? []) {
            expect(entry.count).toBeGreaterThan(0);
            expect(entry.azs?.every((az) => az.count > 0)).toBe(true);
            expect(entry.azs?.reduce((s, az) => s + az.count, 0)).toBe(entry.count);
          }
        }
        // The tallies are the nodes, counted.
        const tally = tallyNodes(state.nodes, (node) => node.phase === 'Deleting');
        for (const entry of resources.deleting ?? [])
          expect(Object.values(tally[entry.flavor as string] ?? {}).reduce((a, b) => a + b, 0)).toBe(
            entry.count,
          );
      }),
      { numRuns: 200 },
    );
  });
});

// The choice's invariants over random pools, memories and counts: it never names a node it may not remove, never
// deletes a node it did not drain (or pick twice), never more than the planner asked, keeps the AZ rule, and the
// same input always gives the same answer.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { NodeFacts } from '../../lib/modelarts/node-facts';
import { azAllows, azCounts, takeFromAz } from '../../lib/scale-in/az-choice';
import { chooseScaleIn } from '../../lib/scale-in/choose';
import type { FlavorScaleIn, NodeMemory, ScaleInInput } from '../../lib/scale-in/types';
import { FLAVOR, input, node, T0 } from './facts';

const AZS = ['az-1', 'az-2', 'az-3'];

const nodeArb = (index: number): fc.Arbitrary<{ facts: NodeFacts; memory?: NodeMemory; busy: boolean }> =>
  fc
    .record({
      az: fc.constantFrom(...AZS),
      phase: fc.constantFrom('Available', 'Available', 'Available', 'Creating', 'Abnormal'),
      billing: fc.constantFrom('pay-per-use', 'pay-per-use', 'pay-per-use', 'yearly-monthly', 'unknown'),
      locked: fc.boolean(),
      drained: fc.boolean(),
      accelerators: fc.constantFrom(undefined, false, true),
      busy: fc.boolean(),
      idleAgo: fc.option(fc.integer({ min: 0, max: 3_600 }), { nil: undefined }),
      drainedAgo: fc.option(fc.integer({ min: 0, max: 600 }), { nil: undefined }),
      pickedAgo: fc.option(fc.integer({ min: 0, max: 600 }), { nil: undefined }),
    })
    .map((r) => {
      const facts = node(`n${index}`, {
        az: r.az,
        phase: r.phase,
        billing: r.billing as NodeFacts['billing'],
        deleteLocked: r.locked,
        drained: r.drained,
        acceleratorsBusy: r.accelerators,
      });
      const memory: NodeMemory = { flavor: FLAVOR };
      if (r.idleAgo !== undefined) memory.idleSince = T0 - r.idleAgo * 1000;
      if (r.drainedAgo !== undefined) memory.drainedAt = T0 - r.drainedAgo * 1000;
      if (r.pickedAgo !== undefined && r.idleAgo !== undefined) memory.pickedAt = T0 - r.pickedAgo * 1000;
      return { facts, memory, busy: r.busy };
    });

const scenario: fc.Arbitrary<ScaleInInput> = fc
  .integer({ min: 1, max: 12 })
  .chain((size) =>
    fc.record({
      nodes: fc.tuple(...Array.from({ length: size }, (_, i) => nodeArb(i + 1))),
      remove: fc.integer({ min: -2, max: size }),
      strategy: fc.constantFrom('balanced', 'fixed', 'weighted', 'backlog', 'none'),
      quota: fc.array(fc.nat(4), { minLength: 3, maxLength: 3 }),
      drainAvailable: fc.boolean(),
      undrainAvailable: fc.boolean(),
      idleSeconds: fc.constantFrom(0, 300, 600),
      drainSeconds: fc.constantFrom(0, 60, 300),
      // Drain-ahead: drainTo this many below the target (none when undefined).
      ahead: fc.option(fc.integer({ min: 0, max: size }), { nil: undefined }),
    }),
  )
  .map((s) => {
    const nodes = s.nodes.map((n) => n.facts);
    const azsBefore = AZS.map((az) => ({ az, count: nodes.filter((n) => n.az === az).length }));
    const current = nodes.length;
    const strategy = s.strategy === 'none' ? 'balanced' : s.strategy;
    const flavor: FlavorScaleIn = {
      flavor: FLAVOR,
      current,
      target: current - s.remove,
      azStrategy: strategy as FlavorScaleIn['azStrategy'],
    };
    if (s.strategy !== 'none') flavor.azsBefore = azsBefore;
    if (s.ahead !== undefined) flavor.drainTo = flavor.target - s.ahead;
    if (strategy === 'weighted' || strategy === 'backlog') {
      flavor.azsAfter = AZS.map((az, i) => ({ az, count: s.quota[i] as number }));
    }
    return input({
      settings: { method: 'idle-nodes', idleSeconds: s.idleSeconds, drainSeconds: s.drainSeconds },
      flavors: [flavor],
      nodes,
      busyIps: new Set(s.nodes.filter((n) => n.busy).map((n) => n.facts.privateIp as string)),
      memory: { nodes: Object.fromEntries(s.nodes.map((n) => [n.facts.name, n.memory as NodeMemory])) },
      drainAvailable: s.drainAvailable,
      undrainAvailable: s.undrainAvailable,
    });
  });

const byName = (facts: ScaleInInput) => new Map(facts.nodes.map((n) => [n.name, n]));

function removable(n: NodeFacts, busy: ReadonlySet<string>): boolean {
  return (
    n.phase === 'Available' &&
    n.privateIp !== undefined &&
    !busy.has(n.privateIp) &&
    n.acceleratorsBusy !== true &&
    !n.deleteLocked &&
    n.billing === 'pay-per-use'
  );
}

describe('chooseScaleIn invariants', () => {
  it('never drains, picks or deletes a busy, locked, prepaid, unknown-billing or non-Available node', () => {
    fc.assert(
      fc.property(scenario, (facts) => {
        const choice = chooseScaleIn(facts);
        const nodes = byName(facts);
        for (const chosen of [...choice.drain, ...choice.pick, ...choice.delete]) {
          expect(removable(nodes.get(chosen.name) as NodeFacts, facts.busyIps)).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('never drains a node someone else drained, and deletes only nodes drained by us or picked on an earlier read', () => {
    fc.assert(
      fc.property(scenario, (facts) => {
        const choice = chooseScaleIn(facts);
        const nodes = byName(facts);
        for (const chosen of [...choice.drain, ...choice.pick]) {
          expect(nodes.get(chosen.name)?.drained).toBe(false);
        }
        for (const gone of choice.delete) {
          const before = facts.memory.nodes[gone.name];
          const ours = nodes.get(gone.name)?.drained === true && before?.drainedAt !== undefined;
          const pickedTwice =
            before?.pickedAt !== undefined &&
            before.pickedAt + facts.settings.drainSeconds * 1000 <= facts.now &&
            before.idleSince !== undefined;
          expect(ours || pickedTwice).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('never removes more than the planner asked, beyond the drained nodes it cannot put back, drained ahead or not', () => {
    fc.assert(
      fc.property(scenario, (facts) => {
        const choice = chooseScaleIn(facts);
        const flavor = facts.flavors[0] as FlavorScaleIn;
        const want = Math.max(flavor.current - flavor.target, 0);
        const ours = facts.nodes.filter(
          (n) => n.drained && facts.memory.nodes[n.name]?.drainedAt !== undefined,
        );
        const reusedByDelete = facts.undrainAvailable ? 0 : ours.length;
        expect(choice.delete.length).toBeLessThanOrEqual(Math.max(want, reusedByDelete));
        // Drained ahead, down to drainTo, only where a drained node can come back: batch-drain and undrain.
        const canComeBack = facts.drainAvailable && facts.undrainAvailable;
        const drainTo = canComeBack
          ? Math.min(flavor.drainTo ?? flavor.target, flavor.target)
          : flavor.target;
        const drainWant = Math.max(flavor.current - drainTo, 0);
        const fresh = choice.drain.length + choice.pick.length;
        expect(fresh).toBeLessThanOrEqual(drainWant);
        if (drainWant === 0) expect(fresh).toBe(0);
        if (!canComeBack) expect(fresh).toBeLessThanOrEqual(want);
      }),
      { numRuns: 500 },
    );
  });

  it('drains or picks new nodes only where the AZ strategy allows, one after another', () => {
    fc.assert(
      fc.property(scenario, (facts) => {
        const choice = chooseScaleIn(facts);
        const flavor = facts.flavors[0] as FlavorScaleIn;
        const state = azCounts(flavor);
        // The nodes on their way out (drained by us, kept for removal or deleted) are taken first.
        for (const n of facts.nodes) {
          const memory = choice.memory.nodes[n.name];
          const drainedByUs = n.drained && memory?.drainedAt !== undefined;
          const newlyDrained = choice.drain.some((d) => d.name === n.name);
          const pickedBefore = memory?.pickedAt !== undefined && memory.pickedAt < facts.now;
          if ((drainedByUs && !newlyDrained) || (!drainedByUs && pickedBefore)) takeFromAz(state, n.az);
        }
        for (const chosen of [...choice.drain, ...choice.pick]) {
          if (!azAllows(flavor, state, chosen.az)) {
            expect.fail(`${chosen.name} in ${chosen.az} breaks ${flavor.azStrategy}`);
          }
          takeFromAz(state, chosen.az);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('gives the same answer to the same input', () => {
    fc.assert(
      fc.property(scenario, (facts) => {
        expect(JSON.stringify(chooseScaleIn(facts))).toBe(JSON.stringify(chooseScaleIn(facts)));
      }),
      { numRuns: 200 },
    );
  });
});

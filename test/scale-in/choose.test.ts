import { describe, expect, it } from 'vitest';
import { chooseScaleIn } from '../../lib/scale-in/choose';
import type { ScaleInMemory } from '../../lib/scale-in/types';
import { FLAVOR, flavor, input, node, T0 } from './facts';

const idleSince = (names: string[], at: number): ScaleInMemory => ({
  nodes: Object.fromEntries(names.map((name) => [name, { flavor: FLAVOR, idleSince: at }])),
});

describe('chooseScaleIn', () => {
  it('starts idle timers on the first idle read and drains nothing before idleSeconds', () => {
    const choice = chooseScaleIn(input({ flavors: [flavor(2, 1)], nodes: [node('n1'), node('n2')] }));
    expect(choice.drain).toEqual([]);
    expect(choice.memory.nodes.n1).toEqual({ flavor: FLAVOR, idleSince: T0 });
    expect(choice.kept.map((k) => k.why)).toEqual(['idle-too-short', 'idle-too-short']);
    expect(choice.reasons.map((r) => r.code)).toEqual(['idle-nodes-short']);
  });

  it('drains the node idle longest and keeps a busy one, naming why', () => {
    const memory: ScaleInMemory = {
      nodes: {
        n1: { flavor: FLAVOR, idleSince: T0 - 700_000 },
        n2: { flavor: FLAVOR, idleSince: T0 - 900_000 },
        n3: { flavor: FLAVOR, idleSince: T0 - 900_000 },
      },
    };
    const choice = chooseScaleIn(
      input({
        flavors: [flavor(3, 2)],
        nodes: [node('n1'), node('n2'), node('n3')],
        busyIps: new Set(['10.0.0.3']),
        memory,
      }),
    );
    expect(choice.drain.map((n) => n.name)).toEqual(['n2']);
    expect(choice.kept).toEqual([
      { name: 'n1', flavor: FLAVOR, why: 'not-needed' },
      { name: 'n3', flavor: FLAVOR, why: 'busy' },
    ]);
    expect(choice.memory.nodes.n2).toEqual({ flavor: FLAVOR, idleSince: T0 - 900_000, drainedAt: T0 });
    expect(choice.memory.nodes.n3).toBeUndefined();
  });

  it('keeps prepaid, unknown-billing, locked, not-available and others-drained nodes', () => {
    const nodes = [
      node('n1', { billing: 'yearly-monthly' }),
      node('n2', { billing: 'unknown' }),
      node('n3', { deleteLocked: true }),
      node('n4', { phase: 'Abnormal' }),
      node('n5', { drained: true }),
    ];
    const names = nodes.map((n) => n.name);
    const choice = chooseScaleIn(
      input({ flavors: [flavor(5, 1)], nodes, memory: idleSince(names, T0 - 3_600_000) }),
    );
    expect(choice.drain).toEqual([]);
    expect(choice.kept.map((k) => k.why)).toEqual([
      'prepaid',
      'billing-unknown',
      'delete-locked',
      'not-available',
      'drained-by-others',
    ]);
    expect(choice.reasons[0]?.message).toContain('4 node(s) to remove, 0 idle node(s) removable');
  });

  it('deletes a drained node once the drain stood and it is still idle, and keeps a drained node that took a job', () => {
    const memory: ScaleInMemory = {
      nodes: {
        n1: { flavor: FLAVOR, idleSince: T0 - 900_000, drainedAt: T0 - 60_000 },
        n2: { flavor: FLAVOR, idleSince: T0 - 900_000, drainedAt: T0 - 60_000 },
      },
    };
    const choice = chooseScaleIn(
      input({
        flavors: [flavor(3, 1)],
        nodes: [node('n1', { drained: true }), node('n2', { drained: true }), node('n3')],
        busyIps: new Set(['10.0.0.2']),
        memory,
      }),
    );
    expect(choice.delete.map((n) => n.name)).toEqual(['n1']);
    expect(choice.kept.find((k) => k.name === 'n2')?.why).toBe('busy');
    expect(choice.memory.nodes.n2).toEqual({ flavor: FLAVOR, drainedAt: T0 - 60_000 });
  });

  it('waits drainSeconds after the drain before deleting', () => {
    const memory: ScaleInMemory = {
      nodes: { n1: { flavor: FLAVOR, idleSince: T0 - 900_000, drainedAt: T0 - 30_000 } },
    };
    const choice = chooseScaleIn(
      input({ flavors: [flavor(2, 1)], nodes: [node('n1', { drained: true }), node('n2')], memory }),
    );
    expect(choice.delete).toEqual([]);
    expect(choice.kept[0]).toEqual({ name: 'n1', flavor: FLAVOR, why: 'drain-too-recent' });
    expect(choice.drain).toEqual([]);
  });

  it('undrains drained nodes first when demand returns, or deletes them when undrain is missing', () => {
    const memory: ScaleInMemory = {
      nodes: { n1: { flavor: FLAVOR, idleSince: T0 - 900_000, drainedAt: T0 - 120_000 } },
    };
    const nodes = [node('n1', { drained: true }), node('n2')];
    const back = chooseScaleIn(input({ flavors: [flavor(2, 2)], nodes, memory }));
    expect(back.undrain.map((n) => n.name)).toEqual(['n1']);
    expect(back.memory.nodes.n1).toEqual({ flavor: FLAVOR, idleSince: T0 - 900_000 });
    const gone = chooseScaleIn(input({ flavors: [flavor(2, 2)], nodes, memory, undrainAvailable: false }));
    expect(gone.undrain).toEqual([]);
    expect(gone.delete.map((n) => n.name)).toEqual(['n1']);
  });

  describe('drain-ahead (drainTo below target)', () => {
    const idle = idleSince(['n1', 'n2', 'n3', 'n4'], T0 - 900_000);
    const four = [node('n1'), node('n2'), node('n3'), node('n4')];

    it('drains down to drainTo while the count holds, deleting nothing', () => {
      const choice = chooseScaleIn(
        input({ flavors: [flavor(4, 4, { drainTo: 1 })], nodes: four, memory: idle }),
      );
      expect(choice.drain.map((n) => n.name)).toEqual(['n1', 'n2', 'n3']);
      expect(choice.delete).toEqual([]);
      expect(choice.kept).toEqual([{ name: 'n4', flavor: FLAVOR, why: 'not-needed' }]);
      expect(choice.reasons).toEqual([]);
    });

    it('deletes only as many as the target says, nearest to going first; the others wait drained for the window', () => {
      const drained = {
        nodes: {
          n1: { flavor: FLAVOR, idleSince: T0 - 900_000, drainedAt: T0 - 60_000 },
          n2: { flavor: FLAVOR, idleSince: T0 - 600_000, drainedAt: T0 - 60_000 },
          n3: { flavor: FLAVOR, idleSince: T0 - 700_000, drainedAt: T0 - 60_000 },
          n4: { flavor: FLAVOR, idleSince: T0 - 900_000 },
        },
      };
      const nodes = [
        node('n1', { drained: true }),
        node('n2', { drained: true }),
        node('n3', { drained: true }),
        node('n4'),
      ];
      const choice = chooseScaleIn(
        input({ flavors: [flavor(4, 2, { drainTo: 1 })], nodes, memory: drained }),
      );
      // Idle longest goes first: n1, then n3; n2 stays drained, and nothing more is drained.
      expect(choice.delete.map((n) => n.name)).toEqual(['n3', 'n1']);
      expect(choice.kept).toEqual([
        { name: 'n2', flavor: FLAVOR, why: 'drained-ahead' },
        { name: 'n4', flavor: FLAVOR, why: 'not-needed' },
      ]);
      expect(choice.drain).toEqual([]);
      expect(choice.undrain).toEqual([]);
    });

    it('puts back the nodes drained ahead when the backlog returns before the window ends', () => {
      const drained = {
        nodes: {
          n1: { flavor: FLAVOR, idleSince: T0 - 900_000, drainedAt: T0 - 60_000 },
          n2: { flavor: FLAVOR, idleSince: T0 - 900_000, drainedAt: T0 - 60_000 },
        },
      };
      const nodes = [node('n1', { drained: true }), node('n2', { drained: true }), node('n3'), node('n4')];
      const back = chooseScaleIn(input({ flavors: [flavor(4, 4, { drainTo: 3 })], nodes, memory: drained }));
      expect(back.undrain.map((n) => n.name)).toHaveLength(1);
      expect(back.delete).toEqual([]);
      expect(back.kept.map((k) => k.why)).toContain('drained-ahead');
    });

    it('drains nothing ahead where a drained node could not come back: undrain or batch-drain missing', () => {
      const noUndrain = chooseScaleIn(
        input({
          flavors: [flavor(4, 4, { drainTo: 1 })],
          nodes: four,
          memory: idle,
          undrainAvailable: false,
        }),
      );
      expect(noUndrain.drain).toEqual([]);
      const noDrain = chooseScaleIn(
        input({ flavors: [flavor(4, 4, { drainTo: 1 })], nodes: four, memory: idle, drainAvailable: false }),
      );
      expect(noDrain.pick).toEqual([]);
      expect(noDrain.drain).toEqual([]);
    });
  });

  it('without batch-drain picks, then deletes only on a second idle read drainSeconds later', () => {
    const nodes = [node('n1'), node('n2')];
    const read = (now: number, memory: ScaleInMemory, busyIps = new Set<string>()) =>
      chooseScaleIn(input({ now, flavors: [flavor(2, 1)], nodes, memory, busyIps, drainAvailable: false }));
    const first = read(T0, idleSince(['n1', 'n2'], T0 - 900_000));
    expect(first.pick.map((n) => n.name)).toEqual(['n1']);
    expect(first.delete).toEqual([]);
    expect(first.reasons.map((r) => r.code)).toEqual(['drain-unavailable']);
    expect(first.memory.drainUnavailableSince).toBe(T0);
    const early = read(T0 + 30_000, first.memory);
    expect(early.delete).toEqual([]);
    expect(early.reasons).toEqual([]);
    expect(read(T0 + 60_000, first.memory).delete.map((n) => n.name)).toEqual(['n1']);
    const busy = read(T0 + 60_000, first.memory, new Set(['10.0.0.1']));
    expect(busy.delete).toEqual([]);
    expect(busy.memory.nodes.n1).toBeUndefined();
  });

  it('balanced: drains only in the largest AZ', () => {
    const nodes = [node('n1', { az: 'az-1' }), node('n2', { az: 'az-2' }), node('n3', { az: 'az-2' })];
    const choice = chooseScaleIn(
      input({
        flavors: [
          flavor(3, 2, {
            azsBefore: [
              { az: 'az-1', count: 1 },
              { az: 'az-2', count: 2 },
            ],
          }),
        ],
        nodes,
        memory: {
          nodes: {
            n1: { flavor: FLAVOR, idleSince: T0 - 9_000_000 },
            n2: { flavor: FLAVOR, idleSince: T0 - 900_000 },
            n3: { flavor: FLAVOR, idleSince: T0 - 800_000 },
          },
        },
      }),
    );
    expect(choice.drain.map((n) => n.name)).toEqual(['n2']);
  });

  it('fixed: never empties an AZ', () => {
    const nodes = [node('n1', { az: 'az-1' }), node('n2', { az: 'az-2' })];
    const choice = chooseScaleIn(
      input({
        flavors: [
          flavor(2, 1, {
            azStrategy: 'fixed',
            azsBefore: [
              { az: 'az-1', count: 1 },
              { az: 'az-2', count: 1 },
            ],
          }),
        ],
        nodes,
        memory: idleSince(['n1', 'n2'], T0 - 900_000),
      }),
    );
    expect(choice.drain).toEqual([]);
    expect(choice.kept.map((k) => k.why)).toEqual(['az-not-allowed', 'az-not-allowed']);
  });

  it('weighted: drains from the AZ above its quota', () => {
    const nodes = [node('n1', { az: 'az-1' }), node('n2', { az: 'az-1' }), node('n3', { az: 'az-2' })];
    const choice = chooseScaleIn(
      input({
        flavors: [
          flavor(3, 2, {
            azStrategy: 'weighted',
            azsBefore: [
              { az: 'az-1', count: 2 },
              { az: 'az-2', count: 1 },
            ],
            azsAfter: [
              { az: 'az-1', count: 2 },
              { az: 'az-2', count: 0 },
            ],
          }),
        ],
        nodes,
        memory: idleSince(['n1', 'n2', 'n3'], T0 - 900_000),
      }),
    );
    expect(choice.drain.map((n) => n.name)).toEqual(['n3']);
  });

  it('forgets nodes no longer listed and reports a stopped pool without choosing', () => {
    const choice = chooseScaleIn(
      input({
        flavors: [flavor(2, 1)],
        nodes: [node('n1')],
        memory: {
          ...idleSince(['n1', 'gone'], T0 - 900_000),
          stopped: { at: T0, flavor: FLAVOR, nodes: ['x'], countBefore: 2, countAfter: 2 },
        },
      }),
    );
    expect(Object.keys(choice.memory.nodes)).toEqual(['n1']);
    expect(choice.drain).toEqual([]);
    expect(choice.reasons.map((r) => r.code)).toEqual(['count-not-lowered']);
  });
});

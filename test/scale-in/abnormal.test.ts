// Abnormal nodes with capacity.replaceAbnormalAfterSeconds (issue #15), in the pure choice: one Abnormal that long
// and holding no workload is deleted by name (no drain), with a reason naming it; the others are kept, saying why.

import { describe, expect, it } from 'vitest';
import { chooseScaleIn } from '../../lib/scale-in/choose';
import { FLAVOR, flavor, input, node, T0 } from './facts';

const AFTER = 600;

describe('chooseScaleIn with abnormal nodes to replace', () => {
  it('starts the abnormal timer on the first Abnormal read and deletes nothing before replaceAbnormalAfterSeconds', () => {
    const choice = chooseScaleIn(
      input({
        flavors: [flavor(2, 2, { replaceAbnormalAfterSeconds: AFTER })],
        nodes: [node('n1', { phase: 'Abnormal' }), node('n2')],
      }),
    );
    expect(choice.delete).toEqual([]);
    expect(choice.memory.nodes.n1).toMatchObject({ abnormalSince: T0 });
    expect(choice.kept).toContainEqual({ name: 'n1', flavor: FLAVOR, why: 'abnormal-too-short' });
  });

  it('deletes an idle node Abnormal for that long directly, naming it, and keeps a busy or locked one', () => {
    const since = T0 - AFTER * 1000;
    const memory = {
      nodes: {
        n1: { flavor: FLAVOR, abnormalSince: since, idleSince: since },
        n2: { flavor: FLAVOR, abnormalSince: since, idleSince: since },
        n3: { flavor: FLAVOR, abnormalSince: since, idleSince: since },
      },
    };
    const choice = chooseScaleIn(
      input({
        flavors: [flavor(4, 4, { replaceAbnormalAfterSeconds: AFTER })],
        nodes: [
          node('n1', { phase: 'Abnormal' }),
          node('n2', { phase: 'Abnormal' }),
          node('n3', { phase: 'Abnormal', deleteLocked: true }),
          node('n4'),
        ],
        busyIps: new Set(['10.0.0.2']),
        memory,
      }),
    );
    expect(choice.delete.map((n) => n.name)).toEqual(['n1']);
    expect(choice.drain).toEqual([]);
    expect(choice.kept).toEqual(
      expect.arrayContaining([
        { name: 'n2', flavor: FLAVOR, why: 'busy' },
        { name: 'n3', flavor: FLAVOR, why: 'delete-locked' },
      ]),
    );
    const replaced = choice.reasons.find((r) => r.code === 'abnormal-replaced');
    expect(replaced?.message).toContain('n1');
    expect(replaced?.message).not.toContain('n2');
  });

  it('deletes an Abnormal node only once read idle on two reads drainSeconds apart, as without batch-drain', () => {
    const since = T0 - AFTER * 1000;
    const run = (idleSince: number | undefined) =>
      chooseScaleIn(
        input({
          flavors: [flavor(2, 2, { replaceAbnormalAfterSeconds: AFTER, drainSeconds: 60 })],
          nodes: [node('n1', { phase: 'Abnormal' }), node('n2')],
          memory: {
            nodes: {
              n1: { flavor: FLAVOR, abnormalSince: since, ...(idleSince === undefined ? {} : { idleSince }) },
            },
          },
        }),
      );
    const first = run(undefined);
    expect(first.delete).toEqual([]);
    expect(first.kept).toContainEqual({ name: 'n1', flavor: FLAVOR, why: 'idle-too-short' });
    expect(first.memory.nodes.n1).toMatchObject({ idleSince: T0 });
    expect(run(T0 - 59_000).delete).toEqual([]);
    expect(run(T0 - 60_000).delete.map((n) => n.name)).toEqual(['n1']);
  });

  it('replaces nothing without the setting: an Abnormal node is kept as not available', () => {
    const choice = chooseScaleIn(
      input({
        flavors: [flavor(2, 2)],
        nodes: [node('n1', { phase: 'Abnormal' }), node('n2')],
        memory: { nodes: { n1: { flavor: FLAVOR, abnormalSince: T0 - 10 * AFTER * 1000 } } },
      }),
    );
    expect(choice.delete).toEqual([]);
    expect(choice.kept).toContainEqual({ name: 'n1', flavor: FLAVOR, why: 'not-available' });
  });
});

import { describe, expect, it } from 'vitest';
import {
  causesOf,
  type FlavorExplanation,
  IDLE_CAUSES,
  type IdleHours,
  parseTrace,
  type ScaleInChooser,
  type SimulationResult,
  simulate,
  simulationSetup,
} from '../../lib/simulate';
import type { SimNode } from '../../lib/simulate/world';
import { handChecked } from './hand-checked';

// Where a run's idle node-time goes, rule by rule (lib/simulate/idle-causes.ts), on the hand-checked trace of
// arithmetic.test.ts: A 0..600 on the starting node; B (2 nodes) 180..480 and C 240..440 on the nodes ordered
// at 60 and 120 s. From 480 s the reading wants 1 node; the 120 s window lets the count down at 540 s.

const HOUR = 3600;

/** Idle seconds by cause, leaving out the causes with none. */
function idleSeconds(result: SimulationResult): Partial<Record<string, number>> {
  const idle = result.idle as IdleHours;
  const seconds: Partial<Record<string, number>> = {};
  for (const cause of IDLE_CAUSES) if (idle[cause] > 0) seconds[cause] = Math.round(idle[cause] * HOUR);
  return seconds;
}

/** Node-seconds neither busy nor idle: provisioning and deletion. */
const rest = (result: SimulationResult): number =>
  Math.round(
    (result.figures.nodeHours -
      result.figures.busyNodeHours -
      IDLE_CAUSES.reduce((sum, cause) => sum + (result.idle as IdleHours)[cause], 0)) *
      HOUR,
  );

describe('idle node-time by the rule that kept the nodes', () => {
  it('a lower count: C’s node idle 440..480 until the read, the three nodes 480..540 held by the window, the last from 600 by the minimum', () => {
    const result = simulate(handChecked());
    expect(idleSeconds(result)).toEqual({ 'before-read': 40, window: 180, minimum: 600 });
    // The rest is exactly provisioning (2 x 120 + 120) and deletion (3 x 60): every idle second is booked.
    expect(rest(result)).toBe(360 + 180);
  });

  it('the bare rule gives the nodes back at 480: no window, nothing else kept', () => {
    const result = simulate(handChecked(), 'keda-guarded');
    expect(idleSeconds(result)).toEqual({ 'before-read': 40, minimum: 600 });
    expect(rest(result)).toBe(360 + 180);
  });

  it('idle-nodes: drained ahead during the window (480..540) and deleted when it ends, the drain costs nothing more', () => {
    const ahead = simulate(handChecked({ scaleDown: { method: 'idle-nodes', idleSeconds: 0 } }));
    expect(idleSeconds(ahead)).toEqual({ 'before-read': 40, window: 180, minimum: 600 });
    expect(rest(ahead)).toBe(360 + 180);
  });

  it('idle-nodes without drain-ahead: the drain holds the three nodes one cycle more (540..600)', () => {
    const after = simulate(
      handChecked({ scaleDown: { method: 'idle-nodes', idleSeconds: 0, drainAhead: false } }),
    );
    expect(idleSeconds(after)).toEqual({ 'before-read': 40, window: 180, drain: 180, minimum: 600 });
  });

  it('idle-nodes with idleSeconds: the timers start with the window (480), hold the nodes to 600, then the drain', () => {
    // Idle 60 s at 540, when the window ends: too short; 120 s at 600: drained; deleted at 660.
    const timed = simulate(handChecked({ scaleDown: { method: 'idle-nodes', idleSeconds: 120 } }));
    expect(idleSeconds(timed)).toEqual({
      'before-read': 40,
      window: 180,
      'idle-timer': 180,
      drain: 180,
      minimum: 600,
    });
    expect(rest(timed)).toBe(360 + 180);
  });

  it('books the nodes the scale-in choice keeps by the AZ rule to it, for as long as it keeps them', () => {
    // A stand-in choice that keeps every idle node, as the AZ rule would: from 540 to the end (1200 s) three
    // nodes stay, wanted gone every cycle; the fourth, idle from 600, is the minimum's: 4 -> 1 wants only three.
    const keepByAz: ScaleInChooser = (input) => ({
      drain: [],
      pick: [],
      delete: [],
      undrain: [],
      kept: input.nodes
        .filter((node) => !input.busyIps.has(node.privateIp ?? ''))
        .map((node) => ({ name: node.name, flavor: node.flavor, why: 'az-not-allowed' })),
      reasons: [],
      memory: input.memory,
    });
    const result = simulate(handChecked({ scaleDown: { method: 'idle-nodes', idleSeconds: 0 } }), 'policy', {
      choose: keepByAz,
    });
    expect(idleSeconds(result)).toEqual({
      'before-read': 40,
      window: 180,
      'az-rule': 3 * (1200 - 540),
      minimum: 600,
    });
  });

  it('ends a booking when a job starts on the node, and books nothing for a run that does not plan', () => {
    // One node. A runs 0..100; the 120 s read finds the node idle since 100 and the reading at the minimum; B
    // arrives at 130 and runs to 230; the 240 s read finds it idle since 230; the run ends at 300.
    const { setup } = simulationSetup({
      name: 'two short jobs',
      jobs: parseTrace('arrival,flavor,nodes,runTime\n0,gpu,1,100\n130,gpu,1,100\n'),
      max: 1,
      provisioningDelaySeconds: 120,
      deletionDelaySeconds: 60,
      intervalSeconds: 60,
      durationSeconds: 300,
    });
    expect(idleSeconds(simulate(setup))).toEqual({ 'before-read': 20 + 10, minimum: 10 + 60 });
    expect(simulate(setup, 'static-max').idle).toBeUndefined();
  });
});

describe('causesOf', () => {
  const nodes = (count: number): SimNode[] =>
    Array.from({ length: count }, (_, id) => ({
      id,
      flavor: 'gpu',
      az: '',
      requestedAt: 0,
      phase: 'ready',
      until: 0,
    }));
  const explained = (overrides: Partial<FlavorExplanation>): FlavorExplanation => ({
    flavor: 'gpu',
    current: 10,
    desired: 4,
    stabilized: 6,
    target: 8,
    codes: [],
    held: new Map(),
    ...overrides,
  });
  const counted = (causes: Map<number, string>) => {
    const counts: Record<string, number> = {};
    for (const cause of causes.values()) counts[cause] = (counts[cause] ?? 0) + 1;
    return counts;
  };

  it('gives the window stabilized - desired nodes, a guard target - stabilized, the reading the rest', () => {
    expect(counted(causesOf(explained({ codes: ['nodes-in-flight'] }), nodes(7), 0))).toEqual({
      window: 2,
      'in-flight': 2,
      backlog: 3,
    });
    expect(counted(causesOf(explained({ codes: ['rate-limited'] }), nodes(3), 0))).toEqual({
      window: 2,
      guards: 1,
    });
  });

  it('books to the minimum what a reading raised to it asks for, and nothing to the window when it wants more', () => {
    expect(counted(causesOf(explained({ codes: ['clamped-min'], target: 6 }), nodes(3), 0))).toEqual({
      window: 2,
      minimum: 1,
    });
    expect(counted(causesOf(explained({ desired: 12, stabilized: 12, target: 12 }), nodes(2), 0))).toEqual({
      backlog: 2,
    });
  });

  it('books as many idle nodes as drain to the AZ rule, and the choice’s nodes to the choice’s rule first', () => {
    const held = new Map([
      ['sim-node-0', 'drain' as const],
      ['sim-node-1', 'az-rule' as const],
    ]);
    const causes = causesOf(explained({ desired: 8, stabilized: 8, target: 8, held }), nodes(5), 2);
    expect([...causes.entries()]).toEqual([
      [0, 'drain'],
      [1, 'az-rule'],
      [2, 'az-rule'],
      [3, 'az-rule'],
      [4, 'backlog'],
    ]);
  });
});

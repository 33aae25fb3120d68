import { describe, expect, it } from 'vitest';
import type { ScaleInChoice, ScaleInInput } from '../../lib/scale-in/types';
import { parseTrace, type ScaleInChooser, simulate, simulationSetup } from '../../lib/simulate';
import { handChecked } from './hand-checked';

// The idle-nodes method's plumbing in the simulator: what the planner-driven controller hands the scale-in
// choice each cycle, and how the simulated pool carries out what it names. The choice here is a stand-in that
// records its inputs and deletes the idle Available nodes it is asked to remove, so that these tests pin the
// wiring alone (the real choice is lib/scale-in/choose.ts).

// The hand-checked trace of arithmetic.test.ts, scaled down by idle-nodes under platform-picks.
const setup = () =>
  handChecked({ platform: 'platform-picks', scaleDown: { method: 'idle-nodes', idleSeconds: 0 } });

/** Deletes the idle Available nodes wanted gone, newest first; remembers how many cycles it was called. */
function deletingIdle(calls: ScaleInInput[]): ScaleInChooser {
  return (input): ScaleInChoice => {
    calls.push(input);
    const chosen = input.flavors.flatMap((flavor) =>
      input.nodes
        .filter(
          (node) =>
            node.flavor === flavor.flavor &&
            node.phase === 'Available' &&
            !input.busyIps.has(node.privateIp ?? ''),
        )
        .reverse()
        .slice(0, Math.max(0, flavor.current - flavor.target)),
    );
    const memory = { nodes: { ...input.memory.nodes, [`cycle-${calls.length}`]: { flavor: 'none' } } };
    return {
      drain: [],
      pick: [],
      undrain: [],
      delete: chosen.map((node) => ({ name: node.name, flavor: node.flavor, az: node.az })),
      kept: [],
      reasons: [],
      memory,
    };
  };
}

describe('the idle-nodes method in the simulator', () => {
  it("never sends the planner's scale-down as a lower count: the choice gets the flavor, with target below current", () => {
    const calls: ScaleInInput[] = [];
    const result = simulate(setup(), 'policy', { choose: deletingIdle(calls) });
    expect(result.method).toBe('idle-nodes');
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls) {
      expect(call.flavors.map((flavor) => flavor.flavor)).toEqual(['gpu']);
      expect(call.flavors[0]?.target).toBeLessThan(call.flavors[0]?.current ?? 0);
      expect(call.settings).toEqual({ method: 'idle-nodes', idleSeconds: 0, drainSeconds: 60 });
    }
    // The planner went 4 -> 1 at 540 s (arithmetic.test.ts); here the three idle nodes go by name instead.
    expect(calls[0]?.now).toBe(setup().startAt + 540_000);
    expect(result.figures).toMatchObject({ jobsKilled: 0, scaleUps: 2, scaleDowns: 1 });
    expect(result.series.find((sample) => sample.t === 540)?.target).toBe(1);
  });

  it('hands the choice every node with its IP, the busy IPs of running jobs, and the memory it returned last', () => {
    const calls: ScaleInInput[] = [];
    // Keep nothing: every cycle after 540 s the planner still wants the flavor lower.
    const keepAll: ScaleInChooser = (input) => ({ ...deletingIdle(calls)(input), delete: [] });
    simulate(setup(), 'policy', { choose: keepAll });
    const [first, second] = calls;
    expect(first?.nodes.map((node) => [node.name, node.phase, node.billing])).toEqual([
      ['sim-node-0', 'Available', 'pay-per-use'],
      ['sim-node-1', 'Available', 'pay-per-use'],
      ['sim-node-2', 'Available', 'pay-per-use'],
      ['sim-node-3', 'Available', 'pay-per-use'],
    ]);
    // At 540 s only A runs, on the starting node.
    expect([...(first?.busyIps ?? [])]).toEqual([first?.nodes[0]?.privateIp]);
    expect(Object.keys(second?.memory.nodes ?? {})).toEqual(['cycle-1']);
  });

  it('under platform-picks, a lower count kills the job on the newest node; a delete by name takes the idle one', () => {
    // A: 1 node, 0..200 on the starting node. B: 1 node from 30, started at 180 on the node ordered at 60, for
    // 900 s. Once A ends the planner wants 2 -> 1: the count method's platform deletes the newest node, B's.
    const twoJobs = (method: 'count' | 'idle-nodes') =>
      simulationSetup({
        name: 'newest node busy',
        jobs: parseTrace('arrival,flavor,nodes,runTime\n0,gpu,1,200\n30,gpu,1,900\n'),
        max: 4,
        provisioningDelaySeconds: 120,
        deletionDelaySeconds: 60,
        intervalSeconds: 60,
        durationSeconds: 1800,
        platform: 'platform-picks',
        scaleDown: { method, idleSeconds: 0 },
      }).setup;
    const count = simulate(twoJobs('count')).figures;
    expect(count.jobsKilled).toBe(1);
    expect(count.lostNodeHours).toBeGreaterThan(0);
    const idle = simulate(twoJobs('idle-nodes'), 'policy', { choose: deletingIdle([]) }).figures;
    expect(idle).toMatchObject({ jobsKilled: 0, lostNodeHours: 0, finished: 2 });
    expect(idle.waitSeconds.max).toBe(150);
  });

  it("with the product's choice: drains the idle nodes when the planner first wants fewer, deletes them by name a drain later", () => {
    // The planner wants 4 -> 1 from 540 s (arithmetic.test.ts). idleSeconds 0: the three idle nodes are drained
    // at 540, deleted at 600 (one 60 s drain later), billed until 660; the count drops by itself.
    // Node-seconds: 1200 + 2 x (660 - 60) + (660 - 120) = 2940, against 2760 for the count method.
    const now = simulate(handChecked({ scaleDown: { method: 'idle-nodes', idleSeconds: 0 } }));
    expect(now.figures.nodeHours).toBeCloseTo(2940 / 3600, 9);
    expect(now.figures).toMatchObject({ jobsKilled: 0, scaleActions: 3, scaleUps: 2, scaleDowns: 1 });
    const target = (t: number) => now.series.find((sample) => sample.t === t)?.target;
    expect([target(540), target(600)]).toEqual([4, 1]);
    // idleSeconds 120: the node timers start at 540, so the drain is at 660 and the delete at 720.
    // Node-seconds: 1200 + 2 x (780 - 60) + (780 - 120) = 3300.
    const later = simulate(handChecked({ scaleDown: { method: 'idle-nodes', idleSeconds: 120 } }));
    expect(later.figures.nodeHours).toBeCloseTo(3300 / 3600, 9);
  });
});

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
  it("never sends the planner's scale-down as a lower count: the choice gets the flavor, to drain ahead, then to go", () => {
    const calls: ScaleInInput[] = [];
    const result = simulate(setup(), 'policy', { choose: deletingIdle(calls) });
    expect(result.method).toBe('idle-nodes');
    expect(calls.length).toBeGreaterThan(1);
    for (const call of calls) {
      expect(call.flavors.map((flavor) => flavor.flavor)).toEqual(['gpu']);
      const [flavor] = call.flavors;
      expect(Math.min(flavor?.target ?? 0, flavor?.drainTo ?? Number.POSITIVE_INFINITY)).toBeLessThan(
        flavor?.current ?? 0,
      );
      expect(call.settings).toEqual({ method: 'idle-nodes', idleSeconds: 0, drainSeconds: 60 });
    }
    // The reading wants 1 node from 480 s; the window holds 4 until 540 (arithmetic.test.ts). At 480 the
    // choice is asked to drain ahead, down to 1, keeping 4; at 540 the three idle nodes go by name.
    expect(calls[0]?.now).toBe(setup().startAt + 480_000);
    expect(calls[0]?.flavors[0]).toMatchObject({ current: 4, target: 4, drainTo: 1 });
    expect(calls[1]?.now).toBe(setup().startAt + 540_000);
    expect(calls[1]?.flavors[0]).toMatchObject({ current: 4, target: 1 });
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

  it("with the product's choice: drains the idle nodes ahead, while the window runs, and deletes them by name when it ends", () => {
    // The reading wants 1 node from 480 s; the window lets the count down at 540 (arithmetic.test.ts).
    // idleSeconds 0: the three idle nodes are drained at 480, deleted at 540, billed until 600: exactly the
    // count method's node-seconds, 1200 + 2 x (600 - 60) + (600 - 120) = 2760.
    const ahead = simulate(handChecked({ scaleDown: { method: 'idle-nodes', idleSeconds: 0 } }));
    expect(ahead.figures.nodeHours).toBeCloseTo(2760 / 3600, 9);
    expect(ahead.figures).toMatchObject({ jobsKilled: 0, scaleActions: 3, scaleUps: 2, scaleDowns: 1 });
    const target = (t: number) => ahead.series.find((sample) => sample.t === t)?.target;
    expect([target(480), target(540)]).toEqual([4, 1]);
    // drainAhead false: drained at 540, when the window ends, deleted at 600, billed until 660:
    // 1200 + 2 x (660 - 60) + (660 - 120) = 2940.
    const after = simulate(
      handChecked({ scaleDown: { method: 'idle-nodes', idleSeconds: 0, drainAhead: false } }),
    );
    expect(after.figures.nodeHours).toBeCloseTo(2940 / 3600, 9);
    // idleSeconds 120: the node timers start at 480, with the window, so the drain is at 600 and the delete at
    // 660: 1200 + 2 x (720 - 60) + (720 - 120) = 3120.
    const later = simulate(handChecked({ scaleDown: { method: 'idle-nodes', idleSeconds: 120 } }));
    expect(later.figures.nodeHours).toBeCloseTo(3120 / 3600, 9);
  });
});

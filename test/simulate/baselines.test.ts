import { describe, expect, it } from 'vitest';
import { parseTrace, type SimulationResult, simulate, simulationSetup } from '../../lib/simulate';
import { HPA_DEFAULTS, hpaPolicy } from '../../lib/simulate/controllers';
import { handChecked } from './hand-checked';

const HOUR = 3600;
const targets = (result: SimulationResult) => result.series.map((sample) => [sample.t, sample.target]);
const targetAt = (result: SimulationResult, t: number) => result.series.find((s) => s.t === t)?.target;

describe('the cluster-autoscaler-equivalent baseline', () => {
  it('grows at once for pending work, counts upcoming nodes, and removes nodes after 10 minutes unneeded', () => {
    // 60 s: backlog 3 (A runs, B queued): 1 -> 3. 120 s: backlog 4 (C queued), 2 nodes upcoming count as
    // present: 3 -> 4, not 3 + 3. B ends at 480 and C at 440: 3 idle nodes unneeded from the 480 s scan, A's
    // node from 600; at 1080 (480 + 600) the three go; min 1 keeps A's.
    // Node-seconds: node 0 0..1200 = 1200; two nodes 60..1140 = 2160; one node 120..1140 = 1020 -> 4380.
    const result = simulate(handChecked(), 'cluster-autoscaler');
    expect(targets(result).slice(0, 3)).toEqual([
      [0, 1],
      [60, 3],
      [120, 4],
    ]);
    expect([targetAt(result, 1020), targetAt(result, 1080)]).toEqual([4, 1]);
    expect(result.figures.nodeHours).toBeCloseTo(4380 / HOUR, 9);
    expect(result.figures.waitSeconds).toEqual({ p50: 140, p95: 150, max: 150 });
    expect(result.figures.jobsKilled).toBe(0);
  });

  it('removes nothing within 10 minutes of a scale-up of any flavor', () => {
    // gpu: 1 -> 2 at 0 s; its job runs 120..180, so one gpu node is unneeded from 180 and due at 780. npu grows
    // 1 -> 2 at 540: nothing leaves until 1140, when the gpu node goes; the npu node, unneeded from 720, at 1320.
    const setup = simulationSetup({
      name: 'two flavors',
      jobs: parseTrace('arrival,flavor,nodes,runTime\n0,gpu,2,60\n500,npu,2,60\n'),
      max: 4,
      provisioningDelaySeconds: 120,
      deletionDelaySeconds: 60,
      intervalSeconds: 60,
      durationSeconds: 1500,
    }).setup;
    const result = simulate(setup, 'cluster-autoscaler');
    expect([480, 540, 780, 1080, 1140, 1260, 1320].map((t) => targetAt(result, t))).toEqual([
      3, 4, 4, 4, 3, 3, 2,
    ]);
  });
});

describe('the HPA-defaults baseline', () => {
  it("is the flavor's policy with HPA's default values, keeping min, max, target and the scale-down method", () => {
    const policy = handChecked({ scaleDown: { method: 'idle-nodes' } }).policy.flavors.gpu;
    if (policy === undefined) throw new Error('no gpu policy');
    const hpa = hpaPolicy(policy);
    expect(hpa).toMatchObject({ min: policy.min, max: policy.max, targetPerNode: policy.targetPerNode });
    expect(hpa.tolerance).toBe(0.1);
    expect(hpa.scaleUp).toEqual(HPA_DEFAULTS.scaleUp);
    expect(hpa.scaleDown).toMatchObject({ ...HPA_DEFAULTS.scaleDown, enabled: true, method: 'idle-nodes' });
  });

  it('holds the count through its 300 s scale-down window', () => {
    // Up as the policy (1 -> 3 -> 4). The backlog is 4 up to the 420 s reading and 1 from 480; the window keeps
    // the highest reading of the last 300 s, so the count drops at 720 (the policy's 120 s window: at 540).
    // Node-seconds: node 0 1200; two nodes 60..780 = 1440; one node 120..780 = 660 -> 3300.
    const result = simulate(handChecked(), 'hpa');
    expect([60, 120, 660, 720].map((t) => targetAt(result, t))).toEqual([3, 4, 4, 1]);
    expect(result.figures.nodeHours).toBeCloseTo(3300 / HOUR, 9);
  });
});

import { describe, expect, it } from 'vitest';
import type { Backlog } from '../../lib/metrics/backlog';
import { type FlavorDecision, type PoolPlan, plan } from '../../lib/scaling/plan';
import { azs, flavorPolicy, NOW, poolInput, poolPolicy, running } from './builders';

// Demand that can never run must not hold nodes: the planner leaves an unservable job out of the backlog and says
// so, so that the pool does not sit at max with idle nodes waiting for it.

const GPU = 'modelarts.vm.gpu.a100';
const A = 'cn-north-4a';
const B = 'cn-north-4b';

function planWith(backlog: Backlog, max = 8): { plan: PoolPlan; gpu: FlavorDecision } {
  const input = poolInput(
    running([{ flavor: GPU, count: 2, azs: azs({ [A]: 1, [B]: 1 }) }]),
    poolPolicy([flavorPolicy(GPU, { max, backlog: undefined } as never)]),
    { [GPU]: backlog },
  );
  const result = plan({ now: NOW, pools: [input] }).pools[0] as PoolPlan;
  return { plan: result, gpu: result.flavors[0] as FlavorDecision };
}

const nodesBacklog = (
  value: number,
  jobs: Backlog extends infer _ ? NonNullable<Extract<Backlog, { ok: true }>['jobs']> : never,
): Backlog => ({
  ok: true,
  value,
  observedAt: NOW,
  source: 'modelarts-workloads',
  jobs,
});

describe('unservable jobs in the plan', () => {
  it('leaves a queued job bigger than max out of the backlog, names it, and grows only for the rest', () => {
    // 2 running nodes, plus a queued 3-node job and a queued 16-node job: 21 nodes asked for, max 8.
    const { plan: result, gpu } = planWith(
      nodesBacklog(21, [
        { name: 'small', nodes: 3, weight: 3 },
        { name: 'huge', nodes: 16, weight: 16 },
      ]),
    );
    expect(gpu.backlog).toBe(5);
    expect(gpu.target).toBe(5);
    expect(result.action).toBe('patch');
    const why = gpu.reasons.find((r) => r.code === 'unservable-job')?.message;
    expect(why).toMatch(/huge/);
    expect(why).toMatch(/16/);
    expect(why).not.toMatch(/small/);
  });

  it('plans as before when every queued job fits', () => {
    const { gpu } = planWith(nodesBacklog(5, [{ name: 'small', nodes: 3, weight: 3 }]));
    expect(gpu.target).toBe(5);
    expect(gpu.reasons.map((r) => r.code)).not.toContain('unservable-job');
  });

  it('scales down to what the servable work needs while the oversized job waits', () => {
    const input = poolInput(
      running([{ flavor: GPU, count: 8, azs: azs({ [A]: 4, [B]: 4 }) }]),
      poolPolicy([flavorPolicy(GPU, { max: 8 })]),
      { [GPU]: nodesBacklog(18, [{ name: 'huge', nodes: 16, weight: 16 }]) },
    );
    const gpu = (plan({ now: NOW, pools: [input] }).pools[0] as PoolPlan).flavors[0] as FlavorDecision;
    expect(gpu.target).toBe(2);
  });
});

import { describe, expect, it } from 'vitest';
import { CONTROL_MODE_BITS } from '../../lib/modelarts/control-mode';
import {
  azsMismatchGuard,
  controlModeGuard,
  decodeControlMode,
  duplicateFlavorGuard,
  inFlightGuard,
  pausedGuard,
  pausedScaleInGuard,
  pausedScaleOutGuard,
  phaseGuard,
  policyGuard,
  poolGuards,
  prepaidGuard,
  prepaidScaleInGuard,
  unknownFlavorGuards,
} from '../../lib/scaling/guards';
import { plan } from '../../lib/scaling/plan';
import { backlogGuard } from '../../lib/scaling/target';
import { failed, flavorPolicy, NOW, ok, poolInput, poolPolicy, running } from './builders';

const GPU = 'modelarts.bm.gpu.8v100';
const CPU = 'modelarts.vm.cpu.8u';
const PREPAID = { 'os.modelarts/billing.mode': '1' };

describe('controlMode', () => {
  const names = [
    'billing-change-restricted',
    'spec-change-restricted',
    'service-restricted',
    'frozen',
    'frozen-by-authorities',
  ];

  it.each(Array.from({ length: 32 }, (_, mode) => mode))('decodes and guards controlMode %i', (mode) => {
    const expected = names.filter((_, bit) => (mode >> bit) & 1);
    expect(decodeControlMode(mode)).toEqual(expected);
    const guard = controlModeGuard(mode);
    if ((mode & 0b11110) === 0) {
      expect(guard).toBeUndefined();
    } else {
      expect(guard).toEqual({
        code: 'control-mode',
        message: `controlMode ${mode} = ${expected.join(' + ')}`,
      });
    }
  });

  it('writes the message with every set bit', () => {
    expect(controlModeGuard(9)?.message).toBe('controlMode 9 = billing-change-restricted + frozen');
  });

  it('bit 1 alone (billing-mode change restricted) does not block a resize', () => {
    expect(controlModeGuard(1)).toBeUndefined();
    expect(controlModeGuard(0)).toBeUndefined();
    expect(controlModeGuard(undefined)).toBeUndefined();
  });

  it('treats a bit it does not know as a restriction', () => {
    expect(decodeControlMode(33)).toEqual(['billing-change-restricted', 'bit-32']);
    expect(controlModeGuard(32)?.message).toBe('controlMode 32 = bit-32');
    expect(decodeControlMode(2 ** 40 + 8)).toEqual(['frozen', `bit-${2 ** 40}`]);
  });

  it('lists the five documented bits', () => {
    expect(CONTROL_MODE_BITS.map((b) => b.bit)).toEqual([1, 2, 4, 8, 16]);
  });
});

describe('pool guards', () => {
  it('phase must be Running', () => {
    expect(phaseGuard('Running')).toBeUndefined();
    expect(phaseGuard('Creating')).toEqual({
      code: 'phase-not-running',
      message: 'phase Creating is not Running',
    });
    expect(phaseGuard(undefined)?.code).toBe('phase-not-running');
  });

  it('a yearly/monthly pool needs allowPrepaid', () => {
    const prepaid = running([{ flavor: GPU, count: 2 }], { annotations: PREPAID });
    expect(prepaidGuard(prepaid, false)?.code).toBe('prepaid-not-allowed');
    expect(prepaidGuard(prepaid, true)).toBeUndefined();
    const payPerUse = running([{ flavor: GPU, count: 2 }], {
      annotations: { 'os.modelarts/billing.mode': '0' },
    });
    expect(prepaidGuard(payPerUse, false)).toBeUndefined();
  });

  it('paused: all stops the pool, scale-in and scale-out one direction each', () => {
    expect(pausedGuard('all')?.code).toBe('paused');
    expect(pausedGuard('scale-in')).toBeUndefined();
    expect(pausedScaleInGuard('scale-in')?.code).toBe('paused-scale-in');
    expect(pausedScaleInGuard('scale-out')).toBeUndefined();
    expect(pausedScaleOutGuard('scale-out')?.code).toBe('paused-scale-out');
    expect(pausedScaleOutGuard(false)).toBeUndefined();
  });

  it('a flavor listed twice, and per-AZ counts that do not add up, stop the pool', () => {
    expect(
      duplicateFlavorGuard(
        running([
          { flavor: GPU, count: 1 },
          { flavor: GPU, count: 2 },
        ]),
      )?.code,
    ).toBe('duplicate-flavor');
    const mismatch = running([{ flavor: GPU, count: 3, azs: [{ az: 'a', count: 1 }] }]);
    expect(azsMismatchGuard(mismatch)?.message).toBe(
      `flavor ${GPU}: per-AZ counts add up to 1, but its count is 3`,
    );
    expect(
      azsMismatchGuard(running([{ flavor: GPU, count: 3, azs: [{ az: 'a', count: 3 }] }])),
    ).toBeUndefined();
  });

  it('poolGuards lists every guard that holds, in a fixed order', () => {
    const p = running([{ flavor: GPU, count: 1 }], {
      phase: 'Abnormal',
      controlMode: 8,
      annotations: PREPAID,
    });
    const reasons = poolGuards({ pool: p, policy: poolPolicy([], { paused: 'all' }), killSwitch: true });
    expect(reasons.map((r) => r.code)).toEqual([
      'kill-switch',
      'control-mode',
      'phase-not-running',
      'prepaid-not-allowed',
      'paused',
    ]);
  });
});

describe('flavor guards', () => {
  it('nodes in flight block scale-down', () => {
    expect(inFlightGuard(0, 0)).toBeUndefined();
    expect(inFlightGuard(2, 1)?.message).toBe('2 creating, 1 deleting: no scale-down until they settle');
  });

  it('a prepaid pool only scales out', () => {
    expect(prepaidScaleInGuard(running([{ flavor: GPU, count: 1 }], { annotations: PREPAID }))?.code).toBe(
      'prepaid-scale-in',
    );
    expect(prepaidScaleInGuard(running([{ flavor: GPU, count: 1 }]))).toBeUndefined();
  });

  it('a missing, failed or stale backlog is unusable', () => {
    expect(backlogGuard(ok(3), GPU)).toBeUndefined();
    expect(backlogGuard(undefined, GPU)?.message).toBe(
      `no backlog reported for flavor ${GPU}: no scale-down`,
    );
    expect(backlogGuard(failed('stale'), GPU)?.message).toBe('backlog stale (sqs:jobs): the source is stale');
    expect(backlogGuard(ok(Number.POSITIVE_INFINITY), GPU)?.code).toBe('backlog-unavailable');
  });

  it('an unusable policy is named', () => {
    expect(policyGuard(flavorPolicy(GPU))).toBeUndefined();
    expect(policyGuard(flavorPolicy(GPU, { min: 0 }))?.message).toBe(
      `flavor ${GPU}: min 0 must be a whole number of at least 1`,
    );
    expect(policyGuard(flavorPolicy(GPU, { min: 5, max: 4 }))?.code).toBe('invalid-policy');
    expect(policyGuard(flavorPolicy(GPU, { targetPerNode: 0 }))?.code).toBe('invalid-policy');
    expect(
      policyGuard(
        flavorPolicy(GPU, { scaleUp: { policies: [{ type: 'Nodes', value: 1, periodSeconds: 0 }] } }),
      )?.message,
    ).toBe(`flavor ${GPU}: scaleUp Nodes policy periodSeconds must be > 0`);
  });

  it('backlogs, minCounts and policies for flavors the pool lacks are named', () => {
    const reasons = unknownFlavorGuards(running([{ flavor: GPU, count: 1 }]), {
      backlogs: { [GPU]: 1, x: 1 },
      minCounts: { y: 2 },
      policy: poolPolicy([flavorPolicy(GPU), flavorPolicy('z')]),
    });
    expect(reasons.map((r) => r.message)).toEqual([
      'backlog for flavor x, which the pool does not have: ignored',
      'minimum count for flavor y, which the pool does not have: ignored',
      'policy for flavor z, which the pool does not have: ignored',
    ]);
  });
});

// The same guards, seen through plan(): the pool-level ones give no body, the flavor-level ones block a direction.
describe('guards in a plan', () => {
  const twoFlavors = [
    { flavor: GPU, count: 4 },
    { flavor: CPU, count: 2 },
  ];
  const policy = poolPolicy([flavorPolicy(GPU), flavorPolicy(CPU)]);
  const planOne = (input: ReturnType<typeof poolInput>, killSwitch?: boolean) =>
    plan({ now: NOW, pools: [input], ...(killSwitch === undefined ? {} : { killSwitch }) }).pools[0];

  it.each([
    ['kill switch', running(twoFlavors), true, 'kill-switch'],
    ['frozen pool', running(twoFlavors, { controlMode: 8 }), false, 'control-mode'],
    ['pool not Running', running(twoFlavors, { phase: 'Abnormal' }), false, 'phase-not-running'],
    ['pool ScalingFailed', running(twoFlavors, { phase: 'ScalingFailed' }), false, 'pool-scaling-failed'],
    ['prepaid pool', running(twoFlavors, { annotations: PREPAID }), false, 'prepaid-not-allowed'],
  ] as const)('%s: skipped with a reason and no body', (_, p, killSwitch, code) => {
    const result = planOne(poolInput(p, policy, { [GPU]: ok(9), [CPU]: ok(0) }), killSwitch);
    expect(result?.action).toBe('skip');
    expect(result?.patch).toBeUndefined();
    expect(result?.reasons.map((r) => r.code)).toContain(code);
    expect(result?.flavors.map((f) => f.action)).toEqual(['skip', 'skip']);
  });

  it('controlMode 1 alone still scales', () => {
    const result = planOne(
      poolInput(running(twoFlavors, { controlMode: 1 }), policy, { [GPU]: ok(9), [CPU]: ok(2) }),
    );
    expect(result?.action).toBe('patch');
  });

  it('paused for the whole pool: skipped', () => {
    const paused = poolPolicy([flavorPolicy(GPU), flavorPolicy(CPU)], { paused: 'all' });
    expect(planOne(poolInput(running(twoFlavors), paused, { [GPU]: ok(9) }))?.action).toBe('skip');
  });

  it('paused scale-in: grows, does not shrink', () => {
    const paused = poolPolicy([flavorPolicy(GPU), flavorPolicy(CPU)], { paused: 'scale-in' });
    const grow = planOne(poolInput(running(twoFlavors), paused, { [GPU]: ok(9), [CPU]: ok(2) }));
    expect(grow?.patch?.spec.resources.map((r) => r.count)).toEqual([9, 2]);
    const shrink = planOne(poolInput(running(twoFlavors), paused, { [GPU]: ok(1), [CPU]: ok(2) }));
    expect(shrink?.action).toBe('hold');
    expect(shrink?.flavors[0]?.reasons.map((r) => r.code)).toContain('paused-scale-in');
  });

  it('paused scale-out: shrinks, does not grow', () => {
    const paused = poolPolicy([flavorPolicy(GPU), flavorPolicy(CPU)], { paused: 'scale-out' });
    expect(planOne(poolInput(running(twoFlavors), paused, { [GPU]: ok(9), [CPU]: ok(2) }))?.action).toBe(
      'hold',
    );
    expect(planOne(poolInput(running(twoFlavors), paused, { [GPU]: ok(1), [CPU]: ok(2) }))?.action).toBe(
      'patch',
    );
  });

  it('an allowed prepaid pool grows but never shrinks', () => {
    const allowed = poolPolicy([flavorPolicy(GPU), flavorPolicy(CPU)], { allowPrepaid: true });
    const p = running(twoFlavors, { annotations: PREPAID });
    expect(planOne(poolInput(p, allowed, { [GPU]: ok(9), [CPU]: ok(2) }))?.action).toBe('patch');
    const shrink = planOne(poolInput(p, allowed, { [GPU]: ok(1), [CPU]: ok(2) }));
    expect(shrink?.action).toBe('hold');
    expect(shrink?.flavors[0]?.reasons.map((r) => r.code)).toContain('prepaid-scale-in');
  });

  it('nodes in flight for the flavor block its scale-down, and in-flight nodes naming no flavor count for all', () => {
    const inFlight = running(twoFlavors, { deleting: [{ flavor: GPU, count: 1 }] });
    const gpu = planOne(poolInput(inFlight, policy, { [GPU]: ok(1), [CPU]: ok(2) }));
    expect(gpu?.flavors[0]).toMatchObject({ deleting: 1, target: 4, action: 'hold' });
    const unnamed = running(twoFlavors, { creating: [{ count: 2 }] });
    const both = planOne(poolInput(unnamed, policy, { [GPU]: ok(1), [CPU]: ok(1) }));
    expect(both?.flavors.map((f) => [f.creating, f.target])).toEqual([
      [2, 4],
      [2, 2],
    ]);
  });

  it('nodes in flight do not block a scale-up', () => {
    const inFlight = running(twoFlavors, { creating: [{ flavor: GPU, count: 2 }] });
    expect(planOne(poolInput(inFlight, policy, { [GPU]: ok(9), [CPU]: ok(2) }))?.flavors[0]?.target).toBe(9);
  });

  it('a backlog for a flavor the pool lacks is recorded and changes nothing else', () => {
    const backlogs = { [GPU]: ok(9), [CPU]: ok(2) };
    const without = planOne(poolInput(running(twoFlavors), policy, backlogs));
    const withStray = planOne(
      poolInput(running(twoFlavors), policy, { ...backlogs, 'modelarts.vm.new': ok(50) }),
    );
    expect(withStray?.reasons).toEqual([
      {
        code: 'unknown-flavor',
        message: 'backlog for flavor modelarts.vm.new, which the pool does not have: ignored',
      },
    ]);
    expect({ ...withStray, reasons: [] }).toEqual({ ...without, reasons: [] });
    expect(withStray?.patch?.spec.resources.map((r) => r.flavor)).toEqual([GPU, CPU]);
  });

  it('a metric failure never scales down and applies the fallback', () => {
    const fixedFallback = poolPolicy([
      flavorPolicy(GPU, { fallback: { type: 'fixed', count: 6 } }),
      flavorPolicy(CPU),
    ]);
    const result = planOne(
      poolInput(running(twoFlavors), fixedFallback, { [GPU]: failed(), [CPU]: failed('stale') }),
    );
    expect(result?.flavors.map((f) => f.target)).toEqual([6, 2]);
    expect(result?.flavors[1]?.reasons.map((r) => r.code)).toEqual(['backlog-unavailable', 'fallback-hold']);
  });
});

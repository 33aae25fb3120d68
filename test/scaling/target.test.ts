import { describe, expect, it } from 'vitest';
import type { Backlog } from '../../lib/metrics/backlog';
import type { FlavorPolicy } from '../../lib/scaling/policy';
import { reason } from '../../lib/scaling/reasons';
import {
  checkBacklog,
  computeTarget,
  periodStart,
  stepLimit,
  type TargetInput,
} from '../../lib/scaling/target';
import type { FlavorHistory, ScaleEvent } from '../../lib/state/store';
import {
  ago,
  change,
  type FlavorPolicyOverrides,
  failed,
  flavorPolicy,
  history,
  hpaDefaultPolicy,
  NOW,
  nodes,
  ok,
  percent,
  recs,
  rules,
} from './builders';

const FLAVOR = 'modelarts.bm.gpu.8v100';

interface Row {
  name: string;
  /** Overrides of the neutral test policy. */
  policy?: FlavorPolicyOverrides;
  /** A whole policy instead. */
  fullPolicy?: FlavorPolicy;
  current: number;
  backlog?: Backlog | undefined;
  history?: FlavorHistory;
  minCount?: number;
  expected: number;
  desired?: number;
  codes?: string[];
}

function run(row: Row, extra: Partial<TargetInput> = {}) {
  return computeTarget({
    policy: row.fullPolicy ?? flavorPolicy(FLAVOR, row.policy),
    current: row.current,
    backlog: checkBacklog('backlog' in row ? row.backlog : ok(0), FLAVOR),
    history: row.history,
    now: NOW,
    ...(row.minCount === undefined ? {} : { minCount: row.minCount }),
    ...extra,
  });
}

function check(row: Row, extra: Partial<TargetInput> = {}) {
  const result = run(row, extra);
  expect(result.target).toBe(row.expected);
  if (row.desired !== undefined) expect(result.desired).toBe(row.desired);
  if (row.codes !== undefined) expect(result.reasons.map((r) => r.code)).toEqual(row.codes);
}

describe('desired count from the backlog', () => {
  it.each<Row>([
    {
      name: 'ceil(backlog / targetPerNode)',
      policy: { targetPerNode: 10 },
      current: 3,
      backlog: ok(95),
      expected: 10,
    },
    {
      name: 'an exact multiple needs no extra node',
      policy: { targetPerNode: 10 },
      current: 3,
      backlog: ok(100),
      expected: 10,
    },
    {
      name: 'decimal targets do not round up on float noise (3 / 0.1)',
      policy: { targetPerNode: 0.1 },
      current: 3,
      backlog: ok(3),
      expected: 30,
    },
    {
      name: 'a fraction of a node is a node',
      policy: { targetPerNode: 4 },
      current: 1,
      backlog: ok(4.5),
      expected: 2,
    },
    {
      name: 'no backlog goes to min',
      policy: { min: 2 },
      current: 5,
      backlog: ok(0),
      expected: 2,
      codes: ['desired', 'clamped-min'],
    },
    {
      name: 'clamped to max',
      policy: { max: 8 },
      current: 3,
      backlog: ok(50),
      expected: 8,
      desired: 8,
      codes: ['desired', 'clamped-max'],
    },
  ])('$name', (row) => check(row));
});

describe('tolerance band (HPA: no change while |1 - ratio| <= tolerance)', () => {
  const policy = { targetPerNode: 10, tolerance: 0.1 };
  it.each<Row>([
    {
      name: 'ratio 0.91 keeps the count',
      policy,
      current: 10,
      backlog: ok(91),
      expected: 10,
      codes: ['within-tolerance'],
    },
    {
      name: 'ratio 1.1 is inside (inclusive)',
      policy,
      current: 10,
      backlog: ok(110),
      expected: 10,
      codes: ['within-tolerance'],
    },
    {
      name: 'ratio 0.9 is inside (inclusive)',
      policy,
      current: 10,
      backlog: ok(90),
      expected: 10,
      codes: ['within-tolerance'],
    },
    { name: 'ratio 1.11 scales up', policy, current: 10, backlog: ok(111), expected: 12, codes: ['desired'] },
    { name: 'ratio 0.89 scales down', policy, current: 10, backlog: ok(89), expected: 9, codes: ['desired'] },
    {
      name: 'no tolerance when scaling up from the floor with backlog',
      policy: { ...policy, min: 2 },
      current: 2,
      backlog: ok(21),
      expected: 3,
      codes: ['desired'],
    },
    {
      name: 'tolerance again once above the floor',
      policy: { ...policy, min: 2 },
      current: 3,
      backlog: ok(31),
      expected: 3,
      codes: ['within-tolerance'],
    },
    {
      name: 'at the floor a small dip is still within tolerance (no scale-up wanted)',
      policy: { ...policy, min: 2 },
      current: 2,
      backlog: ok(19),
      expected: 2,
      codes: ['within-tolerance'],
    },
  ])('$name', (row) => check(row));
});

describe('activation (KEDA activationThreshold)', () => {
  it.each<Row>([
    {
      name: 'below the threshold the flavor sits at min',
      policy: { activationThreshold: 5, min: 1 },
      current: 3,
      backlog: ok(4),
      expected: 1,
      codes: ['below-activation'],
    },
    {
      name: 'at the threshold the HPA rule takes over',
      policy: { activationThreshold: 5 },
      current: 1,
      backlog: ok(5),
      expected: 5,
      codes: ['desired'],
    },
    {
      name: 'below the threshold at min nothing changes',
      policy: { activationThreshold: 5, min: 2 },
      current: 2,
      backlog: ok(3),
      expected: 2,
    },
  ])('$name', (row) => check(row));
});

// After pkg/controller/podautoscaler/horizontal_test.go TestNormalizeDesiredReplicasWithBehavior.
describe('stabilization windows', () => {
  it.each<Row>([
    {
      name: 'scale-down takes the highest recommendation in its window',
      policy: { scaleDown: { stabilizationWindowSeconds: 180 } },
      history: history(recs([120, 4], [60, 5])),
      current: 100,
      backlog: ok(3),
      expected: 5,
      desired: 3,
      codes: ['desired', 'stabilized'],
    },
    {
      name: 'scale-up takes the lowest recommendation in its window',
      policy: { scaleUp: { stabilizationWindowSeconds: 300 } },
      history: history(recs([120, 4], [60, 5])),
      current: 1,
      backlog: ok(7),
      expected: 4,
      codes: ['desired', 'stabilized'],
    },
    {
      name: 'no scale-down stabilization with a scale-up window only',
      policy: { scaleUp: { stabilizationWindowSeconds: 300 } },
      history: history(recs([120, 1], [60, 2])),
      current: 100,
      backlog: ok(3),
      expected: 3,
    },
    {
      name: 'no scale-up stabilization with a scale-down window only',
      policy: { scaleDown: { stabilizationWindowSeconds: 300 } },
      history: history(recs([120, 4], [60, 5])),
      current: 1,
      backlog: ok(3),
      expected: 3,
    },
    {
      name: 'recommendations older than the window do not count',
      policy: { scaleDown: { stabilizationWindowSeconds: 180 } },
      history: history(recs([600, 10], [540, 9], [60, 4], [120, 5])),
      current: 100,
      backlog: ok(3),
      expected: 5,
    },
    {
      name: 'a recommendation exactly one window old is out (timestamp.After(cutoff))',
      policy: { scaleDown: { stabilizationWindowSeconds: 180 } },
      history: history(recs([180, 50], [60, 4])),
      current: 100,
      backlog: ok(3),
      expected: 4,
    },
    {
      name: 'both windows: no scale-up when the recommendation goes down',
      policy: {
        scaleUp: { stabilizationWindowSeconds: 300 },
        scaleDown: { stabilizationWindowSeconds: 300 },
      },
      history: history(recs([6000, 2], [180, 3])),
      current: 2,
      backlog: ok(1),
      expected: 2,
    },
    {
      name: 'both windows: no scale-down when the recommendation goes up',
      policy: {
        scaleUp: { stabilizationWindowSeconds: 300 },
        scaleDown: { stabilizationWindowSeconds: 300 },
      },
      history: history(recs([6000, 2], [180, 1])),
      current: 2,
      backlog: ok(3),
      expected: 2,
    },
    {
      name: 'a fresh flavor starts its history with the current count: no scale-down in its first window',
      policy: { scaleDown: { stabilizationWindowSeconds: 300 } },
      current: 10,
      backlog: ok(3),
      expected: 10,
      codes: ['desired', 'stabilized'],
    },
    {
      name: 'a fresh flavor with a scale-up window does not scale up in its first window either',
      policy: { scaleUp: { stabilizationWindowSeconds: 60 } },
      current: 2,
      backlog: ok(5),
      expected: 2,
    },
    {
      name: 'a history emptied while the pool was skipped counts as fresh',
      policy: { scaleDown: { stabilizationWindowSeconds: 300 } },
      history: history(),
      current: 10,
      backlog: ok(3),
      expected: 10,
    },
    {
      name: 'a scale-down window no longer than the cycle still scales down: the last cycle is not a fresh start',
      // Cycles 60 s apart leave only an entry exactly one window old: it is out of the window, but the flavor
      // is not fresh, so the count goes down instead of being re-seeded (and held) every cycle.
      policy: { scaleDown: { stabilizationWindowSeconds: 60 } },
      history: history(recs([60, 10])),
      current: 10,
      backlog: ok(3),
      expected: 3,
    },
    {
      name: 'a scale-up window no longer than the cycle still scales up',
      policy: { scaleUp: { stabilizationWindowSeconds: 60 } },
      history: history(recs([75, 2])),
      current: 2,
      backlog: ok(5),
      expected: 5,
    },
    {
      name: 'after a gap longer than the window the stored entries are out of it, as in HPA: the backlog decides',
      policy: { scaleDown: { stabilizationWindowSeconds: 300 } },
      history: history(recs([900, 10])),
      current: 10,
      backlog: ok(3),
      expected: 3,
    },
    {
      name: 'a fresh flavor scales up at once when the scale-up window is 0',
      policy: { scaleDown: { stabilizationWindowSeconds: 300 } },
      current: 2,
      backlog: ok(5),
      expected: 5,
    },
  ])('$name', (row) => check(row));
});

// After horizontal_test.go TestScalingWithRules; events as generateEventsUniformDistribution([...], 120) places
// them (100 s, 60 s and 20 s ago for three events), so a 60 s period sees only the last.
describe('step policies (periodStart = current - added + removed)', () => {
  const ups = (...deltas: number[]): ScaleEvent[] => spread(deltas);
  const downs = (...deltas: number[]): ScaleEvent[] => spread(deltas.map((d) => -d));
  function spread(deltas: number[]): ScaleEvent[] {
    const segment = 120 / deltas.length;
    return deltas.map((delta, i) => change(120 - segment * (i + 1) + segment / 2, delta));
  }

  it.each<Row>([
    {
      name: 'HPA default scale-up: max(4 nodes, 100%) per 15 s',
      fullPolicy: hpaDefaultPolicy(FLAVOR, { tolerance: 0 }),
      current: 10,
      backlog: ok(50),
      expected: 20,
      codes: ['desired', 'rate-limited'],
    },
    {
      name: 'nodes policy larger than percent policy (Max)',
      policy: { scaleUp: { policies: [nodes(100, 60), percent(100, 60)] } },
      current: 10,
      backlog: ok(500),
      expected: 110,
    },
    {
      name: 'percent policy larger than nodes policy (Max)',
      policy: { scaleUp: { policies: [nodes(2, 60), percent(100, 60)] } },
      current: 10,
      backlog: ok(500),
      expected: 20,
    },
    {
      name: 'Min takes the policy allowing the smallest change',
      policy: { scaleUp: { policies: [nodes(4, 60), percent(100, 60)], selectPolicy: 'Min' } },
      current: 10,
      backlog: ok(500),
      expected: 14,
    },
    {
      name: 'Disabled stops scale-up',
      policy: { scaleUp: { policies: [nodes(4, 60)], selectPolicy: 'Disabled' } },
      current: 10,
      backlog: ok(500),
      expected: 10,
      codes: ['desired', 'scale-up-disabled'],
    },
    {
      name: 'nodes policy limit',
      policy: { scaleUp: { policies: [nodes(30, 60)] } },
      current: 10,
      backlog: ok(50),
      expected: 40,
    },
    {
      name: 'percent policy limit',
      policy: { scaleUp: { policies: [percent(200, 60)] } },
      current: 10,
      backlog: ok(50),
      expected: 30,
    },
    {
      name: 'a large policy does not limit below desired',
      policy: { scaleUp: { policies: [percent(10000, 60)] } },
      current: 10,
      backlog: ok(50),
      expected: 50,
      codes: ['desired'],
    },
    {
      name: 'percent up rounds up: 10 nodes + 10% allows 11 (exact arithmetic)',
      policy: { scaleUp: { policies: [percent(10, 60)] } },
      current: 10,
      backlog: ok(50),
      expected: 11,
    },
    {
      name: 'percent up rounds up so a small percentage still allows a node',
      policy: { scaleUp: { policies: [percent(10, 60)] } },
      current: 3,
      backlog: ok(50),
      expected: 4,
    },
    {
      name: 'nodes policy with earlier scale-ups: 100 - 15 + 150',
      policy: { scaleUp: { policies: [nodes(150, 120)] } },
      history: history([], ups(1, 5, 9)),
      current: 100,
      backlog: ok(500),
      expected: 235,
    },
    {
      name: 'percent policy with earlier scale-ups: (100 - 15) * 3',
      policy: { scaleUp: { policies: [percent(200, 120)] } },
      history: history([], ups(1, 5, 9)),
      current: 100,
      backlog: ok(500),
      expected: 255,
    },
    {
      name: 'earlier scale-ups used the whole allowance: hold, never shrink',
      policy: { scaleUp: { policies: [nodes(5, 120)] } },
      history: history([], ups(1, 5, 9)),
      current: 100,
      backlog: ok(500),
      expected: 100,
      codes: ['desired', 'rate-limited'],
    },
    {
      name: 'only events inside the period count (60 s sees the last of three)',
      policy: { scaleUp: { policies: [nodes(10, 60)] } },
      history: history([], ups(1, 5, 9)),
      current: 100,
      backlog: ok(500),
      expected: 101,
    },
    {
      name: 'scale-ups and scale-downs both move periodStart: (6 - 4 + 2) * 4',
      policy: { scaleUp: { policies: [percent(300, 300)] } },
      history: history([], [change(60, 4), change(60, -2)]),
      current: 6,
      backlog: ok(24),
      expected: 16,
    },
    {
      name: 'scale-down: percent policy larger than nodes policy (Max)',
      policy: { scaleDown: { policies: [nodes(20, 60), percent(1, 60)] } },
      current: 100,
      backlog: ok(2),
      expected: 80,
    },
    {
      name: 'scale-down: nodes policy larger than percent policy (Max)',
      policy: { scaleDown: { policies: [nodes(2, 60), percent(1, 60)] } },
      current: 100,
      backlog: ok(2),
      expected: 98,
    },
    {
      name: 'scale-down Min takes the smallest change',
      policy: { scaleDown: { policies: [nodes(20, 60), percent(1, 60)], selectPolicy: 'Min' } },
      current: 100,
      backlog: ok(2),
      expected: 99,
    },
    {
      name: 'scale-down Disabled stops scale-down',
      policy: { scaleDown: { policies: [nodes(20, 60)], selectPolicy: 'Disabled' } },
      current: 100,
      backlog: ok(2),
      expected: 100,
      codes: ['desired', 'scale-down-disabled'],
    },
    {
      name: 'scale-down limited by min, not the policy',
      policy: { min: 5, scaleDown: { policies: [percent(100, 60)] } },
      current: 10,
      backlog: ok(2),
      expected: 5,
    },
    {
      name: 'scale-down nodes policy limit',
      policy: { scaleDown: { policies: [nodes(5, 60)] } },
      current: 10,
      backlog: ok(2),
      expected: 5,
    },
    {
      name: 'scale-down percent truncates like HPA: 5 - 50% allows 2',
      policy: { scaleDown: { policies: [percent(50, 60)] } },
      current: 5,
      backlog: ok(1),
      expected: 2,
    },
    {
      name: 'scale-down percent with earlier scale-downs: (100 + 12) * 50%',
      policy: { scaleDown: { policies: [percent(50, 120)] } },
      history: history([], downs(2, 4, 6)),
      current: 100,
      backlog: ok(0),
      expected: 56,
    },
    {
      name: 'scale-down with earlier ups and downs: (10 - 2 + 4) * 50%',
      policy: { scaleDown: { policies: [percent(50, 180)] } },
      history: history([], [change(60, 2), change(60, -4)]),
      current: 10,
      backlog: ok(1),
      expected: 6,
    },
    {
      name: 'earlier scale-downs used the allowance: (100 + 30) - 10% is above current, hold',
      policy: { scaleDown: { policies: [percent(10, 120)] } },
      history: history([], downs(10, 10, 10)),
      current: 100,
      backlog: ok(0),
      expected: 100,
    },
    {
      name: 'a limit below zero still stops at desired',
      policy: { scaleDown: { policies: [percent(1000, 120)] } },
      history: history([], downs(10, 10, 10)),
      current: 10,
      backlog: ok(5),
      expected: 5,
    },
  ])('$name', (row) => check(row));

  it('periodStart adds back what was removed and takes away what was added inside the period', () => {
    const events = [change(100, 3), change(50, -2), change(10, 5)];
    expect(periodStart(events, 20, ago(60))).toBe(20 - 5 + 2);
    expect(periodStart(events, 20, ago(120))).toBe(20 - 5 + 2 - 3);
    expect(periodStart(events, 20, ago(5))).toBe(20);
  });

  it('no step policies means no rate limit in either direction', () => {
    expect(stepLimit(rules(), [], 10, NOW, 1)).toBe(Number.POSITIVE_INFINITY);
    expect(stepLimit(rules(), [], 10, NOW, -1)).toBe(Number.NEGATIVE_INFINITY);
  });
});

describe('cooldown (per direction, since the flavor last changed)', () => {
  it.each<Row>([
    {
      name: 'no scale-up within the scale-up cooldown',
      policy: { scaleUp: { cooldownSeconds: 60 } },
      history: history([], [change(30, -1)]),
      current: 3,
      backlog: ok(10),
      expected: 3,
      codes: ['desired', 'cooldown'],
    },
    {
      name: 'scale-up once the cooldown has passed (exactly)',
      policy: { scaleUp: { cooldownSeconds: 60 } },
      history: history([], [change(60, -1)]),
      current: 3,
      backlog: ok(10),
      expected: 10,
    },
    {
      name: 'no scale-down within the scale-down cooldown after a scale-up',
      policy: { scaleDown: { cooldownSeconds: 600 } },
      history: history([], [change(300, 2)]),
      current: 10,
      backlog: ok(2),
      expected: 10,
      codes: ['desired', 'cooldown'],
    },
    {
      name: 'the scale-down cooldown does not hold a scale-up',
      policy: { scaleDown: { cooldownSeconds: 600 } },
      history: history([], [change(30, 2)]),
      current: 10,
      backlog: ok(20),
      expected: 20,
    },
    {
      name: 'the latest change counts, whatever the order of the events',
      policy: { scaleDown: { cooldownSeconds: 120 } },
      history: history([], [change(30, 2), change(500, -1)]),
      current: 10,
      backlog: ok(2),
      expected: 10,
    },
  ])('$name', (row) => check(row));
});

describe('scaleDown.enabled = false', () => {
  it('blocks every scale-down', () => {
    check({
      name: '',
      policy: { scaleDown: { enabled: false } },
      current: 10,
      backlog: ok(2),
      expected: 10,
      codes: ['desired', 'scale-down-disabled'],
    });
  });
  it('does not block scale-up', () => {
    check({
      name: '',
      policy: { scaleDown: { enabled: false } },
      current: 10,
      backlog: ok(20),
      expected: 20,
    });
  });
  it('keeps a count above max (no scale-down of any kind)', () => {
    check({
      name: '',
      policy: { max: 5, scaleDown: { enabled: false } },
      current: 10,
      backlog: ok(2),
      expected: 10,
    });
  });
});

describe('missing, failed or stale backlog: never scale down, apply the fallback', () => {
  it.each<Row>([
    {
      name: 'failed + hold keeps current',
      current: 10,
      backlog: failed('failed'),
      expected: 10,
      codes: ['backlog-unavailable', 'fallback-hold'],
    },
    { name: 'stale + hold keeps current', current: 10, backlog: failed('stale'), expected: 10 },
    {
      name: 'no backlog at all counts as missing',
      current: 10,
      backlog: undefined,
      expected: 10,
      codes: ['backlog-unavailable', 'fallback-hold'],
    },
    {
      name: 'fixed goes up to the fallback count',
      policy: { fallback: { type: 'fixed', count: 6 } },
      current: 2,
      backlog: failed(),
      expected: 6,
      codes: ['backlog-unavailable', 'fallback-fixed'],
    },
    {
      name: 'fixed never goes below current',
      policy: { fallback: { type: 'fixed', count: 6 } },
      current: 9,
      backlog: failed('missing'),
      expected: 9,
    },
    {
      name: 'fixed is clamped to max',
      policy: { max: 4, fallback: { type: 'fixed', count: 6 } },
      current: 2,
      backlog: failed(),
      expected: 4,
    },
    {
      name: 'a count above max is kept while the backlog is unknown',
      policy: { max: 4 },
      current: 8,
      backlog: failed(),
      expected: 8,
    },
    {
      name: 'fixed still obeys the step policies (as KEDA fallback feeds HPA)',
      policy: { fallback: { type: 'fixed', count: 20 }, scaleUp: { policies: [nodes(4, 60)] } },
      current: 2,
      backlog: failed(),
      expected: 6,
    },
    {
      name: 'a backlog value that is not a count is unusable',
      current: 10,
      backlog: ok(Number.NaN),
      expected: 10,
      codes: ['backlog-unavailable', 'fallback-hold'],
    },
    {
      name: 'a negative backlog is unusable',
      current: 10,
      backlog: ok(-3),
      expected: 10,
    },
  ])('$name', (row) => check(row));
});

describe('minimum counts (pushed by a webhook)', () => {
  it.each<Row>([
    {
      name: 'a minimum count raises the target',
      current: 2,
      backlog: ok(3),
      minCount: 8,
      expected: 8,
      codes: ['min-count', 'desired', 'clamped-min'],
    },
    {
      name: 'a minimum count never lowers a higher target',
      current: 2,
      backlog: ok(10),
      minCount: 4,
      expected: 10,
    },
    {
      name: 'a minimum count is capped at max',
      policy: { max: 6 },
      current: 2,
      backlog: ok(0),
      minCount: 50,
      expected: 6,
    },
    {
      name: 'a minimum count below min changes nothing',
      policy: { min: 3 },
      current: 3,
      backlog: ok(0),
      minCount: 2,
      expected: 3,
      codes: ['desired', 'clamped-min'],
    },
    {
      name: 'a minimum count is not held by step policies or cooldowns (like HPA minReplicas)',
      policy: { scaleUp: { policies: [nodes(1, 60)], cooldownSeconds: 600 } },
      history: history([], [change(10, 1)]),
      current: 2,
      backlog: ok(0),
      minCount: 7,
      expected: 7,
    },
    {
      name: 'a minimum count keeps a scale-down from going below it',
      current: 10,
      backlog: ok(1),
      minCount: 4,
      expected: 4,
    },
  ])('$name', (row) => check(row));

  it('a minimum count does not override a guard that blocks scale-up', () => {
    const blockUp = [reason('paused-scale-out', 'paused')];
    check({ name: '', current: 2, backlog: ok(0), minCount: 8, expected: 2 }, { blockUp });
  });
});

describe('guards passed in', () => {
  it('nodes in flight block a scale-down', () => {
    const blockDown = [reason('nodes-in-flight', '1 creating')];
    check(
      { name: '', current: 10, backlog: ok(2), expected: 10, codes: ['desired', 'nodes-in-flight'] },
      { blockDown },
    );
  });
  it('nodes in flight do not block a scale-up', () => {
    const blockDown = [reason('nodes-in-flight', '1 creating')];
    check({ name: '', current: 10, backlog: ok(20), expected: 20 }, { blockDown });
  });
  it('a scale-up guard blocks a scale-up only', () => {
    const blockUp = [reason('paused-scale-out', 'paused')];
    check(
      { name: '', current: 10, backlog: ok(20), expected: 10, codes: ['desired', 'paused-scale-out'] },
      { blockUp },
    );
    check({ name: '', current: 10, backlog: ok(2), expected: 2 }, { blockUp });
  });
});

describe('counts outside [min, max] come back into range at once', () => {
  it.each<Row>([
    {
      name: 'above max: down to max, past step policies and windows',
      policy: { max: 20, scaleDown: { stabilizationWindowSeconds: 300, policies: [nodes(1, 60)] } },
      current: 30,
      backlog: ok(25),
      expected: 20,
      codes: ['desired', 'clamped-max', 'stabilized', 'out-of-range'],
    },
    {
      name: 'below min: up to min, past step policies',
      policy: { min: 5, scaleUp: { policies: [nodes(1, 60)] } },
      current: 1,
      backlog: ok(0),
      expected: 5,
    },
    {
      name: 'a count of 0 goes to min',
      current: 0,
      backlog: ok(0),
      expected: 1,
    },
    {
      name: 'above max with nodes in flight stays (guards still hold)',
      policy: { max: 20 },
      current: 30,
      backlog: ok(25),
      expected: 30,
    },
  ])('$name', (row) => {
    const blockDown = row.name.includes('in flight') ? [reason('nodes-in-flight', '1 deleting')] : undefined;
    check(row, blockDown ? { blockDown } : {});
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { azCap, leaveOutUnservable, unservableReason } from '../../lib/capacity/unservable';
import type { BacklogValue, QueuedJob } from '../../lib/metrics/backlog';
import type { AzStrategy } from '../../lib/scaling/policy';
import { REASON_CODES } from '../../lib/scaling/reasons';
import { checkBacklog } from '../../lib/scaling/target';
import { flavorPolicy, NOW } from '../scaling/builders';

// Queued jobs the flavor can never run are left out of the backlog (issue #15, unservable-job).

const F = 'modelarts.vm.gpu.t4u8';
const AZS = [
  { az: 'az-a', count: 2 },
  { az: 'az-b', count: 1 },
  { az: 'az-c', count: 0 },
];
const policy = (max: number, azStrategy: AzStrategy = { type: 'balanced' }) =>
  flavorPolicy(F, { max, azStrategy });
const backlog = (value: number, jobs?: QueuedJob[], perAz?: Record<string, number>): BacklogValue => ({
  ok: true,
  value,
  observedAt: NOW,
  source: 'modelarts-workloads:pool',
  ...(jobs ? { jobs } : {}),
  ...(perAz ? { perAz } : {}),
});

describe('leaveOutUnservable', () => {
  it("leaves out a job that needs more nodes than the flavor's max, by its weight", () => {
    const jobs = [
      { name: 'huge', nodes: 12, weight: 12 },
      { name: 'fits', nodes: 8, weight: 8 },
    ];
    const { backlog: out, unservable } = leaveOutUnservable(backlog(25, jobs), policy(8), AZS);
    expect(out).toMatchObject({ ok: true, value: 13, jobs: [jobs[1]] });
    expect(unservable).toEqual([{ name: 'huge', nodes: 12, weight: 12, why: 'over-max', limit: 8 }]);
  });

  it('leaves out a job tied to an AZ of a fixed flavor that needs more than max minus one node per other AZ in use', () => {
    // Two AZs in use (az-a, az-b): az-a can hold at most 8 - 1 = 7.
    const jobs = [{ name: 'tied', nodes: 8, az: 'az-a', weight: 1 }];
    const fixed = leaveOutUnservable(
      backlog(3, jobs, { 'az-a': 2, 'az-b': 1 }),
      policy(8, { type: 'fixed' }),
      AZS,
    );
    expect(fixed.unservable).toEqual([{ ...jobs[0], why: 'over-az', limit: 7 }]);
    expect(fixed.backlog).toMatchObject({ value: 2, perAz: { 'az-a': 1, 'az-b': 1 } });
    // The same job fits a balanced flavor (its AZ can hold max).
    expect(leaveOutUnservable(backlog(3, jobs), policy(8), AZS).unservable).toEqual([]);
  });

  it('leaves out a job tied to an AZ a fixed flavor does not use, or to a weighted AZ of weight 0', () => {
    const inC = [{ nodes: 1, az: 'az-c', weight: 1 }];
    expect(leaveOutUnservable(backlog(1, inC), policy(8, { type: 'fixed' }), AZS).unservable).toEqual([
      { ...inC[0], why: 'over-az', limit: 0 },
    ]);
    const weighted = policy(8, { type: 'weighted', weights: { 'az-a': 1, 'az-c': 0 } });
    expect(leaveOutUnservable(backlog(1, inC), weighted, AZS).unservable).toHaveLength(1);
    const inA = [{ nodes: 8, az: 'az-a', weight: 1 }];
    expect(leaveOutUnservable(backlog(1, inA), weighted, AZS).unservable).toEqual([]);
  });

  it('passes a backlog without jobs, or with only servable ones, through as the same object', () => {
    const plain = backlog(5);
    expect(leaveOutUnservable(plain, policy(2), AZS)).toEqual({ backlog: plain, unservable: [] });
    const servable = backlog(5, [{ nodes: 2, weight: 1 }]);
    expect(leaveOutUnservable(servable, policy(2), AZS).backlog).toBe(servable);
    const failed = checkBacklog(undefined, F);
    expect(leaveOutUnservable(failed, policy(2), AZS).backlog).toBe(failed);
  });
});

describe('azCap', () => {
  it('is max for balanced and backlog, and for a fixed flavor without azs', () => {
    expect(azCap(policy(6), AZS, 'az-c')).toBe(6);
    expect(azCap(policy(6, { type: 'backlog' }), AZS, 'az-a')).toBe(6);
    expect(azCap(policy(6, { type: 'fixed' }), undefined, 'az-a')).toBe(6);
  });
});

describe('unservableReason', () => {
  it('names each job (name where known), the nodes it needs and the limit', () => {
    const r = unservableReason(F, [
      { name: 'huge', nodes: 12, weight: 1, why: 'over-max', limit: 8 },
      { nodes: 5, az: 'az-a', weight: 1, why: 'over-az', limit: 3 },
    ]);
    expect(r.code).toBe('unservable-job');
    expect(REASON_CODES).toHaveProperty(r.code);
    expect(r.message).toBe(
      `2 queued jobs of ${F} can never run, left out of the backlog: huge needs 12 nodes, the flavor's max is 8; ` +
        'a job needs 5 nodes in az-a, which can hold at most 3',
    );
  });

  it('lists five jobs and counts the rest', () => {
    const jobs = Array.from({ length: 7 }, (_, i) => ({
      name: `j${i}`,
      nodes: 9,
      weight: 1,
      why: 'over-max' as const,
      limit: 8,
    }));
    const message = unservableReason(F, jobs).message;
    expect(message).toContain('j4 needs');
    expect(message).not.toContain('j5 needs');
    expect(message).toContain('and 2 more');
  });
});

describe('leaveOutUnservable properties', () => {
  const az = fc.constantFrom('az-a', 'az-b', 'az-c');
  const job = fc.record(
    {
      name: fc.string(),
      nodes: fc.integer({ min: 1, max: 20 }),
      az,
      weight: fc.integer({ min: 0, max: 20 }),
    },
    { requiredKeys: ['nodes', 'weight'] },
  );
  const strategy: fc.Arbitrary<AzStrategy> = fc.oneof(
    fc.constant({ type: 'balanced' as const }),
    fc.constant({ type: 'fixed' as const }),
    fc.constant({ type: 'backlog' as const }),
    fc
      .record({ 'az-a': fc.nat(3), 'az-b': fc.nat(3) })
      .map((weights) => ({ type: 'weighted' as const, weights })),
  );
  const perAz = fc.option(fc.record({ 'az-a': fc.nat(30), 'az-b': fc.nat(30) }), { nil: undefined });

  it('never raises the backlog or its AZ shares, never goes negative, and leaves a backlog without jobs unchanged', () => {
    fc.assert(
      fc.property(
        fc.nat(100),
        fc.option(fc.array(job, { maxLength: 6 }), { nil: undefined }),
        perAz,
        fc.integer({ min: 1, max: 16 }),
        strategy,
        (value, jobs, split, max, azStrategy) => {
          const before = backlog(value, jobs, split);
          const { backlog: after, unservable } = leaveOutUnservable(before, policy(max, azStrategy), AZS);
          if (!after.ok) throw new Error('a usable backlog stays usable');
          expect(after.value).toBeLessThanOrEqual(before.value);
          expect(after.value).toBeGreaterThanOrEqual(0);
          for (const [key, share] of Object.entries(after.perAz ?? {})) {
            expect(share).toBeLessThanOrEqual(before.perAz?.[key] ?? Number.POSITIVE_INFINITY);
            expect(share).toBeGreaterThanOrEqual(0);
          }
          if (jobs === undefined || jobs.length === 0) {
            expect(after).toBe(before);
            expect(unservable).toEqual([]);
          }
          expect(unservable.length + (after.jobs?.length ?? 0)).toBe(jobs?.length ?? 0);
        },
      ),
    );
  });
});

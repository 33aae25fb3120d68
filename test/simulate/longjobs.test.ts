import { describe, expect, it } from 'vitest';
import { percentile, scenario } from '../../lib/simulate';

const HOUR = 3600;
const MINUTE = 60;

describe('the longjobs scenario', () => {
  const jobs = [1, 2, 3, 4, 5].flatMap((seed) => scenario('longjobs', seed).jobs);

  it('is mostly one-node jobs running minutes to a day, with a median of a few hours', () => {
    const oneNode = jobs.filter((job) => job.nodes === 1).length / jobs.length;
    expect(oneNode).toBeGreaterThan(0.7);
    expect(new Set(jobs.map((job) => job.nodes))).toEqual(new Set([1, 2, 4]));
    const runTimes = jobs.map((job) => job.runTime);
    expect(Math.min(...runTimes)).toBeGreaterThanOrEqual(2 * MINUTE);
    expect(Math.max(...runTimes)).toBeLessThanOrEqual(24 * HOUR);
    expect(percentile(runTimes, 50)).toBeGreaterThan(2 * HOUR);
    expect(percentile(runTimes, 50)).toBeLessThan(4 * HOUR);
    expect(percentile(runTimes, 10)).toBeLessThan(HOUR);
    expect(percentile(runTimes, 95)).toBeGreaterThan(12 * HOUR);
  });

  it('arrives in bursts: the first 20 minutes of every 4 hours take far more jobs than their share of time', () => {
    const inBursts = jobs.filter((job) => job.arrival % (4 * HOUR) < 20 * MINUTE).length;
    // 20 minutes of 240 is 1/12 of the time; the bursts hold 8 of about 13.5 jobs per 4 hours.
    expect(inBursts / jobs.length).toBeGreaterThan(0.45);
    expect(Math.max(...jobs.map((job) => job.arrival))).toBeLessThan(48 * HOUR);
    expect(scenario('longjobs', 1).durationSeconds).toBe(49 * HOUR);
  });
});

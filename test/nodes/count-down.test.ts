// The count-down rule on its own (lib/nodes/count-down.ts): which nodes a lower count takes, first to last.

import { describe, expect, it } from 'vitest';
import { type CountDownNode, type CountDownStanding, countDownOrder } from '../../lib/nodes';

const node = (created: number, standing: CountDownStanding, az = 'az-1', flavor = 'gpu'): CountDownNode => ({
  flavor,
  az,
  standing,
  created,
});

const createdOf = (nodes: readonly CountDownNode[]) => nodes.map((picked) => picked.created);

describe('countDownOrder', () => {
  it('cancels creating nodes first, then abnormal ones, then available ones, newest first within each', () => {
    const nodes = [
      node(0, 'available'),
      node(1, 'abnormal'),
      node(2, 'available'),
      node(3, 'creating'),
      node(4, 'abnormal'),
      node(5, 'creating'),
    ];
    expect(createdOf(countDownOrder(nodes, 'gpu', 'az-1', 6))).toEqual([5, 3, 4, 1, 2, 0]);
  });

  it('goes by creation order, not by list order', () => {
    const nodes = [node(7, 'available'), node(2, 'available'), node(9, 'available')];
    expect(createdOf(countDownOrder(nodes, 'gpu', 'az-1', 2))).toEqual([9, 7]);
  });

  it('takes at most n nodes, only of the flavor and AZ asked, and never one already leaving', () => {
    const nodes = [
      node(0, 'available'),
      node(1, 'available', 'az-2'),
      node(2, 'available', 'az-1', 'cpu'),
      node(3, 'leaving'),
      node(4, 'available'),
    ];
    expect(createdOf(countDownOrder(nodes, 'gpu', 'az-1', 5))).toEqual([4, 0]);
    expect(createdOf(countDownOrder(nodes, 'gpu', 'az-1', 1))).toEqual([4]);
    expect(countDownOrder(nodes, 'gpu', 'az-1', 0)).toEqual([]);
    expect(countDownOrder(nodes, 'gpu', 'az-1', -2)).toEqual([]);
  });

  it('returns the caller’s own objects, so that a caller can map back to its nodes', () => {
    const mine = { ...node(0, 'available'), name: 'node-0' };
    expect(countDownOrder([mine], 'gpu', 'az-1', 1)[0]).toBe(mine);
  });
});

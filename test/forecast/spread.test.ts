import { describe, expect, it } from 'vitest';
import { spreadNodes } from '../../lib/forecast/spread';

// The spread's ready nodes: ⌈spread·√forecast⌉, hand-checked.

describe('the spread of ready nodes for a forecast load', () => {
  it('grows as the square root of the forecast load', () => {
    expect(spreadNodes(16, 1)).toBe(4); // √16 = 4
    expect(spreadNodes(28, 1)).toBe(6); // √28 = 5.29, rounded up
    expect(spreadNodes(9, 0.5)).toBe(2); // 0.5 · 3 = 1.5, rounded up
    expect(spreadNodes(4, 1.5)).toBe(3); // 1.5 · 2 = 3 exactly: not 4
    expect(spreadNodes(0.25, 2)).toBe(1); // 2 · 0.5 = 1
  });

  it('keeps none for no load', () => {
    expect(spreadNodes(0, 2)).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import { funnelDepth, funnelSteps, visitorsPerStep } from '../../src/domain/funnel.js';

/** Step masks: bit i is step i + 1. */
const e = (ts: number, ...steps: number[]) => ({
  ts,
  matches: steps.reduce((m, s) => m | (1 << (s - 1)), 0),
});

describe('funnelDepth: steps 1..n in order within one visit', () => {
  it('counts the steps done in order, whatever comes between them', () => {
    expect(funnelDepth([e(1, 1), e(2), e(3, 2), e(4, 3)], 3)).toBe(3);
    expect(funnelDepth([e(1, 1), e(3, 3)], 3)).toBe(1);
    expect(funnelDepth([e(1, 2), e(2, 3)], 3)).toBe(0);
  });

  it('needs the order: a later step done before an earlier one does not count', () => {
    expect(funnelDepth([e(1, 2), e(2, 1)], 2)).toBe(1);
    expect(funnelDepth([e(1, 2), e(2, 1), e(3, 2)], 2)).toBe(2);
  });

  it('takes the events of one instant in any order (a tracker batch shares its arrival time)', () => {
    expect(funnelDepth([e(5, 2), e(5, 1)], 2)).toBe(2);
    expect(funnelDepth([e(5, 3), e(5, 2), e(5, 1)], 3)).toBe(3);
    expect(funnelDepth([e(4, 2), e(5, 1)], 2)).toBe(1);
  });

  it('lets an event that matches two consecutive steps complete both', () => {
    expect(funnelDepth([e(1, 1, 2)], 2)).toBe(2);
    expect(funnelDepth([e(1, 1, 3)], 3)).toBe(1);
  });

  it('counts a step done several times once, and stops at the last step', () => {
    expect(funnelDepth([e(1, 1), e(2, 1), e(3, 1), e(4, 2), e(5, 2)], 2)).toBe(2);
    expect(funnelDepth([], 2)).toBe(0);
  });
});

describe('funnel answers', () => {
  it('counts each visitor at the deepest step one of their visits reached', () => {
    expect(visitorsPerStep([3, 1, 2, 0], 3)).toEqual([3, 2, 1]);
  });

  it('gives conversion from step 1 and drop-off from the step before, in percent with 2 decimals', () => {
    expect(funnelSteps([3, 2, 1])).toEqual([
      { visitors: 3, conversion_rate: 100, dropoff: 0, dropoff_rate: 0 },
      { visitors: 2, conversion_rate: 66.67, dropoff: 1, dropoff_rate: 33.33 },
      { visitors: 1, conversion_rate: 33.33, dropoff: 1, dropoff_rate: 50 },
    ]);
    expect(funnelSteps([0, 0])).toEqual([
      { visitors: 0, conversion_rate: 0, dropoff: 0, dropoff_rate: 0 },
      { visitors: 0, conversion_rate: 0, dropoff: 0, dropoff_rate: 0 },
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { bootstrapMeanInterval, wilsonInterval } from './confidence-intervals.js';

describe('wilsonInterval', () => {
  it.each([
    [8, 10, 0.4902, 0.9433],
    [0, 10, 0, 0.2775],
    [10, 10, 0.7225, 1],
    [50, 100, 0.4038, 0.5962],
    [1, 1, 0.2065, 1],
  ])('%i of %i gives [%f, %f] (95%%)', (successes, n, low, high) => {
    const interval = wilsonInterval(successes, n);
    expect(interval.low).toBeCloseTo(low, 4);
    expect(interval.high).toBeCloseTo(high, 4);
  });

  it('knows nothing of no trials', () => {
    expect(wilsonInterval(0, 0)).toEqual({ low: 0, high: 1 });
  });
});

describe('bootstrapMeanInterval', () => {
  const halves = Array.from({ length: 100 }, (_, index) => index % 2);

  it('is deterministic: the same values give the same interval', () => {
    expect(bootstrapMeanInterval(halves)).toEqual(bootstrapMeanInterval([...halves]));
  });

  it('is about the normal interval for a large sample: 0.5 ± 1.96·0.05', () => {
    const { low, high } = bootstrapMeanInterval(halves);
    expect(low).toBeGreaterThan(0.38);
    expect(low).toBeLessThan(0.42);
    expect(high).toBeGreaterThan(0.58);
    expect(high).toBeLessThan(0.62);
  });

  it('collapses on constant values and stays within the values', () => {
    expect(bootstrapMeanInterval([0.75, 0.75, 0.75])).toEqual({ low: 0.75, high: 0.75 });
    const { low, high } = bootstrapMeanInterval([0, 0.5, 1]);
    expect(low).toBeGreaterThanOrEqual(0);
    expect(high).toBeLessThanOrEqual(1);
    expect(low).toBeLessThan(0.5);
    expect(high).toBeGreaterThan(0.5);
  });
});

import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limiter.js';

describe('RateLimiter', () => {
  it('allows a burst, refills over time, and keeps tenants apart', () => {
    let now = 0;
    const limiter = new RateLimiter({ perMinute: 60, burst: 2 }, new Map([['vip', { perMinute: 600, burst: 10 }]]), () => now);
    expect([limiter.tryTake('a'), limiter.tryTake('a'), limiter.tryTake('a')]).toEqual([true, true, false]);
    expect(limiter.tryTake('b')).toBe(true);
    now += 1_000; // one token a second at 60/min
    expect([limiter.tryTake('a'), limiter.tryTake('a')]).toEqual([true, false]);
    expect(Array.from({ length: 10 }, () => limiter.tryTake('vip')).every(Boolean)).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { EtaEstimator, formatDuration } from './eta.js';

describe('EtaEstimator', () => {
  it('estimates from the rate since its first report, not from the start of the source', () => {
    const eta = new EtaEstimator();
    // A resumed read: the first report already stands at 40%.
    expect(eta.update(0.4, 1_000)).toBeUndefined();
    // 10% more in 2 s → the remaining 50% takes 10 s.
    expect(eta.update(0.5, 3_000)).toBeCloseTo(10_000);
    expect(eta.update(0.9, 11_000)).toBeCloseTo(2_000);
    expect(eta.update(1, 13_000)).toBe(0);
  });

  it('gives no estimate while nothing moved', () => {
    const eta = new EtaEstimator();
    eta.update(0.2, 500);
    expect(eta.update(0.2, 900)).toBeUndefined();
  });
});

describe('formatDuration', () => {
  it('writes seconds, minutes and hours compactly', () => {
    expect(formatDuration(400)).toBe('0s');
    expect(formatDuration(42_000)).toBe('42s');
    expect(formatDuration(75_000)).toBe('1m15s');
    expect(formatDuration(3_723_000)).toBe('1h02m');
  });
});

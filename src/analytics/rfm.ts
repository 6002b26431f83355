// RFM scoring (recency, frequency, monetary): each subject's value ranked among all subjects into
// quantile scores 1..q (5: quintiles). Ties share a score; a more recent subject scores higher on R,
// a more frequent or spending one higher on F and M.

import { ValidationError } from '../domain/index.js';

export interface RfmValues {
  /** Days since the subject's latest event. */
  recency: number;
  /** Number of events (or the sum of a frequency field). */
  frequency: number;
  /** Total amount. */
  monetary: number;
}

export interface RfmScores {
  r: number;
  f: number;
  m: number;
}

/**
 * Quantile score of each value: 1 + floor(q × (values strictly below) / n), so equal values share a
 * score and n distinct values spread evenly over 1..q. `higherIsBetter: false` scores the lowest
 * values highest (recency in days).
 */
export function quantileScores(values: readonly number[], q: number, higherIsBetter = true): number[] {
  if (!Number.isInteger(q) || q < 2 || q > 10)
    throw new ValidationError('the number of RFM score bands must be 2–10', { field: 'quantiles' });
  const n = values.length;
  const sorted = [...values].sort((a, b) => a - b);
  const below = (v: number): number => {
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((sorted[mid] as number) < v) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const above = (v: number): number => {
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((sorted[mid] as number) <= v) lo = mid + 1;
      else hi = mid;
    }
    return n - lo;
  };
  return values.map((v) => 1 + Math.floor((q * (higherIsBetter ? below(v) : above(v))) / n));
}

export function rfmScores(values: readonly RfmValues[], q = 5): RfmScores[] {
  const r = quantileScores(
    values.map((v) => v.recency),
    q,
    false,
  );
  const f = quantileScores(
    values.map((v) => v.frequency),
    q,
  );
  const m = quantileScores(
    values.map((v) => v.monetary),
    q,
  );
  return values.map((_, i) => ({ r: r[i] as number, f: f[i] as number, m: m[i] as number }));
}

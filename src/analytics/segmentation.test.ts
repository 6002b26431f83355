import { describe, expect, it } from 'vitest';
import { chooseClusters } from './clustering.js';
import { isSuppressed, kAnonymityOf, suppressCounts } from './k-anonymity.js';
import { quantileScores, rfmScores } from './rfm.js';
import { type SegmentationSubject, segment } from './segmentation.js';

/** A deterministic pseudo-random sequence (mulberry32), so the synthetic data is the same each run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Subjects around the given RFM centres, `size` each, with ±10 % noise. */
function blobs(centres: Array<[number, number, number]>, sizes: number[], seed = 7): SegmentationSubject[] {
  const next = random(seed);
  return centres.flatMap(([r, f, m], c) =>
    Array.from({ length: sizes[c] ?? 0 }, (_, i) => ({
      pseudonym: `p_${c}_${i}`,
      values: {
        recency: r * (0.9 + 0.2 * next()),
        frequency: f * (0.9 + 0.2 * next()),
        monetary: m * (0.9 + 0.2 * next()),
      },
    })),
  );
}

describe('RFM scores', () => {
  it('spreads distinct values evenly over the quintiles, ties sharing a score', () => {
    expect(quantileScores([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 5)).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
    expect(quantileScores([5, 5, 5, 1], 5)).toEqual([2, 2, 2, 1]);
  });

  it('scores the most recent subject highest on R and the biggest spender highest on M', () => {
    const scores = rfmScores([
      { recency: 1, frequency: 10, monetary: 900 },
      { recency: 100, frequency: 1, monetary: 10 },
      { recency: 30, frequency: 4, monetary: 300 },
      { recency: 60, frequency: 2, monetary: 50 },
      { recency: 10, frequency: 7, monetary: 600 },
    ]);
    expect(scores[0]).toEqual({ r: 5, f: 5, m: 5 });
    expect(scores[1]).toEqual({ r: 1, f: 1, m: 1 });
    expect(scores[2]).toEqual({ r: 3, f: 3, m: 3 });
  });
});

describe('k-means with k by silhouette', () => {
  it('finds the three segments of well separated synthetic customers', () => {
    const subjects = blobs(
      [
        [5, 40, 20_000],
        [200, 2, 300],
        [60, 10, 3_000],
      ],
      [40, 30, 20],
    );
    const result = segment(subjects, { kMin: 2, kMax: 8 });
    expect(result.k).toBe(3);
    expect(result.silhouettes.map((s) => s.k)).toEqual([2, 3, 4, 5, 6, 7, 8]);
    const best = Math.max(...result.silhouettes.map((s) => s.silhouette));
    expect(result.silhouettes.find((s) => s.k === 3)?.silhouette).toBe(best);
    // Segments numbered by size; each blob lands whole in one segment.
    expect(result.segments.map((s) => s.size)).toEqual([40, 30, 20]);
    const ofBlob = (c: number) =>
      new Set(result.assignments.filter((a) => a.pseudonym.startsWith(`p_${c}_`)).map((a) => a.segment));
    expect([ofBlob(0), ofBlob(1), ofBlob(2)].map((s) => [...s])).toEqual([['S1'], ['S2'], ['S3']]);
  });

  it('finds two segments when there are two', () => {
    const points = blobs(
      [
        [5, 40, 20_000],
        [200, 2, 300],
      ],
      [25, 25],
    ).map((s) => [
      Math.log1p(s.values.recency),
      Math.log1p(s.values.frequency),
      Math.log1p(s.values.monetary),
    ]);
    expect(chooseClusters(points, { kMin: 2, kMax: 6 }).k).toBe(2);
  });

  it('refuses a k range it cannot try', () => {
    expect(() => chooseClusters([[1], [2], [3]], { kMin: 1, kMax: 3 })).toThrow(/k range/);
    expect(() => chooseClusters([[1], [2]], { kMin: 2, kMax: 4 })).toThrow(/more than 2 subjects/);
  });
});

describe('k-anonymity', () => {
  it('suppresses a segment of 9 subjects with k = 10, and shows it with k = 5', () => {
    const subjects = blobs(
      [
        [5, 40, 20_000],
        [200, 2, 300],
        [60, 10, 3_000],
      ],
      [40, 30, 9],
    );
    const result = segment(subjects, { kMin: 3, kMax: 3, kAnonymity: 10 });
    const small = result.segments.find((s) => s.segment === 'S3');
    expect(small).toEqual({ segment: 'S3', size: null, isSuppressed: true, means: null, distribution: null });
    // The total is published, so one more size goes (else 79 − 40 − 30 gives the 9 back).
    expect(result.segments.map((s) => s.size)).toEqual([40, null, null]);
    expect(result.segments[1]?.means).not.toBeNull();
    const shown = segment(subjects, { kMin: 3, kMax: 3, kAnonymity: 5 });
    expect(shown.segments.map((s) => s.size)).toEqual([40, 30, 9]);
  });

  it('suppresses every distribution cell of 1..k-1 subjects, and a second one when one alone would be', () => {
    expect(suppressCounts([12, 3, 20, 0, 15], 10)).toEqual([null, null, 20, 0, 15]);
    expect(suppressCounts([12, 3, 4, 20], 10)).toEqual([12, null, null, 20]);
    expect(suppressCounts([12, 20], 10)).toEqual([12, 20]);
    expect(isSuppressed(0, 10)).toBe(false);
    expect(isSuppressed(9, 10)).toBe(true);
    expect(isSuppressed(10, 10)).toBe(false);
  });

  it('publishes no distribution cell under k in any segment', () => {
    const result = segment(
      blobs(
        [
          [5, 40, 20_000],
          [200, 2, 300],
        ],
        [37, 23],
      ),
      { kMin: 2, kMax: 2, kAnonymity: 10 },
    );
    for (const s of result.segments)
      for (const cells of Object.values(s.distribution ?? {}))
        for (const c of cells) expect(c === null || c === 0 || c >= 10).toBe(true);
  });

  it('takes k from 2 up, 10 by default', () => {
    expect(kAnonymityOf(undefined)).toBe(10);
    expect(() => kAnonymityOf(1)).toThrow(/k-anonymity/);
  });
});

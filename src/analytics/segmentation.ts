// Customer segmentation (精准营销): RFM scores, then k-means on the standardised RFM features with k
// chosen by silhouette, then profiles per segment. Pure: subjects arrive already de-identified
// (a pseudonym and numbers, nothing else), and every published table is k-anonymous.

import { mean } from 'simple-statistics';
import { ValidationError } from '../domain/index.js';
import { chooseClusters, standardise } from './clustering.js';
import { isSuppressed, kAnonymityOf, suppressCounts } from './k-anonymity.js';
import { type RfmScores, type RfmValues, rfmScores } from './rfm.js';

export interface SegmentationSubject {
  /** The subject's pseudonym (never a natural key or identifier in clear). */
  pseudonym: string;
  values: RfmValues;
}

export interface SegmentationOptions {
  kMin?: number;
  kMax?: number;
  /** Segments and cells with fewer subjects are suppressed (default 10). */
  kAnonymity?: number;
  /** RFM score bands (default 5: quintiles). */
  quantiles?: number;
}

export interface SegmentProfile {
  segment: string;
  /** Null when suppressed. */
  size: number | null;
  /** The segment has fewer than k subjects: nothing about it is shown. */
  isSuppressed: boolean;
  means: { recency: number; frequency: number; monetary: number; r: number; f: number; m: number } | null;
  /** Subjects per score 1..q of each of R, F and M; null cells are suppressed. */
  distribution: { r: Array<number | null>; f: Array<number | null>; m: Array<number | null> } | null;
}

export interface SegmentationResult {
  subjects: number;
  k: number;
  kAnonymity: number;
  quantiles: number;
  features: string[];
  silhouettes: Array<{ k: number; silhouette: number }>;
  segments: SegmentProfile[];
  /** Per subject: its segment and scores (kept for a derived dataset; never published as such). */
  assignments: Array<{ pseudonym: string; segment: string; scores: RfmScores }>;
}

export const SEGMENT_FEATURES = ['recency', 'frequency', 'monetary'] as const;

/** Segment label of cluster i (0 = largest). */
const label = (i: number) => `S${i + 1}`;

export function segment(
  subjects: readonly SegmentationSubject[],
  options: SegmentationOptions = {},
): SegmentationResult {
  const kAnonymity = kAnonymityOf(options.kAnonymity);
  const quantiles = options.quantiles ?? 5;
  for (const s of subjects)
    for (const f of SEGMENT_FEATURES)
      if (!Number.isFinite(s.values[f]) || s.values[f] < 0)
        throw new ValidationError(`${f} must be a finite number ≥ 0 for every subject`, { feature: f });
  const scores = rfmScores(
    subjects.map((s) => s.values),
    quantiles,
  );
  // log1p tames the long right tails of frequency and money before z-scores.
  const clustering = chooseClusters(
    standardiseLog(subjects.map((s) => SEGMENT_FEATURES.map((f) => s.values[f]))),
    { kMin: options.kMin ?? 2, kMax: options.kMax ?? 8 },
  );
  const members = new Map<number, number[]>();
  clustering.labels.forEach((c, i) => {
    members.set(c, [...(members.get(c) ?? []), i]);
  });
  const clusters = [...members.keys()].sort((a, b) => a - b);
  const sizes = suppressCounts(
    clusters.map((c) => members.get(c)?.length ?? 0),
    kAnonymity,
  );
  const segments = clusters.map((c, index): SegmentProfile => {
    const rows = members.get(c) ?? [];
    if (isSuppressed(rows.length, kAnonymity))
      return { segment: label(c), size: null, isSuppressed: true, means: null, distribution: null };
    const of = (pick: (i: number) => number) => mean(rows.map(pick));
    const bands = (pick: (s: RfmScores) => number) =>
      suppressCounts(
        Array.from({ length: quantiles }, (_, b) => rows.filter((i) => pick(scores[i]!) === b + 1).length),
        kAnonymity,
      );
    return {
      segment: label(c),
      size: sizes[index] ?? null,
      isSuppressed: false,
      means: {
        recency: of((i) => subjects[i]!.values.recency),
        frequency: of((i) => subjects[i]!.values.frequency),
        monetary: of((i) => subjects[i]!.values.monetary),
        r: of((i) => scores[i]!.r),
        f: of((i) => scores[i]!.f),
        m: of((i) => scores[i]!.m),
      },
      distribution: { r: bands((s) => s.r), f: bands((s) => s.f), m: bands((s) => s.m) },
    };
  });
  return {
    subjects: subjects.length,
    k: clustering.k,
    kAnonymity,
    quantiles,
    features: [...SEGMENT_FEATURES],
    silhouettes: clustering.silhouettes,
    segments,
    assignments: subjects.map((s, i) => ({
      pseudonym: s.pseudonym,
      segment: label(clustering.labels[i]!),
      scores: scores[i]!,
    })),
  };
}

function standardiseLog(rows: number[][]): number[][] {
  return standardise(rows.map((r) => r.map((v) => Math.log1p(v))));
}

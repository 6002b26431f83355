// The credit scorecard itself, free of I/O: bin every candidate variable, keep those with enough
// information value and not too correlated with a stronger one, fit a logistic regression on their
// WOE, scale to points (PDO, base points at base odds), and score rows with reason codes — the
// variables that cost the subject most points against their best bin (PIPL Art. 24 explanation).

import {
  type BinningOptions,
  type BinValue,
  binIndexer,
  binVariable,
  type MonotonicTrend,
  type VariableBinning,
} from './binning.js';
import { type Evaluation, evaluate } from './evaluation.js';
import { fitLogistic, sigmoid } from './logistic-regression.js';

export const SCORECARD_FORMAT = 'custos.scorecard/1';

export interface Scaling {
  /** Points to double the odds (good : bad). */
  pdo: number;
  /** Score at the base odds. */
  basePoints: number;
  /** Good : bad odds at the base points. */
  baseOdds: number;
}

export const DEFAULT_SCALING: Scaling = { pdo: 20, basePoints: 600, baseOdds: 50 };

export interface ScorecardBin {
  label: string;
  isMissing: boolean;
  lower?: number | null;
  upper?: number | null;
  categories?: string[];
  count: number;
  bad: number;
  good: number;
  badRate: number;
  woe: number;
  iv: number;
  points: number;
}

export interface ScorecardVariable {
  name: string;
  kind: 'numeric' | 'categorical';
  iv: number;
  coefficient: number;
  bins: ScorecardBin[];
}

export interface CandidateVariable {
  name: string;
  iv: number;
  /** Why it is not in the model: too little information, or too correlated with `with`. */
  dropped?: { reason: 'low_iv' } | { reason: 'correlated'; with: string; correlation: number };
}

/** Everything that defines a fitted scorecard (this content is what is hashed). */
export interface ScorecardDefinition {
  format: typeof SCORECARD_FORMAT;
  name: string;
  dataset: string;
  purpose: string;
  target: string;
  /** The target's value that marks a bad outcome (compared as text). */
  bad: string;
  createdBy: string;
  createdAt: string;
  scaling: Scaling & { factor: number; offset: number };
  intercept: number;
  /** Points every subject starts with: offset − factor · intercept. */
  basePoints: number;
  variables: ScorecardVariable[];
  candidates: CandidateVariable[];
  options: { minIv: number; maxCorrelation: number; binning: BinningOptions };
  training: Evaluation & { converged: boolean; iterations: number };
}

export interface FitOptions {
  scaling?: Partial<Scaling>;
  binning?: BinningOptions;
  /** Variables with less information value are left out (default 0.02, "weak" and up). */
  minIv?: number;
  /** Of two variables whose WOE columns correlate more than this (|r|), the weaker is left out (0.7). */
  maxCorrelation?: number;
  /** Keep at most this many variables (strongest first). */
  maxVariables?: number;
}

export interface TrainingData {
  /** Candidate variables: name → one value per row. */
  columns: Map<string, readonly BinValue[]>;
  /** 1 = bad, 0 = good, per row. */
  target: Uint8Array;
}

export interface Reason {
  variable: string;
  /** The bin the subject fell in (a range or set of categories of the model, not the value). */
  bin: string;
  points: number;
  /** Points below the variable's best bin. */
  shortfall: number;
}

export interface ScoredRow {
  score: number;
  probability: number;
  reasons: Reason[];
}

/** How many reasons a score carries. */
export const REASON_COUNT = 4;

/** factor = PDO / ln 2; offset = base points − factor · ln(base odds): score = offset + factor · ln(odds). */
export function scalingOf(scaling: Scaling): Scaling & { factor: number; offset: number } {
  if (!(scaling.pdo > 0) || !(scaling.baseOdds > 0))
    throw new RangeError('PDO and base odds must be positive');
  const factor = scaling.pdo / Math.LN2;
  return { ...scaling, factor, offset: scaling.basePoints - factor * Math.log(scaling.baseOdds) };
}

/** Pearson correlation of two columns (0 when one is constant). */
export function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i += 1) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i += 1) {
    const da = a[i]! - ma;
    const db = b[i]! - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return saa === 0 || sbb === 0 ? 0 : sab / Math.sqrt(saa * sbb);
}

/** The WOE column of a variable for the given rows. */
export function woeColumn(
  binning: Pick<VariableBinning, 'kind' | 'bins'>,
  values: readonly BinValue[],
): Float64Array {
  const index = binIndexer(binning);
  const woes = binning.bins.map((b) => b.woe);
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i += 1) out[i] = woes[index(values[i])]!;
  return out;
}

/** Fits a scorecard: binning, selection by IV and correlation, logistic regression, points. */
export function fitScorecard(
  data: TrainingData,
  meta: Pick<
    ScorecardDefinition,
    'name' | 'dataset' | 'purpose' | 'target' | 'bad' | 'createdBy' | 'createdAt'
  >,
  options: FitOptions = {},
): ScorecardDefinition {
  const minIv = options.minIv ?? 0.02;
  const maxCorrelation = options.maxCorrelation ?? 0.7;
  const binning = options.binning ?? {};
  const y = data.target;
  let bads = 0;
  for (const v of y) bads += v;
  if (bads === 0 || bads === y.length)
    throw new RangeError('the training data needs both bad and good outcomes');

  const binned = [...data.columns.entries()].map(([name, values]) => binVariable(name, values, y, binning));
  // Strongest first; ties by name so the model does not depend on column order.
  binned.sort((a, b) => b.iv - a.iv || a.variable.localeCompare(b.variable));
  const candidates: CandidateVariable[] = [];
  const kept: Array<{ binning: VariableBinning; woe: Float64Array }> = [];
  for (const b of binned) {
    if (b.iv < minIv) {
      candidates.push({ name: b.variable, iv: b.iv, dropped: { reason: 'low_iv' } });
      continue;
    }
    const woe = woeColumn(b, data.columns.get(b.variable)!);
    const clash = kept
      .map((k) => ({ with: k.binning.variable, correlation: correlation(k.woe, woe) }))
      .find((c) => Math.abs(c.correlation) > maxCorrelation);
    if (clash) {
      candidates.push({ name: b.variable, iv: b.iv, dropped: { reason: 'correlated', ...clash } });
      continue;
    }
    if (options.maxVariables !== undefined && kept.length >= options.maxVariables) {
      candidates.push({ name: b.variable, iv: b.iv, dropped: { reason: 'low_iv' } });
      continue;
    }
    candidates.push({ name: b.variable, iv: b.iv });
    kept.push({ binning: b, woe });
  }
  if (kept.length === 0) throw new RangeError(`no variable reaches the minimum information value ${minIv}`);

  const model = fitLogistic(
    kept.map((k) => k.woe),
    y,
  );
  const scaling = scalingOf({ ...DEFAULT_SCALING, ...options.scaling });
  // score = offset + factor · ln(good/bad odds) = offset − factor · (b0 + Σ bj · WOEj).
  const variables: ScorecardVariable[] = kept.map((k, j) => {
    const coefficient = model.coefficients[j]!;
    return {
      name: k.binning.variable,
      kind: k.binning.kind,
      iv: k.binning.iv,
      coefficient,
      bins: k.binning.bins.map((bin) => ({ ...bin, points: -scaling.factor * coefficient * bin.woe })),
    };
  });
  const risk = new Float64Array(y.length);
  for (let i = 0; i < y.length; i += 1) {
    let z = model.intercept;
    for (let j = 0; j < kept.length; j += 1) z += model.coefficients[j]! * kept[j]!.woe[i]!;
    risk[i] = z;
  }
  return {
    format: SCORECARD_FORMAT,
    ...meta,
    scaling,
    intercept: model.intercept,
    basePoints: scaling.offset - scaling.factor * model.intercept,
    variables,
    candidates,
    options: { minIv, maxCorrelation, binning },
    training: { ...evaluate(risk, y), converged: model.converged, iterations: model.iterations },
  };
}

/** A compiled scorer: per variable, value → bin index, and the points and WOE of each bin. */
export interface Scorer {
  variables: string[];
  score(row: Record<string, unknown>): ScoredRow;
}

export function scorerOf(definition: ScorecardDefinition): Scorer {
  // Variables in name order, so equal shortfalls list their reasons by name.
  const parts = [...definition.variables]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((v) => {
      // The best bin among those training saw (an empty missing bin is neutral, not a target).
      const seen = v.bins.filter((b) => b.count > 0);
      const best = Math.max(...(seen.length > 0 ? seen : v.bins).map((b) => b.points));
      return {
        name: v.name,
        index: binIndexer(v),
        bins: v.bins,
        weights: Float64Array.from(v.bins.map((b) => v.coefficient * b.woe)),
        points: Float64Array.from(v.bins.map((b) => b.points)),
        best,
      };
    });
  const n = parts.length;
  // Per-row scratch: a scorer scores one row at a time (synchronously), so these are reused.
  const chosen = new Int32Array(n);
  const shortfalls = new Float64Array(n);
  return {
    variables: parts.map((p) => p.name),
    score(row) {
      let z = definition.intercept;
      let points = definition.basePoints;
      for (let j = 0; j < n; j += 1) {
        const part = parts[j]!;
        const i = part.index(row[part.name]);
        chosen[j] = i;
        z += part.weights[i]!;
        points += part.points[i]!;
        shortfalls[j] = part.best - part.points[i]!;
      }
      // The REASON_COUNT largest shortfalls (above rounding noise), largest first: a few passes
      // over the variables instead of sorting them for every row.
      const reasons: Reason[] = [];
      while (reasons.length < REASON_COUNT) {
        let top = -1;
        for (let j = 0; j < n; j += 1)
          if (shortfalls[j]! > 1e-9 && (top < 0 || shortfalls[j]! > shortfalls[top]!)) top = j;
        if (top < 0) break;
        const part = parts[top]!;
        const bin = part.bins[chosen[top]!]!;
        reasons.push({
          variable: part.name,
          bin: bin.label,
          points: round2(bin.points),
          shortfall: round2(shortfalls[top]!),
        });
        shortfalls[top] = 0;
      }
      // points = offset − factor · z exactly, so the score and the probability always agree.
      return { score: Math.round(points), probability: sigmoid(z), reasons };
    },
  };
}

const round2 = (v: number) => Math.round(v * 100) / 100;

/** The scorecard table: one row per variable and bin with its points (rounded for people). */
export function scorecardTable(definition: ScorecardDefinition): Array<{
  variable: string;
  bin: string;
  count: number;
  badRate: number;
  woe: number;
  points: number;
}> {
  return [
    {
      variable: '(base)',
      bin: '',
      count: definition.training.rows,
      badRate: definition.training.bads / definition.training.rows,
      woe: 0,
      points: round2(definition.basePoints),
    },
    ...definition.variables.flatMap((v) =>
      v.bins.map((b) => ({
        variable: v.name,
        bin: b.label,
        count: b.count,
        badRate: b.badRate,
        woe: b.woe,
        points: round2(b.points),
      })),
    ),
  ];
}

export type { MonotonicTrend };

import { describe, expect, it } from 'vitest';
import { binIndexer, binVariable, chiSquare, weightOfEvidence } from './binning.js';
import { auc, curves, evaluate, gini, psi, psiFromCounts } from './evaluation.js';
import { fitLogistic, sigmoid } from './logistic-regression.js';
import { hashDefinition } from './model-registry.js';
import { fitScorecard, scalingOf, scorecardTable, scorerOf } from './scorecard.js';

/** Rows of (value, bad) repeated: `table([['A', 2, 8]])` = 2 bads and 8 goods with value A. */
function table(rows: Array<[string | number | null, number, number]>) {
  const values: Array<string | number | null> = [];
  const target: number[] = [];
  for (const [value, bad, good] of rows) {
    for (let i = 0; i < bad; i += 1) {
      values.push(value);
      target.push(1);
    }
    for (let i = 0; i < good; i += 1) {
      values.push(value);
      target.push(0);
    }
  }
  return { values, target: Uint8Array.from(target) };
}

describe('weight of evidence and information value', () => {
  it('matches the hand-computed WOE and IV of a two-category table', () => {
    // A: 2 bad / 8 good, B: 8 bad / 2 good; 10 bads and 10 goods in all.
    // WOE A = ln(0.2/0.8) = −1.386294, WOE B = ln(0.8/0.2) = 1.386294,
    // IV = (0.2−0.8)(−1.386294) + (0.8−0.2)(1.386294) = 1.663553.
    const { values, target } = table([
      ['A', 2, 8],
      ['B', 8, 2],
    ]);
    const b = binVariable('x', values, target);
    expect(b.kind).toBe('categorical');
    expect(b.bins.map((x) => x.label)).toEqual(['{A}', '{B}', 'missing']);
    expect(b.bins[0]!.woe).toBeCloseTo(Math.log(0.25), 10);
    expect(b.bins[1]!.woe).toBeCloseTo(Math.log(4), 10);
    expect(b.bins[0]!.iv).toBeCloseTo(0.831777, 6);
    expect(b.iv).toBeCloseTo(1.663553, 6);
    expect(b.bins[2]!.count).toBe(0);
    expect(b.bins[2]!.woe).toBe(0);
  });

  it('keeps missing values in their own bin with its own WOE', () => {
    // Numeric 1..3 (3 bad / 12 good each side) and missing (6 bad / 2 good).
    const { values, target } = table([
      [1, 1, 9],
      [2, 1, 9],
      [3, 9, 1],
      [null, 6, 2],
    ]);
    const b = binVariable('x', values, target);
    const missing = b.bins.find((x) => x.isMissing)!;
    expect(missing.count).toBe(8);
    // 17 bads, 21 goods: ln((6/17)/(2/21))
    expect(missing.woe).toBeCloseTo(Math.log(6 / 17 / (2 / 21)), 10);
    // 1 and 2 do not differ (χ² = 0): merged; 3 differs strongly.
    expect(b.bins.filter((x) => !x.isMissing).map((x) => x.label)).toEqual(['[-inf, 3)', '[3, inf)']);
    const index = binIndexer(b);
    expect(index(2.5)).toBe(0);
    expect(index(3)).toBe(1);
    expect(index(null)).toBe(2);
    expect(index('unexpected')).toBe(2);
  });

  it('gives a finite WOE to a bin without bads (0.5 in place of the zero)', () => {
    expect(weightOfEvidence(0, 10, 20, 40)).toBeCloseTo(Math.log(0.5 / 20 / (10 / 40)), 10);
  });

  it('computes the χ² of a 2×2 table', () => {
    // [[2,8],[8,2]]: expected 5 everywhere, χ² = 4 · 9/5 = 7.2
    expect(chiSquare({ bad: 2, good: 8 }, { bad: 8, good: 2 })).toBeCloseTo(7.2, 10);
  });

  it('merges a bin below the minimum share into a neighbour', () => {
    // The 3 % class would stay its own bin without the 5 % rule (and without χ² merging).
    const { values, target } = table([
      [1, 10, 40],
      [2, 2, 1],
      [3, 30, 17],
    ]);
    const kept = binVariable('x', values, target, { minBinShare: 0, chiSquareThreshold: 0 });
    expect(kept.bins.some((b) => b.count === 3)).toBe(true);
    const merged = binVariable('x', values, target);
    expect(merged.bins.filter((b) => !b.isMissing).every((b) => b.count >= 0.05 * 100)).toBe(true);
  });

  it('forces a monotonic bad rate when asked', () => {
    const { values, target } = table([
      [1, 5, 45],
      [2, 30, 20],
      [3, 10, 40],
      [4, 40, 10],
    ]);
    const free = binVariable('x', values, target);
    const rates = (b: typeof free) => b.bins.filter((x) => !x.isMissing).map((x) => x.badRate);
    const isAscending = (r: number[]) => r.every((v, i) => i === 0 || v >= r[i - 1]!);
    expect(isAscending(rates(free))).toBe(false);
    const mono = binVariable('x', values, target, { monotonicTrend: 'ascending' });
    expect(isAscending(rates(mono))).toBe(true);
    expect(isAscending(rates(binVariable('x', values, target, { monotonicTrend: 'auto' })))).toBe(true);
  });
});

describe('evaluation', () => {
  const risk = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4];
  const bad = [1, 1, 0, 1, 0, 0];

  it('computes AUC, Gini and KS of a small sample', () => {
    // bads outrank goods in 8 of 9 pairs; cumulative bad/good shares peak apart at 2/3.
    expect(auc(risk, bad)).toBeCloseTo(8 / 9, 12);
    expect(gini(8 / 9)).toBeCloseTo(7 / 9, 12);
    expect(curves(risk, bad).ks).toBeCloseTo(2 / 3, 12);
    const e = evaluate(risk, bad);
    expect(e.roc[0]).toEqual({ x: 0, y: 0 });
    expect(e.roc.at(-1)).toEqual({ x: 1, y: 1 });
    expect(e.ksCurve).toHaveLength(7);
  });

  it('counts ties as half', () => {
    expect(auc([0.5, 0.5], [1, 0])).toBe(0.5);
    expect(auc([0.5, 0.5, 0.1], [1, 0, 0])).toBe(0.75);
  });

  it('computes PSI from counts and from two samples', () => {
    // (0.25−0.5)·ln(0.5) + (0.75−0.5)·ln(1.5)
    expect(psiFromCounts([50, 50], [25, 75])).toBeCloseTo(0.25 * Math.log(2) + 0.25 * Math.log(1.5), 12);
    const same = Array.from({ length: 1000 }, (_, i) => i);
    expect(psi(same, same)).toBe(0);
    expect(
      psi(
        same,
        same.map((v) => v + 300),
      ),
    ).toBeGreaterThan(0.25);
  });
});

describe('logistic regression', () => {
  it('reaches the maximum-likelihood point (score equations are zero)', () => {
    const n = 2000;
    const x1 = new Float64Array(n);
    const x2 = new Float64Array(n);
    const y = new Uint8Array(n);
    let seed = 7;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    for (let i = 0; i < n; i += 1) {
      x1[i] = rand() * 2 - 1;
      x2[i] = rand() * 2 - 1;
      y[i] = rand() < sigmoid(-0.5 + 1.5 * x1[i]! - 2 * x2[i]!) ? 1 : 0;
    }
    const fit = fitLogistic([x1, x2], y);
    expect(fit.converged).toBe(true);
    const gradient = [0, 0, 0];
    for (let i = 0; i < n; i += 1) {
      const r =
        y[i]! - sigmoid(fit.intercept + fit.coefficients[0]! * x1[i]! + fit.coefficients[1]! * x2[i]!);
      gradient[0]! += r;
      gradient[1]! += r * x1[i]!;
      gradient[2]! += r * x2[i]!;
    }
    for (const g of gradient) expect(Math.abs(g)).toBeLessThan(1e-6);
    expect(fit.coefficients[0]).toBeGreaterThan(1);
    expect(fit.coefficients[1]).toBeLessThan(-1.4);
  });
});

describe('points scaling and reason codes', () => {
  it('derives factor and offset from PDO, base points and base odds', () => {
    const s = scalingOf({ pdo: 20, basePoints: 600, baseOdds: 50 });
    expect(s.factor).toBeCloseTo(20 / Math.LN2, 12);
    expect(s.offset).toBeCloseTo(600 - (20 / Math.LN2) * Math.log(50), 12);
    // Odds 50 → 600 points; odds 100 → 620.
    expect(s.offset + s.factor * Math.log(50)).toBeCloseTo(600, 10);
    expect(s.offset + s.factor * Math.log(100)).toBeCloseTo(620, 10);
  });

  const data = () => {
    const a = table([
      ['low', 5, 95],
      ['mid', 20, 80],
      ['high', 50, 50],
    ]);
    // A second variable, independent of the first: numbers whose high end is riskier.
    const b = a.values.map((_, i) => (i * 7919) % 100);
    const target = a.target.slice();
    for (let i = 0; i < target.length; i += 1) if (b[i]! > 90 && i % 3 === 0) target[i] = 1;
    return {
      columns: new Map<string, Array<string | number | null>>([
        ['grade', a.values],
        ['usage', b],
      ]),
      target,
    };
  };
  const meta = {
    name: 't',
    dataset: 'loans',
    purpose: 'credit_assessment',
    target: 'status',
    bad: 'bad',
    createdBy: 'ana',
    createdAt: '2026-01-01T00:00:00.000Z',
  };

  it('scores so that points and probability agree with the scaling', () => {
    const model = fitScorecard(data(), meta, { minIv: 0 });
    const scorer = scorerOf(model);
    for (const grade of ['low', 'mid', 'high', null]) {
      for (const usage of [5, 50, 95]) {
        const r = scorer.score({ grade, usage });
        const expected =
          model.scaling.offset + model.scaling.factor * Math.log((1 - r.probability) / r.probability);
        expect(Math.abs(r.score - expected)).toBeLessThanOrEqual(0.5);
      }
    }
    const table = scorecardTable(model);
    expect(table[0]!.variable).toBe('(base)');
  });

  it('names the variables that cost the subject most points against their best bin', () => {
    const model = fitScorecard(data(), meta, { minIv: 0 });
    const scorer = scorerOf(model);
    const best = scorer.score({ grade: 'low', usage: 5 });
    const worst = scorer.score({ grade: 'high', usage: 5 });
    expect(best.reasons.find((r) => r.variable === 'grade')).toBeUndefined();
    const reason = worst.reasons.find((r) => r.variable === 'grade')!;
    expect(reason.bin).toBe('{high}');
    const grade = model.variables.find((v) => v.name === 'grade')!;
    const maxPoints = Math.max(...grade.bins.filter((b) => b.count > 0).map((b) => b.points));
    const highPoints = grade.bins.find((b) => b.label === '{high}')!.points;
    expect(reason.shortfall).toBeCloseTo(maxPoints - highPoints, 2);
    expect(worst.score).toBeLessThan(best.score);
  });

  it('hashes the definition with SHA-256 and SM3, stable across a JSON round trip', () => {
    const model = fitScorecard(data(), meta, { minIv: 0 });
    const h = hashDefinition(model);
    expect(h.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(h.sm3).toMatch(/^[0-9a-f]{64}$/);
    expect(hashDefinition(JSON.parse(JSON.stringify(model)))).toEqual(h);
    expect(hashDefinition({ ...model, intercept: model.intercept + 1e-9 }).sha256).not.toBe(h.sha256);
  });
});

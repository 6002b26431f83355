// Credit scorecard: fit on 100,000 synthetic rows × 20 variables (15 numeric, 5 categorical), then
// score 1,000,000 rows (ten fresh batches of 100,000) with reason codes, beside a raw baseline in
// the same run: the same bin lookups (binary search over the cuts, a Map for categories) and WOE ×
// coefficient dot products in a plain loop over typed arrays, without reasons. Then accuracy: on
// the German credit data held out from training, the scorecard's AUC against scikit-learn's
// LogisticRegression (no penalty) fitted on the same WOE-binned features, when python3 and
// sklearn are installed (Debian: python3-sklearn); otherwise it says it could not compare.
// CUSTOS_BENCH_SCORECARD_ROWS sets the training rows.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  auc,
  type BinValue,
  fitScorecard,
  type ScorecardDefinition,
  scorerOf,
  sigmoid,
  woeColumn,
} from '../src/analytics/index.js';
import { germanSplit } from '../test/support/german-credit.js';
import type { Benchmark, BenchResult } from './result.js';

const TRAIN_ROWS = Number(process.env.CUSTOS_BENCH_SCORECARD_ROWS ?? 100_000);
const SCORE_BATCH = 100_000;
const SCORE_BATCHES = 10;
const NUMERIC = 15;
const CATEGORICAL = 5;
const CATEGORIES = ['A', 'B', 'C', 'D', 'E', 'F'];

/** A small deterministic generator (mulberry32) so every run fits the same data. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const names = [
  ...Array.from({ length: NUMERIC }, (_, i) => `x${i + 1}`),
  ...Array.from({ length: CATEGORICAL }, (_, i) => `c${i + 1}`),
];

/** Columns of synthetic applicants and their outcome: risk rises with some variables, 2 % missing. */
function synthetic(rows: number, seed: number): { columns: Map<string, BinValue[]>; target: Uint8Array } {
  const random = generator(seed);
  const columns = new Map<string, BinValue[]>(names.map((n) => [n, new Array<BinValue>(rows)]));
  const target = new Uint8Array(rows);
  for (let r = 0; r < rows; r += 1) {
    let z = -2.2;
    for (let i = 0; i < NUMERIC; i += 1) {
      const v = Math.round(random() * 1000) / 10;
      const missing = random() < 0.02;
      columns.get(`x${i + 1}`)![r] = missing ? null : v;
      // Most numeric variables carry signal, of decreasing strength.
      if (!missing && i < 12) z += ((v - 50) / 50) * (0.8 / Math.sqrt(i + 1));
    }
    for (let i = 0; i < CATEGORICAL; i += 1) {
      const k = Math.floor(random() * CATEGORIES.length);
      columns.get(`c${i + 1}`)![r] = CATEGORIES[k]!;
      if (i < 4) z += (k - 2.5) * (0.2 / Math.sqrt(i + 1));
    }
    target[r] = random() < sigmoid(z) ? 1 : 0;
  }
  return { columns, target };
}

const rowsOf = (columns: Map<string, BinValue[]>, count: number) =>
  Array.from({ length: count }, (_, r) => {
    const row: Record<string, BinValue> = {};
    for (const [name, values] of columns) row[name] = values[r]!;
    return row;
  });

/** The raw baseline: per variable a bin-index array (same lookups), then WOE · coefficient sums. */
function rawScore(definition: ScorecardDefinition, columns: Map<string, BinValue[]>, count: number): number {
  const parts = definition.variables.map((v) => {
    const missing = v.bins.findIndex((b) => b.isMissing);
    const ordered = v.bins.filter((b) => !b.isMissing);
    const cuts = Float64Array.from(ordered.slice(1).map((b) => b.lower ?? Number.NEGATIVE_INFINITY));
    const byCategory = new Map<string, number>();
    v.bins.forEach((b, i) => {
      for (const c of b.categories ?? []) byCategory.set(c, i);
    });
    const weights = Float64Array.from(v.bins.map((b) => b.woe * v.coefficient));
    return { values: columns.get(v.name)!, kind: v.kind, cuts, byCategory, missing, weights };
  });
  let checksum = 0;
  for (let r = 0; r < count; r += 1) {
    let z = definition.intercept;
    for (const p of parts) {
      const value = p.values[r];
      let bin = p.missing;
      if (p.kind === 'numeric') {
        if (typeof value === 'number') {
          let lo = 0;
          let hi = p.cuts.length;
          while (lo < hi) {
            const mid = (lo + hi) >>> 1;
            if (p.cuts[mid]! <= value) lo = mid + 1;
            else hi = mid;
          }
          bin = lo;
        }
      } else if (value !== null) bin = p.byCategory.get(value as string) ?? p.missing;
      z += p.weights[bin]!;
    }
    checksum += 1 / (1 + Math.exp(-z));
  }
  return checksum;
}

function findPython(): string | undefined {
  for (const candidate of ['python3', '/usr/bin/python3']) {
    const probe = spawnSync(candidate, ['-c', 'import sklearn'], { encoding: 'utf8' });
    if (probe.status === 0) return candidate;
  }
  return undefined;
}

/** Held-out AUC of the scorecard and of sklearn's logistic regression on the same WOE features. */
function accuracy(): BenchResult[] {
  const { train, test } = germanSplit();
  const variables = Object.keys(train[0]!).filter((k) => k !== 'creditability');
  const columnsOf = (rows: typeof train) =>
    new Map(variables.map((v) => [v, rows.map((r) => (r[v] ?? null) as BinValue)] as const));
  const isBad = (rows: typeof train) => Uint8Array.from(rows, (r) => (r.creditability === 'bad' ? 1 : 0));
  const trainColumns = columnsOf(train);
  const testColumns = columnsOf(test);
  const definition = fitScorecard(
    { columns: trainColumns, target: isBad(train) },
    {
      name: 'german',
      dataset: 'german',
      purpose: 'credit_assessment',
      target: 'creditability',
      bad: 'bad',
      createdBy: 'bench',
      createdAt: new Date(0).toISOString(),
    },
  );
  const scorer = scorerOf(definition);
  const ours = auc(
    test.map((r) => scorer.score(r).probability),
    isBad(test),
  );
  const python = findPython();
  const name = 'held-out AUC on German credit (scorecard vs sklearn LogisticRegression on the same WOE)';
  if (!python)
    return [
      {
        name,
        value: ours,
        unit: 'AUC',
        note: 'could not compare: python3 with scikit-learn is not installed (apt-get install python3-sklearn)',
      },
    ];
  const dir = mkdtempSync(path.join(tmpdir(), 'custos-bench-scorecard-'));
  try {
    const write = (file: string, columns: Map<string, BinValue[]>, y: Uint8Array) => {
      const woe = definition.variables.map((v) => woeColumn(v, columns.get(v.name)!));
      const lines = [[...definition.variables.map((v) => v.name), 'y'].join(',')];
      for (let r = 0; r < y.length; r += 1) lines.push([...woe.map((c) => c[r]), y[r]].join(','));
      writeFileSync(path.join(dir, file), `${lines.join('\n')}\n`);
    };
    write('train.csv', trainColumns, isBad(train));
    write('test.csv', testColumns, isBad(test));
    const run = spawnSync(python, [path.join(import.meta.dirname, 'scorecard_sklearn.py'), dir], {
      encoding: 'utf8',
    });
    if (run.status !== 0)
      return [
        {
          name,
          value: ours,
          unit: 'AUC',
          note: `could not compare: sklearn script failed: ${run.stderr.trim()}`,
        },
      ];
    const theirs = Number(JSON.parse(run.stdout).auc);
    const delta = ours - theirs;
    return [
      {
        name,
        value: ours,
        unit: 'AUC',
        baseline: { name: 'sklearn', value: theirs },
        ratio: ours / theirs,
        target: '|ΔAUC| ≤ 0.01',
        isTargetMet: Math.abs(delta) <= 0.01,
        note: `ΔAUC ${delta >= 0 ? '+' : ''}${delta.toFixed(4)}; ${definition.variables.length} variables; sklearn ${JSON.parse(run.stdout).version}`,
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const benchmark: Benchmark = {
  area: 'scorecard',
  async run(): Promise<BenchResult[]> {
    const results: BenchResult[] = [];
    const training = synthetic(TRAIN_ROWS, 2026);
    const fitStart = performance.now();
    const definition = fitScorecard(training, {
      name: 'bench',
      dataset: 'bench',
      purpose: 'credit_assessment',
      target: 'y',
      bad: '1',
      createdBy: 'bench',
      createdAt: new Date(0).toISOString(),
    });
    const fitSeconds = (performance.now() - fitStart) / 1000;
    results.push({
      name: `fit (${TRAIN_ROWS.toLocaleString('en-US')} rows × ${names.length} variables: binning, selection, IRLS, points)`,
      value: TRAIN_ROWS / fitSeconds,
      unit: 'rows/s',
      note: `${fitSeconds.toFixed(2)} s; ${definition.variables.length} variables kept; training AUC ${definition.training.auc.toFixed(3)}`,
    });

    const scorer = scorerOf(definition);
    let custosMs = 0;
    let rawMs = 0;
    let sink = 0;
    for (let batch = 0; batch < SCORE_BATCHES; batch += 1) {
      const data = synthetic(SCORE_BATCH, 7000 + batch);
      const rows = rowsOf(data.columns, SCORE_BATCH);
      let start = performance.now();
      for (const row of rows) sink += scorer.score(row).probability;
      custosMs += performance.now() - start;
      start = performance.now();
      sink -= rawScore(definition, data.columns, SCORE_BATCH);
      rawMs += performance.now() - start;
    }
    if (Math.abs(sink) > 1e-3) throw new Error(`the scorer and the raw loop disagree (Σ difference ${sink})`);
    const total = SCORE_BATCH * SCORE_BATCHES;
    const custosRate = total / (custosMs / 1000);
    const rawRate = total / (rawMs / 1000);
    results.push({
      name: `score ${total.toLocaleString('en-US')} rows with reason codes`,
      value: custosRate,
      unit: 'rows/s',
      baseline: { name: 'plain loop of the same WOE lookups and dot products (no reasons)', value: rawRate },
      ratio: custosRate / rawRate,
    });
    results.push(...accuracy());
    return results;
  },
};

// Claims benchmark: chain ladder from 1,000,000 incremental claim rows (20 origins × 20 calendar
// periods) through `reserveFromRows` (triangle building, k-anonymity bookkeeping, factors,
// ultimates) beside a raw baseline in the same run: the same sums into a Float64Array triangle and
// the same volume-weighted factors in plain loops.

import { reserveFromRows, type TriangleRow } from '../src/analytics/index.js';
import type { Benchmark, BenchResult } from './result.js';

const ROWS = 1_000_000;
const ORIGINS = 20;

function best(fn: () => void, runs = 3): number {
  let fastest = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    fn();
    fastest = Math.min(fastest, performance.now() - start);
  }
  return fastest;
}

export const benchmark: Benchmark = {
  area: 'claims',
  async run(): Promise<BenchResult[]> {
    let seed = 7;
    const next = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const rows: TriangleRow[] = Array.from({ length: ROWS }, () => {
      const origin = 2000 + Math.floor(next() * ORIGINS);
      const lag = Math.floor(next() ** 2 * (2000 + ORIGINS - 1 - origin + 1));
      return {
        origin: String(origin),
        development: String(origin + lag),
        value: 100 + next() * 900,
        count: 1,
      };
    });
    let ibnr = 0;
    const ours = best(() => {
      ibnr = reserveFromRows(rows, { isCumulative: false, kAnonymity: 10 }).totals.ibnr;
    });
    let rawIbnr = 0;
    const raw = best(() => {
      const cells = new Float64Array(ORIGINS * ORIGINS);
      for (const r of rows) {
        const o = Number(r.origin) - 2000;
        cells[o * ORIGINS + (Number(r.development) - Number(r.origin))]! += r.value;
      }
      for (let o = 0; o < ORIGINS; o++)
        for (let j = 1; j < ORIGINS - o; j++) cells[o * ORIGINS + j]! += cells[o * ORIGINS + j - 1]!;
      const f: number[] = [];
      for (let j = 0; j < ORIGINS - 1; j++) {
        let num = 0;
        let den = 0;
        for (let o = 0; o < ORIGINS - 1 - j; o++) {
          num += cells[o * ORIGINS + j + 1]!;
          den += cells[o * ORIGINS + j]!;
        }
        f.push(den === 0 ? 1 : num / den);
      }
      rawIbnr = 0;
      for (let o = 0; o < ORIGINS; o++) {
        const latest = cells[o * ORIGINS + ORIGINS - 1 - o]!;
        let cdf = 1;
        for (let j = ORIGINS - 1 - o; j < ORIGINS - 1; j++) cdf *= f[j]!;
        rawIbnr += latest * (cdf - 1);
      }
    });
    const rate = (ROWS * 1000) / ours;
    const rawRate = (ROWS * 1000) / raw;
    return [
      {
        name: 'chain ladder from claim rows',
        value: rate,
        unit: 'rows/s',
        baseline: { name: 'plain loops over a Float64Array triangle', value: rawRate },
        ratio: rate / rawRate,
        note: `IBNR ${Math.round(ibnr)} vs baseline ${Math.round(rawIbnr)}`,
      },
    ];
  },
};

// Chain ladder (Mack 1993's volume-weighted development factors): f_j = Σ_i C(i,j+1) / Σ_i C(i,j)
// over origins observed at both ages; ultimate = latest × the factors from the origin's latest age
// on (no tail beyond the triangle); IBNR = ultimate − latest.

import type { Triangle } from './triangle.js';

export interface OriginReserve {
  origin: string;
  /** The latest cumulative value on the diagonal. */
  latest: number;
  /** Index of that latest age. */
  age: number;
  /** Cumulative development factor from the latest age to ultimate. */
  cdf: number;
  ultimate: number;
  ibnr: number;
}

export interface ChainLadder {
  ldfs: number[];
  origins: OriginReserve[];
  totals: { latest: number; ultimate: number; ibnr: number };
}

export function developmentFactors(triangle: Triangle): number[] {
  return triangle.ages.slice(0, -1).map((_, j) => {
    let numerator = 0;
    let denominator = 0;
    for (const row of triangle.cumulative) {
      const now = row[j];
      const next = row[j + 1];
      if (now === null || now === undefined || next === null || next === undefined) continue;
      numerator += next;
      denominator += now;
    }
    // Nothing observed at this age yet (or only zeros): no development is assumed.
    return denominator === 0 ? 1 : numerator / denominator;
  });
}

export function chainLadder(triangle: Triangle): ChainLadder {
  const ldfs = developmentFactors(triangle);
  const origins = triangle.cumulative.map((row, i): OriginReserve => {
    let age = row.length - 1;
    while (age > 0 && row[age] === null) age -= 1;
    const latest = row[age] ?? 0;
    const cdf = ldfs.slice(age).reduce((p, f) => p * f, 1);
    const ultimate = latest * cdf;
    return { origin: triangle.origins[i] as string, latest, age, cdf, ultimate, ibnr: ultimate - latest };
  });
  return { ldfs, origins, totals: totalsOf(origins) };
}

export function totalsOf(origins: ReadonlyArray<{ latest: number; ultimate: number; ibnr: number }>) {
  return origins.reduce(
    (t, o) => ({ latest: t.latest + o.latest, ultimate: t.ultimate + o.ultimate, ibnr: t.ibnr + o.ibnr }),
    { latest: 0, ultimate: 0, ibnr: 0 },
  );
}

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bornhuetterFerguson } from './bornhuetter-ferguson.js';
import { chainLadder } from './chain-ladder.js';
import { type ClaimRow, cycleTimes, lossRatios } from './claims-experience.js';
import { reserveFromRows } from './claims-service.js';
import { buildTriangle, readTriangleCsv, type TriangleRow } from './triangle.js';

const RAA_CSV = path.resolve(import.meta.dirname, '../../test/analytics/fixtures/raa.csv');
const RAA_COLUMNS = { origin: 'origin', development: 'development', value: 'values' };

describe('chain ladder on the RAA triangle (Mack 1993; R ChainLadder::RAA)', () => {
  const result = reserveFromRows(readTriangleCsv(RAA_CSV, RAA_COLUMNS), { isCumulative: true });

  it('gives the published volume-weighted development factors', () => {
    expect(result.ldfs.map((f) => Number(f.toFixed(3)))).toEqual([
      2.999, 1.624, 1.271, 1.172, 1.113, 1.042, 1.033, 1.017, 1.009,
    ]);
  });

  it('gives the published IBNR per origin and in total (52,135)', () => {
    expect(result.origins.map((o) => Math.round(o.ibnr ?? Number.NaN))).toEqual([
      0, 154, 617, 1636, 2747, 3649, 5435, 10907, 10650, 16339,
    ]);
    expect(Math.round(result.totals.ibnr)).toBe(52135);
    expect(result.origins[9]).toMatchObject({ origin: '1990', latest: 2063 });
    expect(result.origins[9]?.ultimate).toBeCloseTo(18402.4, 0);
  });

  it('gives the same reserves from the incremental triangle with development ages', () => {
    const cumulative = buildTriangle(readTriangleCsv(RAA_CSV, RAA_COLUMNS), { isCumulative: true });
    const rows: TriangleRow[] = cumulative.incremental.flatMap((row, i) =>
      row.flatMap((v, j) =>
        v === null
          ? []
          : [{ origin: cumulative.origins[i] as string, development: String((j + 1) * 12), value: v }],
      ),
    );
    const incremental = reserveFromRows(rows, { isCumulative: false });
    expect(incremental.ldfs).toEqual(result.ldfs.map((f) => expect.closeTo(f, 12)));
    expect(incremental.totals.ibnr).toBeCloseTo(result.totals.ibnr, 6);
    expect(incremental.triangle.ages).toEqual(['12', '24', '36', '48', '60', '72', '84', '96', '108', '120']);
    // Read as incremental, the cumulative rows give different (wrong) factors: the flag matters.
    expect(
      reserveFromRows(readTriangleCsv(RAA_CSV, RAA_COLUMNS), { isCumulative: false }).ldfs[0],
    ).not.toBeCloseTo(result.ldfs[0] as number, 2);
  });
});

describe('Bornhuetter–Ferguson (hand-checked)', () => {
  // Cumulative: 2021: 100, 150, 165 · 2022: 110, 168 · 2023: 120.
  // f1 = (150 + 168) / (100 + 110) = 1.514286, f2 = 165 / 150 = 1.1.
  // CDF: 2023 = 1.665714, 2022 = 1.1, 2021 = 1.
  // Premium 250 / 260 / 300, a-priori loss ratio 0.6 → expected ultimates 150 / 156 / 180.
  // IBNR = expected × (1 − 1/CDF): 2021 = 0; 2022 = 156 × 0.090909 = 14.1818;
  // 2023 = 180 × (1 − 210/349.8) = 71.9383. Ultimates: 165, 182.1818, 191.9383.
  const rows: TriangleRow[] = [
    { origin: '2021', development: '1', value: 100 },
    { origin: '2021', development: '2', value: 150 },
    { origin: '2021', development: '3', value: 165 },
    { origin: '2022', development: '1', value: 110 },
    { origin: '2022', development: '2', value: 168 },
    { origin: '2023', development: '1', value: 120 },
  ];
  const cl = chainLadder(buildTriangle(rows, { isCumulative: true }));

  it('gives the hand-computed reserves', () => {
    expect(cl.ldfs[0]).toBeCloseTo(1.514286, 6);
    expect(cl.ldfs[1]).toBeCloseTo(1.1, 12);
    const bf = bornhuetterFerguson(
      cl,
      new Map([
        ['2021', 250],
        ['2022', 260],
        ['2023', 300],
      ]),
      0.6,
    );
    expect(bf.origins.map((o) => o.ibnr)).toEqual([
      0,
      expect.closeTo(14.1818, 4),
      expect.closeTo(71.9383, 4),
    ]);
    expect(bf.origins.map((o) => o.ultimate)).toEqual([
      165,
      expect.closeTo(182.1818, 4),
      expect.closeTo(191.9383, 4),
    ]);
    expect(bf.totals.ibnr).toBeCloseTo(86.1201, 4);
    // The chain ladder's own IBNR differs: 2023 = 120 × (1.665714 − 1) = 79.8857.
    expect(cl.origins[2]?.ibnr).toBeCloseTo(79.8857, 4);
  });

  it('refuses an origin without premium and a loss ratio out of range', () => {
    expect(() => bornhuetterFerguson(cl, new Map([['2021', 250]]), 0.6)).toThrow(
      /no premium for origin 2022/,
    );
    expect(() => bornhuetterFerguson(cl, new Map(), 0)).toThrow(/loss ratio/);
  });
});

describe('triangle CSV errors name the file, line and column', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'custos-triangle-'));
  const write = (name: string, text: string) => {
    const file = path.join(dir, name);
    writeFileSync(file, text);
    return file;
  };

  it('names a missing column', () => {
    const file = write('a.csv', 'origin,dev,paid\n2021,1,100\n');
    expect(() =>
      readTriangleCsv(file, { origin: 'origin', development: 'development', value: 'paid' }, 'a.csv'),
    ).toThrow('a.csv:1: no column "development" (--development); the header has origin, dev, paid');
  });

  it('names the line and column of a value that is no number, and of an empty cell', () => {
    const file = write('b.csv', 'origin,dev,paid\n2021,1,100\n2021,2,12x\n');
    expect(() =>
      readTriangleCsv(file, { origin: 'origin', development: 'dev', value: 'paid' }, 'b.csv'),
    ).toThrow('b.csv:3: column "paid" is not a number');
    const empty = write('c.csv', 'origin,dev,paid\n2021,,100\n');
    expect(() =>
      readTriangleCsv(empty, { origin: 'origin', development: 'dev', value: 'paid' }, 'c.csv'),
    ).toThrow('c.csv:2: column "dev" is empty');
  });

  it('names the line of malformed CSV', () => {
    const file = write('d.csv', 'origin,dev,paid\n2021,1,100\n2021,2\n');
    expect(() =>
      readTriangleCsv(file, { origin: 'origin', development: 'dev', value: 'paid' }, 'd.csv'),
    ).toThrow(/^d\.csv:3: not valid CSV/);
  });
});

describe('loss ratios and cycle times', () => {
  const claim = (i: number, product: string, amount: number, days: number | null): ClaimRow => ({
    amount,
    period: '2025',
    product,
    channel: i % 2 === 0 ? 'agent' : 'online',
    reportedAt: '2025-03-01',
    settledAt: days === null ? null : new Date(Date.parse('2025-03-01') + days * 86_400_000).toISOString(),
  });

  it('divides claims by premium per group and suppresses groups under k', () => {
    const claims = [
      ...Array.from({ length: 12 }, (_, i) => claim(i, 'auto', 100, i + 1)),
      ...Array.from({ length: 3 }, (_, i) => claim(i, 'health', 1000, 5)),
      ...Array.from({ length: 11 }, (_, i) => claim(i, 'life', 10, 5)),
    ];
    const premiums = [
      ...Array.from({ length: 20 }, () => ({
        premium: 200,
        period: '2025',
        product: 'auto',
        channel: 'agent',
      })),
      ...Array.from({ length: 20 }, () => ({
        premium: 100,
        period: '2025',
        product: 'health',
        channel: 'online',
      })),
    ];
    const groups = lossRatios(claims, premiums, 10);
    expect(groups.find((g) => g.dimension === 'product' && g.value === 'auto')).toMatchObject({
      claims: 12,
      incurred: 1200,
      policies: 20,
      premium: 4000,
      lossRatio: 0.3,
    });
    expect(groups.find((g) => g.dimension === 'product' && g.value === 'health')).toMatchObject({
      isSuppressed: true,
      claims: null,
      lossRatio: null,
    });
    // The period's total gives health back as total − auto − life: life (the smallest) goes too.
    expect(groups.find((g) => g.dimension === 'product' && g.value === 'life')?.isSuppressed).toBe(true);
    expect(groups.find((g) => g.dimension === 'period')?.lossRatio).toBeCloseTo(4310 / 6000, 12);
  });

  // p90 interpolates linearly between ranks (numpy and R default): 9 + 0.1 × (10 − 9).
  it('gives mean, median and 90th percentile of report-to-settlement days', () => {
    const claims = Array.from({ length: 10 }, (_, i) => claim(i, 'auto', 100, i + 1));
    claims.push(claim(10, 'auto', 100, null));
    const [all] = cycleTimes(claims, 10);
    expect(all).toEqual({ group: 'all', isSuppressed: false, settled: 10, mean: 5.5, median: 5.5, p90: 9.1 });
    expect(cycleTimes(claims.slice(0, 9), 10)[0]).toMatchObject({ isSuppressed: true, mean: null });
  });
});

describe('k-anonymity of a reserve from claim rows', () => {
  const rows = (origin: string, counts: number[]): TriangleRow[] =>
    counts.flatMap((n, j) =>
      Array.from({ length: n }, () => ({
        origin,
        development: String(Number(origin) + j),
        value: 100,
        count: 1,
      })),
    );

  it('hides a cell of fewer than k claims and the cumulative values until the hidden run counts k', () => {
    const result = reserveFromRows(
      [
        ...rows('2021', [20, 3, 8, 15]),
        ...rows('2022', [25, 12, 11]),
        ...rows('2023', [30, 14]),
        ...rows('2024', [40]),
      ],
      { isCumulative: false, kAnonymity: 10 },
    );
    // 2021: ages 1 and 2 (3 + 8 = 11 claims) hidden as increments; cumulative at age 1 hidden, at
    // age 2 shown (2000 + 1100: the run reached k), age 3 shown.
    expect(result.triangle.incremental[0]).toEqual([2000, null, null, 1500]);
    expect(result.triangle.cumulative[0]).toEqual([2000, null, 3100, 4600]);
    expect(result.triangle.suppressed).toEqual([[0, 1]]);
    expect(result.origins.every((o) => o.isSuppressed === undefined)).toBe(true);
  });

  it('hides an origin whose hidden run reaches the diagonal, and the smallest other origin with it', () => {
    const result = reserveFromRows(
      [...rows('2021', [20, 12, 15]), ...rows('2022', [25, 4]), ...rows('2023', [30])],
      { isCumulative: false, kAnonymity: 10 },
    );
    expect(result.origins.map((o) => o.isSuppressed ?? false)).toEqual([false, true, true]);
    expect(result.triangle.cumulative[1]).toEqual([null, null, null]);
    expect(result.triangle.cumulative[2]).toEqual([null, null, null]);
    // The totals stay whole: no single hidden origin can be taken from them.
    expect(result.totals.latest).toBe((47 + 29 + 30) * 100);
  });
});

it('builds a triangle from a million claim rows (no spread of the rows into Math.max)', () => {
  const rows: TriangleRow[] = Array.from({ length: 1_000_000 }, (_, i) => ({
    origin: String(2020 + (i % 3)),
    development: String(2020 + (i % 3) + (i % 2)),
    value: 1,
  }));
  expect(reserveFromRows(rows, { isCumulative: false }).triangle.ages).toEqual(['0', '1']);
});

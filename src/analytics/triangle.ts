// Loss development triangles: rows of (origin, development, value) — incremental by default,
// cumulative when said — become a cumulative triangle by origin × development age. Development is
// an age (1, 2, … or 12, 24, …) or a calendar period: when every development value is a number at
// least its origin (the layout of the ChainLadder package's RAA data), the age is development −
// origin. Reading a CSV names the file, line and column of every problem.

import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { ValidationError } from '../domain/index.js';

export interface TriangleRow {
  origin: string;
  development: string;
  value: number;
  /** Subjects (claims) behind the value, for k-anonymity of published cells; unknown from a file. */
  count?: number;
}

export interface Triangle {
  origins: string[];
  /** Development ages, as labels. */
  ages: string[];
  /** Cumulative values [origin][age]; null where not observed yet (below the diagonal). */
  cumulative: Array<Array<number | null>>;
  /** Incremental values, same shape. */
  incremental: Array<Array<number | null>>;
  /** Claims counted in each cell when known (rows with `count`), same shape. */
  counts: Array<Array<number | null>> | null;
}

const byNatural = (a: string, b: string) => {
  const x = Number(a);
  const y = Number(b);
  return Number.isFinite(x) && Number.isFinite(y) && a.trim() !== '' && b.trim() !== ''
    ? x - y
    : a.localeCompare(b);
};

export function buildTriangle(rows: readonly TriangleRow[], options: { isCumulative: boolean }): Triangle {
  if (rows.length === 0) throw new ValidationError('the triangle has no rows', { field: 'triangle' });
  const isNumeric = (t: string) => t.trim() !== '' && Number.isFinite(Number(t));
  const isCalendar = rows.every(
    (r) => isNumeric(r.origin) && isNumeric(r.development) && Number(r.development) >= Number(r.origin),
  );
  const origins = [...new Set(rows.map((r) => r.origin))].sort(byNatural);
  const ageOf = (r: TriangleRow): string =>
    isCalendar ? String(Number(r.development) - Number(r.origin)) : r.development;
  const ages = isCalendar
    ? range(0, maxOf(rows.map((r) => Number(r.development) - Number(r.origin)))).map(String)
    : [...new Set(rows.map(ageOf))].sort(byNatural);
  const at = new Map<string, { value: number; count: number }>();
  for (const r of rows) {
    const key = `${origins.indexOf(r.origin)}\u0000${ages.indexOf(ageOf(r))}`;
    const cell = at.get(key) ?? { value: 0, count: 0 };
    at.set(key, { value: cell.value + r.value, count: cell.count + (r.count ?? 0) });
  }
  const hasCounts = rows.some((r) => r.count !== undefined);
  // The latest age observed for each origin: the diagonal of the valuation date for calendar
  // periods (latest period − origin), else the latest age the origin has a row for.
  const latestPeriod = isCalendar ? maxOf(rows.map((r) => Number(r.development))) : 0;
  const lastAge = origins.map((o, i) =>
    isCalendar
      ? Math.min(ages.length - 1, latestPeriod - Number(o))
      : Math.max(
          ...[...at.keys()]
            .filter((k) => k.startsWith(`${i}\u0000`))
            .map((k) => Number(k.split('\u0000')[1])),
        ),
  );
  const cumulative: Array<Array<number | null>> = [];
  const incremental: Array<Array<number | null>> = [];
  const counts: Array<Array<number | null>> = [];
  origins.forEach((_, i) => {
    const cum: Array<number | null> = [];
    const inc: Array<number | null> = [];
    const cnt: Array<number | null> = [];
    let running = 0;
    ages.forEach((__, j) => {
      if (j > (lastAge[i] as number)) {
        cum.push(null);
        inc.push(null);
        cnt.push(null);
        return;
      }
      const cell = at.get(`${i}\u0000${j}`);
      if (options.isCumulative) {
        // A missing cumulative cell inside the observed range: nothing moved, the value carries over.
        const value = cell ? cell.value : running;
        inc.push(value - running);
        running = value;
      } else {
        const value = cell ? cell.value : 0;
        inc.push(value);
        running += value;
      }
      cum.push(running);
      cnt.push(cell ? cell.count : 0);
    });
    cumulative.push(cum);
    incremental.push(inc);
    counts.push(cnt);
  });
  return { origins, ages, cumulative, incremental, counts: hasCounts ? counts : null };
}

/** The largest value (Math.max(...values) overflows the stack for a million rows). */
function maxOf(values: readonly number[]): number {
  let max = Number.NEGATIVE_INFINITY;
  for (const v of values) if (v > max) max = v;
  return max;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
}

/** Rows of a triangle CSV file (with a header); problems name the file, line and column. */
export function readTriangleCsv(
  file: string,
  columns: { origin: string; development: string; value: string },
  displayName = file,
): TriangleRow[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ValidationError(
      `${displayName}: cannot read the file`,
      { file: displayName },
      { cause: error },
    );
  }
  let records: string[][];
  try {
    records = parse(text.replace(/^\ufeff/, ''), { skip_empty_lines: true, relax_column_count: false });
  } catch (error) {
    const line = (error as { lines?: number }).lines;
    throw new ValidationError(
      `${displayName}${line ? `:${line}` : ''}: not valid CSV (${(error as Error).message.split(':')[0]})`,
      { file: displayName, ...(line ? { line } : {}) },
    );
  }
  const header = (records[0] ?? []).map((h) => h.trim());
  const index = (name: string, option: string): number => {
    const i = header.indexOf(name);
    if (i === -1)
      throw new ValidationError(
        `${displayName}:1: no column "${name}" (${option}); the header has ${header.join(', ')}`,
        { file: displayName, line: 1, column: name },
      );
    return i;
  };
  const o = index(columns.origin, '--origin');
  const d = index(columns.development, '--development');
  const v = index(columns.value, '--value');
  return records.slice(1).map((record, n) => {
    const line = n + 2;
    const cell = (i: number, name: string): string => {
      const value = (record[i] ?? '').trim();
      if (value === '')
        throw new ValidationError(`${displayName}:${line}: column "${name}" is empty`, {
          file: displayName,
          line,
          column: name,
        });
      return value;
    };
    const valueText = cell(v, columns.value);
    const value = Number(valueText);
    if (!Number.isFinite(value))
      throw new ValidationError(`${displayName}:${line}: column "${columns.value}" is not a number`, {
        file: displayName,
        line,
        column: columns.value,
      });
    return { origin: cell(o, columns.origin), development: cell(d, columns.development), value };
  });
}

// Row filters: structured conditions (never SQL text) over the fields a record stores in clear,
// evaluated on each record before it is returned. Pure.

import type { RowCondition } from '../workspace/index.js';

type Scalar = string | number | boolean | null | undefined;

function compare(value: Scalar, bound: string | number): number | undefined {
  if (value === null || value === undefined || typeof value === 'boolean') return undefined;
  if (typeof bound === 'number') {
    const n = typeof value === 'number' ? value : Number(value);
    return Number.isFinite(n) ? n - bound : undefined;
  }
  const text = String(value);
  return text < bound ? -1 : text > bound ? 1 : 0;
}

/** Values compare as written: `1` and `'1'` are equal, since JSON sources mix them. */
function same(value: Scalar, expected: string | number | boolean): boolean {
  if (value === null || value === undefined) return false;
  return String(value) === String(expected);
}

export function matchesRow(condition: RowCondition, record: Readonly<Record<string, unknown>>): boolean {
  if ('all' in condition) return condition.all.every((c) => matchesRow(c, record));
  if ('any' in condition) return condition.any.some((c) => matchesRow(c, record));
  const raw = record[condition.field];
  const value: Scalar =
    raw === null || raw === undefined || ['string', 'number', 'boolean'].includes(typeof raw)
      ? (raw as Scalar)
      : JSON.stringify(raw);
  if ('eq' in condition) return same(value, condition.eq);
  if ('ne' in condition) return !same(value, condition.ne);
  if ('in' in condition) return condition.in.some((v) => same(value, v));
  if ('notIn' in condition) return !condition.notIn.some((v) => same(value, v));
  if ('isNull' in condition) return (value === null || value === undefined) === condition.isNull;
  if ('gt' in condition) return (compare(value, condition.gt) ?? Number.NaN) > 0;
  if ('gte' in condition) return (compare(value, condition.gte) ?? Number.NaN) >= 0;
  if ('lt' in condition) return (compare(value, condition.lt) ?? Number.NaN) < 0;
  return (compare(value, condition.lte) ?? Number.NaN) <= 0;
}

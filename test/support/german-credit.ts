// The German credit data (UCI Statlog, CC BY 4.0; bench/data/README.md) for scorecard tests and the
// accuracy benchmark: columns with numbers become numbers, `creditability` is the target (bad/good),
// and a fixed split (every 10th row from the 3rd, and the 8th, held out: 20 %) so tests, the bench
// and the Python comparison use the same rows.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';

export const GERMAN_CREDIT_CSV = path.resolve(import.meta.dirname, '../../bench/data/germancredit.csv');

export const GERMAN_NUMERIC = [
  'duration_in_month',
  'credit_amount',
  'installment_rate_in_percentage_of_disposable_income',
  'present_residence_since',
  'age_in_years',
  'number_of_existing_credits_at_this_bank',
  'number_of_people_being_liable_to_provide_maintenance_for',
] as const;

export type GermanRow = Record<string, string | number>;

export function germanCredit(): GermanRow[] {
  const rows = parse(readFileSync(GERMAN_CREDIT_CSV, 'utf8'), { columns: true }) as Array<
    Record<string, string>
  >;
  return rows.map((r) => {
    const out: GermanRow = {};
    for (const [k, v] of Object.entries(r))
      out[k] = (GERMAN_NUMERIC as readonly string[]).includes(k) ? Number(v) : v;
    return out;
  });
}

/** Held out from training: rows whose index ends in 2 or 7 (200 of 1000). */
export const isHeldOut = (index: number) => index % 10 === 2 || index % 10 === 7;

export function germanSplit(): { train: GermanRow[]; test: GermanRow[] } {
  const rows = germanCredit();
  return { train: rows.filter((_, i) => !isHeldOut(i)), test: rows.filter((_, i) => isHeldOut(i)) };
}

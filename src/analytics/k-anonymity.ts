// k-anonymity on published aggregates: a cell (a segment, a group, a distribution bucket) counting
// fewer than k subjects is suppressed, and a table whose total is shown gets a second cell
// suppressed when one alone would be (the total minus the others would give it back).

import { ValidationError } from '../domain/index.js';

export const DEFAULT_K_ANONYMITY = 10;

/** The threshold, checked: an integer of at least 2 (k = 1 would publish single subjects). */
export function kAnonymityOf(k: number | undefined): number {
  const value = k ?? DEFAULT_K_ANONYMITY;
  if (!Number.isInteger(value) || value < 2 || value > 10_000)
    throw new ValidationError('k-anonymity threshold must be an integer from 2 to 10000', {
      field: 'kAnonymity',
    });
  return value;
}

/** Whether a cell of `count` subjects must be suppressed (an empty cell discloses nobody). */
export function isSuppressed(count: number, k: number): boolean {
  return count > 0 && count < k;
}

/**
 * Which cells of one table whose total is published (or derivable from another table) are hidden:
 * primary suppression (fewer than k), then, when exactly one cell is hidden, the smallest other
 * non-empty cell too, so the total minus the shown cells never gives a single hidden cell back.
 */
export function hiddenCells(counts: readonly number[], k: number): boolean[] {
  return withSecondary(
    counts.map((c) => isSuppressed(c, k)),
    counts,
  );
}

/** Adds the secondary suppression to cells already hidden for any reason (see `hiddenCells`). */
export function withSecondary(primary: readonly boolean[], counts: readonly number[]): boolean[] {
  const hidden = [...primary];
  if (hidden.filter(Boolean).length === 1) {
    let smallest = -1;
    counts.forEach((c, i) => {
      if (!hidden[i] && c > 0 && (smallest === -1 || c < (counts[smallest] ?? 0))) smallest = i;
    });
    if (smallest !== -1) hidden[smallest] = true;
  }
  return hidden;
}

/** Counts of one table whose total is published: null for hidden cells (see `hiddenCells`). */
export function suppressCounts(counts: readonly number[], k: number): Array<number | null> {
  const hidden = hiddenCells(counts, k);
  return counts.map((c, i) => (hidden[i] ? null : c));
}

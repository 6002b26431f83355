// Purpose-based minimisation (PIPL Art. 6): which declared fields of a dataset its purposes need.

import type { DatasetDeclaration, Purpose } from './schema.js';

/**
 * Fields of the dataset that its purposes do not need: those with a `dataCategory` outside the
 * union of the purposes' `needs`. Only when every purpose of the dataset lists its needs — a
 * purpose without a list does not restrict.
 */
export function unneededFields(dataset: DatasetDeclaration, purposes: readonly Purpose[]): Set<string> {
  const own = dataset.purposes.map((name) => purposes.find((p) => p.name === name));
  if (own.length === 0 || own.some((p) => p === undefined || p.needs.length === 0)) return new Set();
  const needed = new Set(own.flatMap((p) => p!.needs));
  return new Set(
    Object.entries(dataset.fields)
      .filter(([, f]) => f.dataCategory !== undefined && !needed.has(f.dataCategory))
      .map(([name]) => name),
  );
}

// Precision, recall and F1 per entity type of `scanText` on a generated labelled corpus (which
// holds hard negatives: Luhn- and GB 32100-passing order, serial and contract numbers).

import { ENTITY_FACTS, type EntityType } from '../domain/classification.js';
import { scanText } from './detectors.js';
import { type NameLists, Synthetic } from './synthetic.js';

export interface TypeScore {
  type: EntityType;
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  precision: number;
  recall: number;
  f1: number;
  checksum: boolean;
}

/**
 * A detection matches a label of the same type whose span overlaps it. `names` are the lists the
 * corpus draws Chinese names from; without them it draws from the detector's own surname list,
 * which makes PERSON_NAME a self-consistency check rather than a measure.
 */
export function evaluate(documents = 2_000, seed = 7, names?: NameLists): TypeScore[] {
  const synthetic = new Synthetic(seed, names);
  const counts = new Map<EntityType, { tp: number; fp: number; fn: number }>();
  const bump = (type: EntityType, key: 'tp' | 'fp' | 'fn') => {
    const c = counts.get(type) ?? { tp: 0, fp: 0, fn: 0 };
    c[key] += 1;
    counts.set(type, c);
  };
  for (let i = 0; i < documents; i++) {
    const { text, labels } = synthetic.text(5);
    const found = scanText(text);
    const matched = new Set<number>();
    for (const d of found) {
      const index = labels.findIndex(
        (l, j) => !matched.has(j) && l.type === d.type && d.start < l.end && l.start < d.end,
      );
      if (index >= 0) {
        matched.add(index);
        bump(d.type, 'tp');
      } else bump(d.type, 'fp');
    }
    labels.forEach((l, j) => {
      if (!matched.has(j)) bump(l.type, 'fn');
    });
  }
  return [...counts]
    .map(([type, c]) => {
      const precision = c.tp + c.fp === 0 ? 1 : c.tp / (c.tp + c.fp);
      const recall = c.tp + c.fn === 0 ? 1 : c.tp / (c.tp + c.fn);
      const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
      return {
        type,
        truePositives: c.tp,
        falsePositives: c.fp,
        falseNegatives: c.fn,
        precision: round(precision),
        recall: round(recall),
        f1: round(f1),
        checksum: ENTITY_FACTS[type].checksum,
      };
    })
    .sort((a, b) => a.type.localeCompare(b.type));
}

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}

// Field classification for structured data: the field name (dictionary) combined with detection
// over sampled values. Result per field: category, level, sensitive flag, entity types with the
// share of values matched, confidence and evidence.

import {
  type Category,
  ENTITY_FACTS,
  type EntityType,
  effectiveLevel,
  type Level,
  maxCategory,
} from '../domain/classification.js';
import { isBankCardNumber } from './checksums.js';
import { detectValue, type Evidence } from './detectors.js';
import { entityTypeForFieldName, normaliseFieldName } from './field-names.js';
import { looksLikeLatinName } from './names.js';
import { isBusinessNumberFieldName } from './number-labels.js';

/** Two to four Han characters, or a transliterated name with a middle dot (买买提·艾力). */
const CHINESE_NAME_SHAPE = /^(?:[\u4e00-\u9fa5]{2,4}|[\u4e00-\u9fa5]{1,8}[·•][\u4e00-\u9fa5]{1,8})$/;

export interface FieldClassification {
  field: string;
  category: Category | null;
  level: Level;
  sensitive: boolean;
  entities: Array<{ type: EntityType; share: number }>;
  confidence: number;
  evidence: Evidence[];
  /** Values looked at (non-empty samples). */
  sampled: number;
}

export interface ClassifyOptions {
  /** Workspace extension of the field-name dictionary. */
  fieldNames?: Readonly<Record<string, EntityType>>;
  /** Declared level for the field (raises, never lowers). */
  declaredLevel?: number;
  /** Values examined per field (default 200). */
  sampleSize?: number;
}

/** Share of sampled values a type must reach to count from values alone. */
const VALUE_SHARE = 0.6;
/** With a matching field name, a lower share confirms it. */
const NAMED_SHARE = 0.3;

export function classifyField(
  name: string,
  samples: readonly unknown[],
  options: ClassifyOptions = {},
): FieldClassification {
  const limit = options.sampleSize ?? 200;
  const counts = new Map<EntityType, number>();
  const checksum = new Set<EntityType>();
  let sampled = 0;
  const hinted = entityTypeForFieldName(name, options.fieldNames);
  // A field named as an order, serial or contract number holds no cards or USCCs, whatever
  // checksum its values pass — unless its name itself says card or USCC.
  const isBusinessNumber = isBusinessNumberFieldName(name);
  for (const raw of samples) {
    if (sampled >= limit) break;
    if (raw === null || raw === undefined || raw === '') continue;
    sampled += 1;
    const found = new Set<EntityType>();
    for (const d of detectValue(raw)) {
      if (isBusinessNumber && hinted !== d.type && (d.type === 'BANK_CARD' || d.type === 'CN_USCC')) continue;
      found.add(d.type);
      if (d.evidence.includes('checksum')) checksum.add(d.type);
    }
    // The field name is the context a value alone lacks: a name whose surname is not in the
    // dictionary, a Luhn-passing card outside the IIN ranges.
    if (
      hinted === 'PERSON_NAME' &&
      typeof raw === 'string' &&
      (looksLikeLatinName(raw) || CHINESE_NAME_SHAPE.test(raw.trim()))
    )
      found.add('PERSON_NAME');
    if (hinted === 'BANK_CARD' && isBankCardNumber(String(raw).replace(/[\s-]/g, ''))) {
      found.add('BANK_CARD');
      checksum.add('BANK_CARD');
    }
    if (hinted === 'AMOUNT' && (typeof raw === 'number' || /^-?\d[\d,]*(\.\d+)?$/.test(String(raw))))
      found.add('AMOUNT');
    if (hinted === 'DATE_OF_BIRTH' && /^(19|20)\d{2}[-/.年]\d{1,2}[-/.月]\d{1,2}日?$/.test(String(raw))) {
      found.add('DATE_OF_BIRTH');
    }
    for (const type of found) counts.set(type, (counts.get(type) ?? 0) + 1);
  }
  const entities = [...counts]
    .map(([type, n]) => ({ type, share: round(n / Math.max(1, sampled)) }))
    .sort((a, b) => b.share - a.share);

  const accepted: EntityType[] = [];
  const evidence = new Set<Evidence>();
  let confidence = 0;
  if (hinted) {
    const share = counts.get(hinted) ?? 0;
    const hintedShare = sampled === 0 ? 0 : share / sampled;
    // Authentication secrets are C3 by name alone: their values have no recognisable shape. A
    // workspace's own dictionary entry is a declaration, trusted like one.
    const declared = Object.keys(options.fieldNames ?? {}).some(
      (k) => normaliseFieldName(k) === normaliseFieldName(name),
    );
    const secret = ENTITY_FACTS[hinted].category === 'C3' || declared;
    if (secret || hintedShare >= NAMED_SHARE || sampled === 0) {
      accepted.push(hinted);
      evidence.add('field_name');
      if (share > 0) evidence.add(checksum.has(hinted) ? 'checksum' : 'format');
      confidence = sampled === 0 || secret ? 0.8 : Math.min(0.99, 0.7 + 0.3 * hintedShare);
    }
  }
  for (const { type, share } of entities) {
    if (accepted.includes(type) || share < VALUE_SHARE) continue;
    accepted.push(type);
    evidence.add(checksum.has(type) ? 'checksum' : 'format');
    confidence = Math.max(confidence, Math.min(0.99, share * (checksum.has(type) ? 0.99 : 0.9)));
  }
  let category: Category | null = null;
  let sensitive = false;
  for (const type of accepted) {
    category = maxCategory(category, ENTITY_FACTS[type].category);
    sensitive ||= ENTITY_FACTS[type].sensitive;
  }
  return {
    field: name,
    category,
    level: effectiveLevel(category, options.declaredLevel),
    sensitive,
    entities: entities.filter((e) => accepted.includes(e.type) || e.share >= 0.1),
    confidence:
      accepted.length === 0 ? round(1 - Math.max(0, ...entities.map((e) => e.share))) : round(confidence),
    evidence: [...evidence],
    sampled,
  };
}

/** Classifies every field seen in `records` (a sample of a dataset). */
export function classifyFields(
  records: ReadonlyArray<Record<string, unknown>>,
  options: ClassifyOptions = {},
): FieldClassification[] {
  const columns = new Map<string, unknown[]>();
  const limit = options.sampleSize ?? 200;
  for (const record of records) {
    for (const [key, value] of Object.entries(record)) {
      let column = columns.get(key);
      if (!column) {
        column = [];
        columns.set(key, column);
      }
      if (column.length < limit) column.push(value);
    }
  }
  return [...columns].map(([name, values]) => classifyField(name, values, options));
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

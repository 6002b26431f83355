// Stage 1, validate: field mapping and validation against the dataset schema. Pure: a record
// either becomes a typed, minimised record (undeclared fields dropped, and fields no purpose of the
// dataset needs) or a reason for quarantine naming the field.

import { type DatasetDeclaration, type Purpose, unneededFields } from '../workspace/index.js';

export type Mapped = Record<string, unknown>;

export type ValidationOutcome =
  | { ok: true; record: Mapped; naturalKey: string; subject: string | undefined; dropped: string[] }
  | { ok: false; reason: 'invalid'; detail: string };

/** A record held back from storage (quarantined), with the reason; `subject` is its identifier if known. */
export interface HeldRecord {
  reason: string;
  detail: string;
  raw: Record<string, unknown>;
  subject: string | undefined;
}

/** A record that passed validation: mapped, typed and minimised. */
export interface ValidRecord {
  record: Mapped;
  /** The value of the dataset's subject field, if present. */
  subject: string | undefined;
  raw: Record<string, unknown>;
}

export interface ValidatedBatch {
  /** Valid records by natural key: a record repeated within a batch (pages overlapping), the last one. */
  valid: Map<string, ValidRecord>;
  held: HeldRecord[];
  /** Source fields dropped from this batch's valid records (undeclared or unneeded). */
  dropped: Set<string>;
  /** Natural keys of records deleted at source (change data capture), marked after the upserts. */
  deletions: string[];
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const ISO_DATE_TIME =
  /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * A date-time with no zone (`2026-03-08 02:30:00`, `2026-03-08T02:30:00`, as databases and files
 * write them) is read as UTC: `Date.parse` would read the 'T' form in the process time zone, so
 * the same record would be stored differently under TZ=Asia/Shanghai.
 */
function utcUnlessZoned(text: string): string {
  const match = ISO_DATE_TIME.exec(text.trim());
  if (!match) return text;
  const [, day, time, zone] = match;
  const offset = !zone || zone.toUpperCase() === 'Z' ? 'Z' : /^[+-]\d{2}$/.test(zone) ? `${zone}:00` : zone;
  return `${day}T${time}${offset}`;
}

/** A value as the dataset schema stores a field of this type, or not ok (also used by corrections). */
export function coerceFieldValue(type: string, value: unknown): { ok: true; value: unknown } | { ok: false } {
  switch (type) {
    case 'string':
      return typeof value === 'string'
        ? { ok: true, value }
        : typeof value === 'number' || typeof value === 'boolean'
          ? { ok: true, value: String(value) }
          : { ok: false };
    case 'integer': {
      const n = typeof value === 'string' && /^-?\d{1,15}$/.test(value.trim()) ? Number(value) : value;
      return typeof n === 'number' && Number.isSafeInteger(n) ? { ok: true, value: n } : { ok: false };
    }
    case 'number': {
      const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      return typeof n === 'number' && Number.isFinite(n) ? { ok: true, value: n } : { ok: false };
    }
    case 'boolean':
      if (typeof value === 'boolean') return { ok: true, value };
      if (value === 0 || value === 1 || value === 'true' || value === 'false')
        return { ok: true, value: value === 1 || value === 'true' };
      return { ok: false };
    case 'date': {
      if (typeof value !== 'string') return { ok: false };
      const day = value.slice(0, 10);
      return DATE.test(day) && !Number.isNaN(Date.parse(day)) ? { ok: true, value: day } : { ok: false };
    }
    case 'datetime': {
      if (typeof value !== 'string' && typeof value !== 'number') return { ok: false };
      const time = typeof value === 'number' ? value : Date.parse(utcUnlessZoned(value));
      return Number.isNaN(time) ? { ok: false } : { ok: true, value: new Date(time).toISOString() };
    }
    default:
      return { ok: true, value };
  }
}

export class DatasetValidator {
  private readonly fields: Array<[string, DatasetDeclaration['fields'][string], RegExp | undefined]>;
  private readonly sourceNames: Set<string>;
  /** Declared fields no purpose of the dataset needs: never read, reported as dropped. */
  readonly unneeded: ReadonlySet<string>;

  constructor(
    private readonly dataset: DatasetDeclaration,
    purposes: readonly Purpose[] = [],
  ) {
    const unneeded = unneededFields(dataset, purposes);
    this.unneeded = unneeded;
    this.fields = Object.entries(dataset.fields)
      .filter(([name]) => !unneeded.has(name))
      .map(([name, f]) => [name, f, f.format ? new RegExp(f.format, 'u') : undefined]);
    // Unneeded fields are neither read nor reported as undeclared: they are dropped by name.
    this.sourceNames = new Set(Object.entries(dataset.fields).map(([name, f]) => f.from ?? name));
  }

  /**
   * The natural key of a row as read from the source, or undefined when it lacks one: a deletion
   * (change data capture) may carry little more than its key columns. Computed as `validate` does.
   */
  naturalKeyOf(raw: Record<string, unknown>): string | undefined {
    const parts: string[] = [];
    for (const key of this.dataset.naturalKey) {
      const field = this.dataset.fields[key];
      const value = field === undefined ? undefined : raw[field.from ?? key];
      if (field === undefined || value === undefined || value === null || value === '') return undefined;
      const coerced = coerceFieldValue(field.type, value);
      if (!coerced.ok) return undefined;
      parts.push(String(coerced.value));
    }
    return parts.length === 1 ? parts[0]! : JSON.stringify(parts);
  }

  /**
   * The subject of a record that failed validation, read from its subject field as a valid
   * record's would be; undefined when that field is missing or cannot be read as its type (the
   * record is then sealed under its dataset's quarantine key: docs/keys.md).
   */
  subjectOf(raw: Record<string, unknown>): string | undefined {
    const name = this.dataset.subjectFields[0];
    const field = name === undefined ? undefined : this.dataset.fields[name];
    if (name === undefined || field === undefined) return undefined;
    const value = raw[field.from ?? name];
    if (value === undefined || value === null || value === '') return undefined;
    const coerced = coerceFieldValue(field.type, value);
    return coerced.ok ? String(coerced.value) : undefined;
  }

  validate(raw: Record<string, unknown>): ValidationOutcome {
    const record: Mapped = {};
    for (const [name, field, format] of this.fields) {
      const value = raw[field.from ?? name];
      if (value === undefined || value === null || value === '') {
        if (field.required) return { ok: false, reason: 'invalid', detail: `${name}: required but missing` };
        continue;
      }
      const coerced = coerceFieldValue(field.type, value);
      if (!coerced.ok) return { ok: false, reason: 'invalid', detail: `${name}: not a valid ${field.type}` };
      if (format && typeof coerced.value === 'string' && !format.test(coerced.value)) {
        return { ok: false, reason: 'invalid', detail: `${name}: does not match the declared format` };
      }
      record[name] = coerced.value;
    }
    const keyParts: string[] = [];
    for (const key of this.dataset.naturalKey) {
      const value = record[key];
      if (value === undefined) return { ok: false, reason: 'invalid', detail: `${key}: natural key missing` };
      keyParts.push(String(value));
    }
    const subjectField = this.dataset.subjectFields[0];
    const subjectValue = subjectField === undefined ? undefined : record[subjectField];
    const dropped = Object.keys(raw).filter((k) => !this.sourceNames.has(k));
    for (const name of this.unneeded)
      if (raw[this.dataset.fields[name]!.from ?? name] !== undefined) dropped.push(name);
    return {
      ok: true,
      record,
      naturalKey: keyParts.length === 1 ? keyParts[0]! : JSON.stringify(keyParts),
      subject: subjectValue === undefined ? undefined : String(subjectValue),
      dropped,
    };
  }
}

/** Validates a batch's records: the valid ones by natural key, the others held back as `invalid`. */
export function validateBatch(
  validator: DatasetValidator,
  records: ReadonlyArray<Record<string, unknown>>,
  deleted: ReadonlyArray<Record<string, unknown>> = [],
): ValidatedBatch {
  const batch: ValidatedBatch = { valid: new Map(), held: [], dropped: new Set(), deletions: [] };
  // Deleted at source: only the natural key is needed (the row may carry little more).
  for (const raw of deleted) {
    const key = validator.naturalKeyOf(raw);
    if (key === undefined)
      batch.held.push({
        reason: 'invalid',
        detail: 'deleted at source without its natural key',
        raw,
        subject: undefined,
      });
    else batch.deletions.push(key);
  }
  for (const raw of records) {
    const outcome = validator.validate(raw);
    if (!outcome.ok) {
      batch.held.push({
        reason: outcome.reason,
        detail: outcome.detail,
        raw,
        subject: validator.subjectOf(raw),
      });
      continue;
    }
    for (const d of outcome.dropped) batch.dropped.add(d);
    batch.valid.set(outcome.naturalKey, { record: outcome.record, subject: outcome.subject, raw });
  }
  return batch;
}

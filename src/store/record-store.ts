// The repository of collected records: current versions, their history, blind-index entries,
// quarantined records and each dataset's source checkpoint. One interface, one implementation per
// dialect (sqlite-record-store.ts, postgres-record-store.ts), chosen when the store opens; callers
// (the pipeline, the governed read path, data-subject requests) never see a table or a dialect.
//
// The layout behind it is 0005_record_storage's: the current version of a record lives only in
// dataset_records, earlier ones in record_versions; a subject's link to its records is the
// blind-index entry of field `$subject`; a run stages index entries and merges them when it ends.

import type { Transaction } from 'kysely';
import type { Database } from './schema.js';

/** The blind-index field linking a data subject (hash = subject id) to its records. */
export const SUBJECT_INDEX_FIELD = '$subject';

/**
 * The subject whose data key seals a record's personal fields — and the associated data of its
 * ciphertext: the record's subject, or its dataset when the record has none.
 */
export function sealingSubject(dataset: string, subjectId: string | null): string {
  return subjectId ?? `dataset:${dataset}`;
}

/** One protected record to store. */
export interface RecordWrite {
  naturalKey: string;
  /** Keyed hash of the subject's identifier; null when the record has no subject. */
  subjectId: string | null;
  /** JSON of the fields stored in clear. */
  data: string;
  /** The personal fields, one ciphertext under the sealing subject's data key. */
  sealed: string | null;
  /** Keyed hash of the whole record: a record whose hash is unchanged is not rewritten. */
  contentHash: string;
  /** Blind indexes of the record's identifiers (the `$subject` link is added by the store). */
  indexes: ReadonlyArray<{ field: string; hash: string }>;
  /**
   * The same indexes kept with the record, JSON of field → hash (null: no value), so a `hash`
   * mask needs no decryption; omitted or null when the writer does not know them.
   */
  indexHashes?: string | null;
}

/** A record held back, sealed; one row per id (a keyed hash of dataset, reason and content). */
export interface QuarantineWrite {
  id: string;
  reason: string;
  detail: string;
  /** Where in the source the batch came from, if the source says. */
  position: string | null;
  /** The subject whose key sealed it (`quarantine:<dataset>` when unknown). */
  subjectId: string;
  sealed: string;
}

/** What one batch of a run stores, all in one transaction. */
export interface RecordBatch {
  dataset: string;
  runId: string;
  /** The time written on every row of the batch (ISO 8601 UTC). */
  at: string;
  records: readonly RecordWrite[];
  quarantine: readonly QuarantineWrite[];
  /**
   * Natural keys of records deleted at source (change data capture): marked `deleted_at` after the
   * batch's writes, never removed — their history stays, retention decides when they go.
   */
  deletions?: readonly string[];
  /** The source state to resume after this batch, serialised; null to start over. */
  checkpoint: string | null;
}

/** How a batch's records were stored. */
export interface BatchOutcome {
  /** New records. */
  stored: number;
  /** Records with a new version (the version replaced joined the history). */
  updated: number;
  /** Records whose content hash was unchanged: not rewritten. */
  unchanged: number;
  /** Records marked deleted at source by this batch. */
  deleted: number;
}

export interface WriteBatchOptions {
  /**
   * Further writes that must commit or roll back with the batch (the run's counters, its audit
   * entry), given the open transaction and the batch's outcome.
   */
  inTransaction?: (trx: Transaction<Database>, outcome: BatchOutcome) => Promise<void>;
}

/** One version of a record, earlier or current: clear fields, sealed personal fields, provenance. */
export interface RecordVersion {
  version: number;
  /** The fields stored in clear. */
  fields: Record<string, unknown>;
  sealed: string | null;
  contentHash: string;
  /** The run that stored this version. */
  runId: string;
  /** When this version was stored. */
  collectedAt: string;
}

/** A record's current version as stored, with whose it is. */
export interface StoredRecord extends RecordVersion {
  dataset: string;
  naturalKey: string;
  subjectId: string | null;
  /** The subject whose data key opens `sealed` (also its associated data): see sealingSubject. */
  sealingSubject: string;
  /** When the record's first version was stored. */
  firstCollectedAt: string;
  /** When the record was deleted at source (change data capture); null while it exists there. */
  deletedAt: string | null;
  /**
   * The record's blind indexes as stored with it: field → hash, or null for a field without a
   * value. Null when not stored (records written before 0016, writers that do not give them).
   */
  indexHashes: Record<string, string | null> | null;
}

export interface ReadPageOptions {
  /** Where the previous page ended (its `next`); the first page without one. */
  cursor?: string;
  /** Records per page (default 100, at most 1,000). */
  limit?: number;
}

export interface RecordPage {
  records: StoredRecord[];
  /** The cursor of the next page; null after the last one. */
  next: string | null;
}

/** What erasing a subject from one dataset removed. */
export interface SubjectErasure {
  records: number;
  versions: number;
  indexEntries: number;
  quarantined: number;
}

export interface RecordStore {
  /** The current version and content hash of each of these records that is stored. */
  currentVersions(
    dataset: string,
    naturalKeys: readonly string[],
  ): Promise<Map<string, { version: number; contentHash: string; isDeleted: boolean }>>;

  /**
   * Stores a batch in one transaction: new records inserted, changed ones given a new version
   * (the one replaced joins the history), unchanged ones skipped; their blind-index entries
   * staged; quarantined records upserted (a row held back again re-opens); the checkpoint.
   */
  writeBatch(batch: RecordBatch, options?: WriteBatchOptions): Promise<BatchOutcome>;

  /**
   * Moves a dataset's staged blind-index entries into blind_indexes, sorted by key so the index is
   * written page after page instead of at random. Returns the entries moved.
   */
  mergeStagedIndexes(dataset: string): Promise<number>;

  /** The source state stored with the dataset's last batch (serialised), or null. */
  checkpoint(dataset: string): Promise<string | null>;

  /** Current records of a dataset in natural-key order, a page at a time. */
  readCurrent(dataset: string, options?: ReadPageOptions): Promise<RecordPage>;

  /** Current records of a dataset by natural key (those stored, in no particular order). */
  readRecords(dataset: string, naturalKeys: readonly string[]): Promise<StoredRecord[]>;

  /**
   * Natural keys of the records whose blind index of `field` is `hash` — merged and staged
   * entries alike. Entries are not removed when a record changes: a key found may belong to a
   * record whose current value no longer has this hash (check the record itself).
   */
  findByIndex(dataset: string, field: string, hash: string): Promise<string[]>;

  /** Every version of a record, oldest first; empty when it is not stored. */
  history(dataset: string, naturalKey: string): Promise<RecordVersion[]>;

  /**
   * Deletes, in one transaction, a subject's records in a dataset (those whose current subject
   * it is) with all their versions and index entries, every index entry linking the subject to a
   * record, and the subject's quarantined records. The subject's data key is not touched.
   */
  deleteSubject(dataset: string, subjectId: string): Promise<SubjectErasure>;
}

// The narrow view of the record store that the governed read path needs: current records a page
// at a time or by key, and natural keys by blind-index hash. The store's RecordStore (src/store)
// satisfies it; the read path never sees a table or a dialect.

/** A record's current version as stored. */
export interface ReadableRecord {
  naturalKey: string;
  subjectId: string | null;
  /** The subject whose data key opens `sealed` (also its associated data). */
  sealingSubject: string;
  version: number;
  /** The fields stored in clear. */
  fields: Record<string, unknown>;
  /** The personal fields, one ciphertext; null when the record has none. */
  sealed: string | null;
  /** When this version was stored. */
  collectedAt: string;
  /** When the record was deleted at source (change data capture); null while it exists there. */
  deletedAt: string | null;
  /** The record's blind indexes kept with it (field → hash, null: no value); null when not kept. */
  indexHashes: Record<string, string | null> | null;
}

export interface RecordReader {
  /** Current records of a dataset in natural-key order, a page at a time. */
  readCurrent(
    dataset: string,
    options?: { cursor?: string; limit?: number },
  ): Promise<{ records: ReadableRecord[]; next: string | null }>;
  /** Current records of a dataset by natural key (those stored, in no particular order). */
  readRecords(dataset: string, naturalKeys: readonly string[]): Promise<ReadableRecord[]>;
  /** Natural keys whose blind index of `field` is `hash` (may be stale: check the record). */
  findByIndex(dataset: string, field: string, hash: string): Promise<string[]>;
}

/** The blind-index field linking a data subject (hash = subject id) to its records. */
export const SUBJECT_INDEX_FIELD = '$subject';

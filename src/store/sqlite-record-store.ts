// The record store on SQLite: the per-record statements of a batch are better-sqlite3 prepared
// statements on Kysely's own connection, so they run inside the batch's open transaction without
// building and compiling a Kysely query per record.

import type SqliteDatabase from 'better-sqlite3';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema.js';
import { type CurrentVersions, type RowWrites, SqlRecordStore } from './sql-record-store.js';

type Statements = ReturnType<typeof prepare>;

function prepare(db: SqliteDatabase.Database) {
  return {
    current: db.prepare<
      [string, string],
      { version: number; content_hash: string; deleted_at: string | null }
    >('SELECT version, content_hash, deleted_at FROM dataset_records WHERE dataset = ? AND natural_key = ?'),
    insertRecord: db.prepare(
      'INSERT INTO dataset_records (dataset, natural_key, subject_id, version, data, sealed, content_hash, run_id, created_at, updated_at, index_hashes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    // The version being replaced joins the history; the record keeps only its current one.
    archiveVersion: db.prepare(
      'INSERT INTO record_versions (dataset, natural_key, version, data, sealed, content_hash, run_id, created_at, deleted_at) SELECT dataset, natural_key, version, data, sealed, content_hash, run_id, updated_at, deleted_at FROM dataset_records WHERE dataset = ? AND natural_key = ? ON CONFLICT DO NOTHING',
    ),
    updateRecord: db.prepare(
      'UPDATE dataset_records SET version = ?, data = ?, sealed = ?, content_hash = ?, run_id = ?, updated_at = ?, subject_id = ?, index_hashes = ?, deleted_at = NULL WHERE dataset = ? AND natural_key = ?',
    ),
    stageIndex: db.prepare(
      'INSERT INTO index_staging (dataset, field, hash, natural_key) VALUES (?, ?, ?, ?)',
    ),
  };
}

export class SqliteRecordStore extends SqlRecordStore {
  private prepared: Statements | undefined;

  constructor(
    db: Kysely<Database>,
    private readonly sqlite: SqliteDatabase.Database,
  ) {
    super(db);
  }

  /** Prepared on first use: the store is built before the migrations create its tables. */
  private get statements(): Statements {
    this.prepared ??= prepare(this.sqlite);
    return this.prepared;
  }

  protected async lookUp(
    _executor: Kysely<Database>,
    dataset: string,
    naturalKeys: readonly string[],
  ): Promise<CurrentVersions> {
    const { current } = this.statements;
    const found: CurrentVersions = new Map();
    for (const key of naturalKeys) {
      const row = current.get(dataset, key);
      if (row)
        found.set(key, {
          version: Number(row.version),
          contentHash: row.content_hash,
          isDeleted: row.deleted_at !== null,
        });
    }
    return found;
  }

  protected async writeRows(
    _trx: Transaction<Database>,
    { inserts, updates, staged }: RowWrites,
  ): Promise<void> {
    const { archiveVersion, updateRecord, insertRecord, stageIndex } = this.statements;
    for (const r of updates) {
      archiveVersion.run(r.dataset, r.natural_key);
      updateRecord.run(
        r.version,
        r.data,
        r.sealed,
        r.content_hash,
        r.run_id,
        r.updated_at,
        r.subject_id,
        r.index_hashes ?? null,
        r.dataset,
        r.natural_key,
      );
    }
    for (const r of inserts)
      insertRecord.run(
        r.dataset,
        r.natural_key,
        r.subject_id,
        r.version,
        r.data,
        r.sealed,
        r.content_hash,
        r.run_id,
        r.created_at,
        r.updated_at,
        r.index_hashes ?? null,
      );
    for (const ix of staged) stageIndex.run(ix.dataset, ix.field, ix.hash, ix.natural_key);
  }
}

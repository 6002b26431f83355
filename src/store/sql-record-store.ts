// What the record store's dialects share: the batch's plan (insert, new version or unchanged), and
// the statements every dialect runs alike through Kysely — quarantine, checkpoint, merge, reads,
// erasure. A dialect supplies the hot per-record writes (lookUp, writeRows) its own fastest way.

import { type Kysely, type RawBuilder, sql, type Transaction } from 'kysely';
import { ConflictError, ValidationError } from '../domain/index.js';
import {
  type BatchOutcome,
  type ExpiredRecord,
  type ExpiredRecordsOptions,
  type QuarantinedCopy,
  type ReadPageOptions,
  type RecordBatch,
  type RecordCorrection,
  type RecordDeletion,
  type RecordPage,
  type RecordStore,
  type RecordVersion,
  type StoredRecord,
  SUBJECT_INDEX_FIELD,
  type SubjectErasure,
  sealingSubject,
  type WriteBatchOptions,
} from './record-store.js';
import type { BlindIndexesTable, Database, DatasetRecordsTable } from './schema.js';

/** Natural keys per `IN (…)` list: well inside every dialect's parameter limit. */
const KEY_CHUNK = 500;
/** Rows per multi-row INSERT. */
export const INSERT_CHUNK = 300;
const PAGE_DEFAULT = 100;
const PAGE_MAX = 1_000;

export type CurrentVersions = Map<string, { version: number; contentHash: string; isDeleted: boolean }>;

/** The rows a batch writes, as planned against the current versions. */
export interface RowWrites {
  inserts: DatasetRecordsTable[];
  /** Records getting a new version: the version they replace is archived first. */
  updates: DatasetRecordsTable[];
  /** Appended to index_staging, merged at the end of the run. */
  staged: BlindIndexesTable[];
}

type RecordRow = Pick<
  DatasetRecordsTable,
  | 'dataset'
  | 'natural_key'
  | 'subject_id'
  | 'version'
  | 'data'
  | 'sealed'
  | 'content_hash'
  | 'run_id'
  | 'created_at'
  | 'updated_at'
  | 'deleted_at'
  | 'index_hashes'
>;

export abstract class SqlRecordStore implements RecordStore {
  constructor(protected readonly db: Kysely<Database>) {}

  /** Current versions of these keys, read within `executor` (the batch's transaction or the pool). */
  protected abstract lookUp(
    executor: Kysely<Database>,
    dataset: string,
    naturalKeys: readonly string[],
  ): Promise<CurrentVersions>;

  /** Writes a batch's records and staged index entries inside its transaction. */
  protected abstract writeRows(trx: Transaction<Database>, rows: RowWrites): Promise<void>;

  /** The text of a top-level field of dataset_records.data (JSON), NULL when absent or null. */
  protected abstract jsonField(field: string): RawBuilder<string | null>;

  currentVersions(dataset: string, naturalKeys: readonly string[]): Promise<CurrentVersions> {
    return this.lookUp(this.db, dataset, naturalKeys);
  }

  writeBatch(batch: RecordBatch, options: WriteBatchOptions = {}): Promise<BatchOutcome> {
    const { dataset, runId, at } = batch;
    return this.db.transaction().execute(async (trx) => {
      const current = await this.lookUp(
        trx,
        dataset,
        batch.records.map((r) => r.naturalKey),
      );
      const rows: RowWrites = { inserts: [], updates: [], staged: [] };
      let unchanged = 0;
      for (const r of batch.records) {
        const old = current.get(r.naturalKey);
        // A record deleted at source and back with the same content is a new version all the same.
        if (old && old.contentHash === r.contentHash && !old.isDeleted) {
          unchanged += 1;
          continue;
        }
        (old ? rows.updates : rows.inserts).push({
          dataset,
          natural_key: r.naturalKey,
          subject_id: r.subjectId,
          version: old ? old.version + 1 : 1,
          data: r.data,
          sealed: r.sealed,
          content_hash: r.contentHash,
          run_id: runId,
          created_at: at,
          updated_at: at,
          deleted_at: null,
          index_hashes: r.indexHashes ?? null,
        });
        // Appended now, merged into blind_indexes (sorted) when the run ends: see 0005_record_storage.
        if (r.subjectId !== null)
          rows.staged.push({
            dataset,
            field: SUBJECT_INDEX_FIELD,
            hash: r.subjectId,
            natural_key: r.naturalKey,
          });
        for (const ix of r.indexes)
          rows.staged.push({ dataset, field: ix.field, hash: ix.hash, natural_key: r.naturalKey });
      }
      await this.writeRows(trx, rows);
      // Deleted at source: marked after this batch's writes, never removed (retention decides).
      let deleted = 0;
      const deletions = batch.deletions ?? [];
      for (let i = 0; i < deletions.length; i += KEY_CHUNK) {
        const result = await trx
          .updateTable('dataset_records')
          .set({ deleted_at: at })
          .where('dataset', '=', dataset)
          .where('natural_key', 'in', deletions.slice(i, i + KEY_CHUNK))
          .where('deleted_at', 'is', null)
          .executeTakeFirst();
        deleted += Number(result.numUpdatedRows);
      }
      deleted += await this.sweepSnapshot(trx, batch);
      await this.writeQuarantine(trx, batch);
      await trx
        .insertInto('source_state')
        .values({ dataset, state: batch.checkpoint, run_id: runId, updated_at: at })
        .onConflict((oc) =>
          oc.column('dataset').doUpdateSet({ state: batch.checkpoint, run_id: runId, updated_at: at }),
        )
        .execute();
      const outcome = { stored: rows.inserts.length, updated: rows.updates.length, unchanged, deleted };
      await options.inTransaction?.(trx, outcome);
      return outcome;
    });
  }

  /**
   * A full snapshot's part: its keys join the snapshot's set (a first part starts the set); after
   * the last part, the dataset's records not in the set are marked deleted at source. Returns how
   * many were marked.
   */
  private async sweepSnapshot(trx: Transaction<Database>, batch: RecordBatch): Promise<number> {
    const snapshot = batch.snapshot;
    if (!snapshot) return 0;
    const { dataset, at } = batch;
    if (snapshot.isFirst) await trx.deleteFrom('snapshot_keys').where('dataset', '=', dataset).execute();
    const keys = [...new Set(snapshot.keys)].map((natural_key) => ({ dataset, natural_key }));
    for (let i = 0; i < keys.length; i += INSERT_CHUNK)
      await trx
        .insertInto('snapshot_keys')
        .values(keys.slice(i, i + INSERT_CHUNK))
        .onConflict((oc) => oc.columns(['dataset', 'natural_key']).doNothing())
        .execute();
    if (!snapshot.isLast) return 0;
    const result = await trx
      .updateTable('dataset_records')
      .set({ deleted_at: at })
      .where('dataset', '=', dataset)
      .where('deleted_at', 'is', null)
      .where('natural_key', 'not in', (eb) =>
        eb.selectFrom('snapshot_keys').select('natural_key').where('dataset', '=', dataset),
      )
      .executeTakeFirst();
    await trx.deleteFrom('snapshot_keys').where('dataset', '=', dataset).execute();
    return Number(result.numUpdatedRows);
  }

  /** Upserts the batch's held-back records: a record held back again re-opens its row. */
  private async writeQuarantine(trx: Transaction<Database>, batch: RecordBatch): Promise<void> {
    const rows = batch.quarantine.map((q) => ({
      id: q.id,
      dataset: batch.dataset,
      run_id: batch.runId,
      reason: q.reason,
      detail: q.detail,
      position: q.position,
      subject_id: q.subjectId,
      sealed: q.sealed,
      status: 'open',
      created_at: batch.at,
    }));
    // One row per id even when a batch repeats a record (PostgreSQL refuses to update twice).
    const held = [...new Map(rows.map((r) => [r.id, r])).values()];
    for (let i = 0; i < held.length; i += INSERT_CHUNK) {
      await trx
        .insertInto('quarantine')
        .values(held.slice(i, i + INSERT_CHUNK))
        .onConflict((oc) =>
          oc.column('id').doUpdateSet((eb) => ({
            status: 'open',
            run_id: eb.ref('excluded.run_id'),
            detail: eb.ref('excluded.detail'),
            position: eb.ref('excluded.position'),
            sealed: eb.ref('excluded.sealed'),
          })),
        )
        .execute();
    }
  }

  mergeStagedIndexes(dataset: string): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      const moved = await sql`INSERT INTO blind_indexes (dataset, field, hash, natural_key)
        SELECT dataset, field, hash, natural_key FROM index_staging WHERE dataset = ${dataset}
        ORDER BY field, hash, natural_key
        ON CONFLICT DO NOTHING`.execute(trx);
      await trx.deleteFrom('index_staging').where('dataset', '=', dataset).execute();
      return Number(moved.numAffectedRows ?? 0n);
    });
  }

  async checkpoint(dataset: string): Promise<string | null> {
    const row = await this.db
      .selectFrom('source_state')
      .select('state')
      .where('dataset', '=', dataset)
      .executeTakeFirst();
    return row?.state ?? null;
  }

  async readCurrent(dataset: string, options: ReadPageOptions = {}): Promise<RecordPage> {
    const limit = Math.min(Math.max(1, Math.trunc(options.limit ?? PAGE_DEFAULT)), PAGE_MAX);
    let query = this.db
      .selectFrom('dataset_records')
      .selectAll()
      .where('dataset', '=', dataset)
      .orderBy('natural_key')
      .limit(limit + 1);
    if (options.cursor !== undefined) query = query.where('natural_key', '>', decodeCursor(options.cursor));
    const rows = await query.execute();
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      records: page.map(toStoredRecord),
      next: rows.length > limit && last ? encodeCursor(last.natural_key) : null,
    };
  }

  async readRecords(dataset: string, naturalKeys: readonly string[]): Promise<StoredRecord[]> {
    const out: StoredRecord[] = [];
    const keys = [...new Set(naturalKeys)];
    for (let i = 0; i < keys.length; i += KEY_CHUNK) {
      const rows = await this.db
        .selectFrom('dataset_records')
        .selectAll()
        .where('dataset', '=', dataset)
        .where('natural_key', 'in', keys.slice(i, i + KEY_CHUNK))
        .execute();
      for (const row of rows) out.push(toStoredRecord(row));
    }
    return out;
  }

  async findByIndex(dataset: string, field: string, hash: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('blind_index_entries')
      .select('natural_key')
      .where('dataset', '=', dataset)
      .where('field', '=', field)
      .where('hash', '=', hash)
      .orderBy('natural_key')
      .execute();
    return rows.map((r) => r.natural_key);
  }

  async history(dataset: string, naturalKey: string): Promise<RecordVersion[]> {
    const rows = await this.db
      .selectFrom('record_history')
      .selectAll()
      .where('dataset', '=', dataset)
      .where('natural_key', '=', naturalKey)
      .orderBy('version')
      .execute();
    return rows.map((r) => ({
      version: Number(r.version),
      fields: JSON.parse(r.data) as Record<string, unknown>,
      sealed: r.sealed,
      contentHash: r.content_hash,
      runId: r.run_id,
      collectedAt: r.created_at,
    }));
  }

  deleteSubject(dataset: string, subjectId: string): Promise<SubjectErasure> {
    return this.db.transaction().execute(async (trx) => {
      const linked = await trx
        .selectFrom('blind_index_entries')
        .select('natural_key')
        .where('dataset', '=', dataset)
        .where('field', '=', SUBJECT_INDEX_FIELD)
        .where('hash', '=', subjectId)
        .execute();
      // A record linked once may have another subject now (its subject field was corrected): it
      // stays, and only the stale link goes.
      const owned: string[] = [];
      const candidates = linked.map((r) => r.natural_key);
      for (let i = 0; i < candidates.length; i += KEY_CHUNK) {
        const rows = await trx
          .selectFrom('dataset_records')
          .select('natural_key')
          .where('dataset', '=', dataset)
          .where('natural_key', 'in', candidates.slice(i, i + KEY_CHUNK))
          .where('subject_id', '=', subjectId)
          .execute();
        for (const r of rows) owned.push(r.natural_key);
      }
      const erasure: SubjectErasure = { records: 0, versions: 0, indexEntries: 0, quarantined: 0 };
      for (const table of ['blind_indexes', 'index_staging'] as const) {
        const links = await trx
          .deleteFrom(table)
          .where('dataset', '=', dataset)
          .where('field', '=', SUBJECT_INDEX_FIELD)
          .where('hash', '=', subjectId)
          .executeTakeFirst();
        erasure.indexEntries += Number(links.numDeletedRows);
      }
      const removed = await deleteRecordRows(trx, dataset, owned);
      erasure.indexEntries += removed.indexEntries;
      erasure.versions = removed.versions;
      erasure.records = removed.records;
      const quarantined = await trx
        .deleteFrom('quarantine')
        .where('dataset', '=', dataset)
        .where('subject_id', '=', subjectId)
        .executeTakeFirst();
      erasure.quarantined = Number(quarantined.numDeletedRows);
      return erasure;
    });
  }

  async expiredRecords(dataset: string, options: ExpiredRecordsOptions): Promise<ExpiredRecord[]> {
    const limit = Math.min(Math.max(1, Math.trunc(options.limit ?? 500)), PAGE_MAX);
    let query = this.db
      .selectFrom('dataset_records')
      .select(['natural_key', 'subject_id'])
      .where('dataset', '=', dataset)
      .orderBy('natural_key')
      .limit(limit);
    const { cutoff, dateField } = options;
    if (dateField === undefined) query = query.where('updated_at', '<', cutoff);
    else {
      // Dates (YYYY-MM-DD) and date-times (ISO 8601 UTC, as validation stores them) compare as text.
      const value = this.jsonField(dateField);
      query = query.where((eb) =>
        eb.or([
          eb.and([eb(value, 'is not', null), eb(value, '<', cutoff)]),
          eb.and([eb(value, 'is', null), eb('updated_at', '<', cutoff)]),
        ]),
      );
    }
    if (options.after !== undefined) query = query.where('natural_key', '>', options.after);
    const rows = await query.execute();
    return rows.map((r) => ({ naturalKey: r.natural_key, subjectId: r.subject_id }));
  }

  deleteRecords(dataset: string, naturalKeys: readonly string[]): Promise<RecordDeletion> {
    return this.db.transaction().execute((trx) => deleteRecordRows(trx, dataset, [...new Set(naturalKeys)]));
  }

  async deleteQuarantinedBefore(
    dataset: string,
    cutoff: string,
    exceptSubjects: ReadonlySet<string>,
    options: { dryRun?: boolean } = {},
  ): Promise<Map<string, number>> {
    const rows = await this.db
      .selectFrom('quarantine')
      .select(['id', 'subject_id'])
      .where('dataset', '=', dataset)
      .where('created_at', '<', cutoff)
      .execute();
    const doomed = rows.filter((r) => !exceptSubjects.has(r.subject_id));
    const bySubject = new Map<string, number>();
    for (const r of doomed) bySubject.set(r.subject_id, (bySubject.get(r.subject_id) ?? 0) + 1);
    if (options.dryRun) return bySubject;
    const ids = doomed.map((r) => r.id);
    await this.db.transaction().execute(async (trx) => {
      for (let i = 0; i < ids.length; i += KEY_CHUNK)
        await trx
          .deleteFrom('quarantine')
          .where('id', 'in', ids.slice(i, i + KEY_CHUNK))
          .execute();
    });
    return bySubject;
  }

  async subjectsHoldingData(subjectIds: readonly string[]): Promise<Set<string>> {
    const out = new Set<string>();
    const ids = [...new Set(subjectIds)];
    for (let i = 0; i < ids.length; i += KEY_CHUNK) {
      const chunk = ids.slice(i, i + KEY_CHUNK);
      const records = await this.db
        .selectFrom('dataset_records')
        .select('subject_id')
        .distinct()
        .where('subject_id', 'in', chunk)
        .execute();
      const held = await this.db
        .selectFrom('quarantine')
        .select('subject_id')
        .distinct()
        .where('subject_id', 'in', chunk)
        .where('sealed', '!=', '')
        .execute();
      for (const r of [...records, ...held]) if (r.subject_id !== null) out.add(r.subject_id);
    }
    return out;
  }

  async quarantinedOf(subjectId: string): Promise<QuarantinedCopy[]> {
    const rows = await this.db
      .selectFrom('quarantine')
      .select(['dataset', 'reason', 'created_at', 'sealed'])
      .where('subject_id', '=', subjectId)
      .orderBy('dataset')
      .orderBy('created_at')
      .execute();
    return rows.map((r) => ({
      dataset: r.dataset,
      reason: r.reason,
      heldAt: r.created_at,
      sealed: r.sealed,
    }));
  }

  writeCorrection(dataset: string, naturalKey: string, correction: RecordCorrection): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      const current = await trx
        .selectFrom('dataset_records')
        .select(['version', 'subject_id'])
        .where('dataset', '=', dataset)
        .where('natural_key', '=', naturalKey)
        .executeTakeFirst();
      if (!current || Number(current.version) !== correction.expectedVersion)
        throw new ConflictError('the record changed while it was being corrected: try again', {
          dataset,
        });
      const version = correction.expectedVersion + 1;
      // The version being replaced joins the history; the record keeps only its current one.
      await sql`INSERT INTO record_versions (dataset, natural_key, version, data, sealed, content_hash, run_id, created_at, deleted_at)
        SELECT dataset, natural_key, version, data, sealed, content_hash, run_id, updated_at, deleted_at
        FROM dataset_records WHERE dataset = ${dataset} AND natural_key = ${naturalKey}
        ON CONFLICT DO NOTHING`.execute(trx);
      await trx
        .updateTable('dataset_records')
        .set({
          version,
          data: correction.data,
          sealed: correction.sealed,
          content_hash: correction.contentHash,
          run_id: correction.origin,
          updated_at: correction.at,
        })
        .where('dataset', '=', dataset)
        .where('natural_key', '=', naturalKey)
        .execute();
      const entries = correction.indexes.map((ix) => ({
        dataset,
        field: ix.field,
        hash: ix.hash,
        natural_key: naturalKey,
      }));
      if (entries.length > 0)
        await trx
          .insertInto('blind_indexes')
          .values(entries)
          .onConflict((oc) => oc.doNothing())
          .execute();
      return version;
    });
  }
}

/** Every dialect's lookUp through Kysely, in chunks (PostgreSQL's; SQLite has a faster one). */
export async function lookUpWithKysely(
  executor: Kysely<Database>,
  dataset: string,
  naturalKeys: readonly string[],
): Promise<CurrentVersions> {
  const current: CurrentVersions = new Map();
  for (let i = 0; i < naturalKeys.length; i += KEY_CHUNK) {
    const rows = await executor
      .selectFrom('dataset_records')
      .select(['natural_key', 'version', 'content_hash', 'deleted_at'])
      .where('dataset', '=', dataset)
      .where('natural_key', 'in', naturalKeys.slice(i, i + KEY_CHUNK))
      .execute();
    for (const r of rows)
      current.set(r.natural_key, {
        version: Number(r.version),
        contentHash: r.content_hash,
        isDeleted: r.deleted_at !== null,
      });
  }
  return current;
}

function toStoredRecord(row: RecordRow): StoredRecord {
  return {
    dataset: row.dataset,
    naturalKey: row.natural_key,
    subjectId: row.subject_id,
    sealingSubject: sealingSubject(row.dataset, row.subject_id),
    version: Number(row.version),
    fields: JSON.parse(row.data) as Record<string, unknown>,
    sealed: row.sealed,
    contentHash: row.content_hash,
    runId: row.run_id,
    collectedAt: row.updated_at,
    firstCollectedAt: row.created_at,
    deletedAt: row.deleted_at,
    indexHashes: row.index_hashes ? (JSON.parse(row.index_hashes) as Record<string, string | null>) : null,
  };
}

/** Cursors are opaque to callers: the page's last natural key, base64url. */
function encodeCursor(naturalKey: string): string {
  return Buffer.from(naturalKey, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): string {
  const key = Buffer.from(cursor, 'base64url').toString('utf8');
  if (cursor.length === 0 || encodeCursor(key) !== cursor)
    throw new ValidationError('not a cursor of this listing', { field: 'cursor' });
  return key;
}

/**
 * Deletes records with their versions and index entries, by natural key, in the caller's
 * transaction (erasure and retention). The index has no natural-key column first: this scans the
 * dataset's entries, which a deletion can afford and every run's merge could not (another index to
 * write at random).
 */
async function deleteRecordRows(
  trx: Transaction<Database>,
  dataset: string,
  naturalKeys: readonly string[],
): Promise<RecordDeletion> {
  const removed: RecordDeletion = { records: 0, versions: 0, indexEntries: 0 };
  for (let i = 0; i < naturalKeys.length; i += KEY_CHUNK) {
    const keys = naturalKeys.slice(i, i + KEY_CHUNK);
    const deleteFrom = async (
      table: 'blind_indexes' | 'index_staging' | 'record_versions' | 'dataset_records',
    ) => {
      const result = await trx
        .deleteFrom(table)
        .where('dataset', '=', dataset)
        .where('natural_key', 'in', keys)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    };
    removed.indexEntries += (await deleteFrom('blind_indexes')) + (await deleteFrom('index_staging'));
    removed.versions += await deleteFrom('record_versions');
    removed.records += await deleteFrom('dataset_records');
  }
  return removed;
}

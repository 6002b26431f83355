// The record store on PostgreSQL: every statement through Kysely, multi-row inserts in chunks.

import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database } from './schema.js';
import {
  type CurrentVersions,
  INSERT_CHUNK,
  lookUpWithKysely,
  type RowWrites,
  SqlRecordStore,
} from './sql-record-store.js';

export class PostgresRecordStore extends SqlRecordStore {
  protected lookUp(
    executor: Kysely<Database>,
    dataset: string,
    naturalKeys: readonly string[],
  ): Promise<CurrentVersions> {
    return lookUpWithKysely(executor, dataset, naturalKeys);
  }

  protected async writeRows(
    trx: Transaction<Database>,
    { inserts, updates, staged }: RowWrites,
  ): Promise<void> {
    for (const r of updates) {
      // The version being replaced joins the history; the record keeps only its current one.
      await sql`INSERT INTO record_versions (dataset, natural_key, version, data, sealed, content_hash, run_id, created_at, deleted_at)
        SELECT dataset, natural_key, version, data, sealed, content_hash, run_id, updated_at, deleted_at
        FROM dataset_records WHERE dataset = ${r.dataset} AND natural_key = ${r.natural_key}
        ON CONFLICT DO NOTHING`.execute(trx);
      await trx
        .updateTable('dataset_records')
        .set({
          version: r.version,
          data: r.data,
          sealed: r.sealed,
          content_hash: r.content_hash,
          run_id: r.run_id,
          updated_at: r.updated_at,
          subject_id: r.subject_id,
          index_hashes: r.index_hashes ?? null,
          deleted_at: null,
        })
        .where('dataset', '=', r.dataset)
        .where('natural_key', '=', r.natural_key)
        .execute();
    }
    for (let i = 0; i < inserts.length; i += INSERT_CHUNK)
      await trx
        .insertInto('dataset_records')
        .values(inserts.slice(i, i + INSERT_CHUNK))
        .execute();
    // Index entries are narrow: more of them fit one statement.
    for (let i = 0; i < staged.length; i += 500)
      await trx
        .insertInto('index_staging')
        .values(staged.slice(i, i + 500))
        .execute();
  }
}

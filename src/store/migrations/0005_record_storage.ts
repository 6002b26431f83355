// Record storage shaped for bulk collection (measured: a million records went from 135 µs to about
// 50 µs of storage each — see docs/pipeline.md, Performance):
//
// - record_versions keeps the versions a record HAD; its current version lives only in
//   dataset_records (it used to be written twice). The view record_history is the whole history:
//   earlier versions and the current one.
// - The link from a data subject to its records is a blind-index entry (field `$subject`, hash =
//   the subject id, itself a keyed hash) instead of an index on dataset_records.subject_id, so a
//   run writes no randomly-keyed index entry per record while it collects.
// - index_staging: blind-index entries a run has written and not yet merged. A run appends to it
//   (in each batch's transaction) and merges it into blind_indexes, sorted, when it ends — and
//   first thing when it starts, should an earlier run have been killed before its merge. Readers
//   of blind indexes read both (the view blind_index_entries).

import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('index_staging')
    .addColumn('dataset', 'text', (c) => c.notNull())
    .addColumn('field', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('natural_key', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('index_staging_dataset_idx').on('index_staging').column('dataset').execute();

  await sql`INSERT INTO blind_indexes (dataset, field, hash, natural_key)
    SELECT dataset, '$subject', subject_id, natural_key FROM dataset_records WHERE subject_id IS NOT NULL`.execute(
    db,
  );
  await db.schema.dropIndex('dataset_records_subject_idx').execute();

  await sql`DELETE FROM record_versions WHERE EXISTS (
    SELECT 1 FROM dataset_records r
    WHERE r.dataset = record_versions.dataset AND r.natural_key = record_versions.natural_key
      AND r.version = record_versions.version)`.execute(db);

  await sql`CREATE VIEW record_history AS
    SELECT dataset, natural_key, version, data, sealed, content_hash, run_id, created_at FROM record_versions
    UNION ALL
    SELECT dataset, natural_key, version, data, sealed, content_hash, run_id, updated_at AS created_at
    FROM dataset_records`.execute(db);
  await sql`CREATE VIEW blind_index_entries AS
    SELECT dataset, field, hash, natural_key FROM blind_indexes
    UNION
    SELECT dataset, field, hash, natural_key FROM index_staging`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP VIEW blind_index_entries`.execute(db);
  await sql`DROP VIEW record_history`.execute(db);
  await sql`INSERT INTO record_versions (dataset, natural_key, version, data, sealed, content_hash, run_id, created_at)
    SELECT dataset, natural_key, version, data, sealed, content_hash, run_id, updated_at FROM dataset_records`.execute(
    db,
  );
  await sql`INSERT INTO blind_indexes (dataset, field, hash, natural_key)
    SELECT dataset, field, hash, natural_key FROM index_staging WHERE true
    ON CONFLICT DO NOTHING`.execute(db);
  await db.schema.dropTable('index_staging').execute();
  await sql`DELETE FROM blind_indexes WHERE field = '$subject'`.execute(db);
  await db.schema
    .createIndex('dataset_records_subject_idx')
    .on('dataset_records')
    .columns(['subject_id'])
    .execute();
}

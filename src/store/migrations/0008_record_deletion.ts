// Records deleted at source (change data capture): a deletion marks the record (`deleted_at`)
// instead of removing it, so its history stays and retention decides when it goes. A version
// archived into record_versions keeps its mark; runs count the deletions they stored.

import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('dataset_records').addColumn('deleted_at', 'text').execute();
  await db.schema.alterTable('record_versions').addColumn('deleted_at', 'text').execute();
  await db.schema
    .alterTable('runs')
    .addColumn('deleted_count', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await sql`DROP VIEW record_history`.execute(db);
  await sql`CREATE VIEW record_history AS
    SELECT dataset, natural_key, version, data, sealed, content_hash, run_id, created_at, deleted_at FROM record_versions
    UNION ALL
    SELECT dataset, natural_key, version, data, sealed, content_hash, run_id, updated_at AS created_at, deleted_at
    FROM dataset_records`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP VIEW record_history`.execute(db);
  await sql`CREATE VIEW record_history AS
    SELECT dataset, natural_key, version, data, sealed, content_hash, run_id, created_at FROM record_versions
    UNION ALL
    SELECT dataset, natural_key, version, data, sealed, content_hash, run_id, updated_at AS created_at
    FROM dataset_records`.execute(db);
  await db.schema.alterTable('runs').dropColumn('deleted_count').execute();
  await db.schema.alterTable('record_versions').dropColumn('deleted_at').execute();
  await db.schema.alterTable('dataset_records').dropColumn('deleted_at').execute();
}

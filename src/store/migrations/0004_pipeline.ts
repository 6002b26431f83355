// The collection pipeline: runs (queue, claims, heartbeats, counts), checkpointed source state,
// dataset records (upsert by natural key) with version history, encrypted quarantine, field
// classifications awaiting confirmation, blind indexes, and the minimal consent table that the
// governance area will own.

import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('runs')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('dataset', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('worker', 'text')
    .addColumn('heartbeat_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text')
    .addColumn('finished_at', 'text')
    .addColumn('read_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('stored_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('unchanged_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('quarantined_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('quarantine_reasons', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('dropped_fields', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('error', 'text')
    .execute();
  await db.schema.createIndex('runs_dataset_idx').on('runs').columns(['dataset', 'created_at']).execute();
  await db.schema.createIndex('runs_status_idx').on('runs').columns(['status', 'created_at']).execute();
  // One running run per dataset, enforced by the database itself.
  await sql`CREATE UNIQUE INDEX runs_one_running_idx ON runs (dataset) WHERE status = 'running'`.execute(db);

  await db.schema
    .createTable('source_state')
    .addColumn('dataset', 'text', (c) => c.primaryKey().notNull())
    .addColumn('state', 'text')
    .addColumn('run_id', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('dataset_records')
    .addColumn('dataset', 'text', (c) => c.notNull())
    .addColumn('natural_key', 'text', (c) => c.notNull())
    .addColumn('subject_id', 'text')
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('sealed', 'text')
    .addColumn('content_hash', 'text', (c) => c.notNull())
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('dataset_records_pk', ['dataset', 'natural_key'])
    .execute();
  await db.schema
    .createIndex('dataset_records_subject_idx')
    .on('dataset_records')
    .columns(['subject_id'])
    .execute();

  await db.schema
    .createTable('record_versions')
    .addColumn('dataset', 'text', (c) => c.notNull())
    .addColumn('natural_key', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('sealed', 'text')
    .addColumn('content_hash', 'text', (c) => c.notNull())
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('record_versions_pk', ['dataset', 'natural_key', 'version'])
    .execute();

  await db.schema
    .createTable('blind_indexes')
    .addColumn('dataset', 'text', (c) => c.notNull())
    .addColumn('field', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('natural_key', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('blind_indexes_pk', ['dataset', 'field', 'hash', 'natural_key'])
    .execute();

  await db.schema
    .createTable('quarantine')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('dataset', 'text', (c) => c.notNull())
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('detail', 'text', (c) => c.notNull())
    .addColumn('position', 'text')
    .addColumn('subject_id', 'text', (c) => c.notNull())
    .addColumn('sealed', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('quarantine_dataset_idx')
    .on('quarantine')
    .columns(['dataset', 'status'])
    .execute();

  await db.schema
    .createTable('field_classifications')
    .addColumn('dataset', 'text', (c) => c.notNull())
    .addColumn('field', 'text', (c) => c.notNull())
    .addColumn('category', 'text')
    .addColumn('level', 'integer', (c) => c.notNull())
    .addColumn('sensitive', 'integer', (c) => c.notNull())
    .addColumn('entities', 'text', (c) => c.notNull())
    .addColumn('confidence', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('confirmed_by', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('field_classifications_pk', ['dataset', 'field'])
    .execute();

  await db.schema
    .createTable('consents')
    .addColumn('subject_id', 'text', (c) => c.notNull())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('sensitive', 'integer', (c) => c.notNull())
    .addColumn('granted_at', 'text', (c) => c.notNull())
    .addColumn('withdrawn_at', 'text')
    .addPrimaryKeyConstraint('consents_pk', ['subject_id', 'purpose'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of [
    'consents',
    'field_classifications',
    'quarantine',
    'blind_indexes',
    'record_versions',
    'dataset_records',
    'source_state',
    'runs',
  ]) {
    await db.schema.dropTable(t).execute();
  }
}

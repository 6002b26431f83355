// Data-subject requests (PIPL Arts. 44–48) and retention (Art. 19): the requests with their
// lifecycle and deadline, each step they went through, legal holds on subjects, and the reports of
// retention runs. A subject is named only by its subject id (a keyed hash of the identifier); the
// identifier a request must keep (to search identifier fields, or to correct) is sealed under the
// subject's data key — erasing the subject makes it unreadable too.

import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('subject_requests')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('subject_id', 'text', (c) => c.notNull())
    .addColumn('sealed', 'text')
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('channel', 'text')
    .addColumn('received_at', 'text', (c) => c.notNull())
    .addColumn('deadline_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('verified_by', 'text')
    .addColumn('verified_at', 'text')
    .addColumn('started_at', 'text')
    .addColumn('closed_at', 'text')
    .addColumn('closed_by', 'text')
    .addColumn('reason', 'text')
    .addColumn('note', 'text')
    .addColumn('result', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('subject_requests_status')
    .on('subject_requests')
    .columns(['status', 'deadline_at'])
    .execute();
  await db.schema
    .createIndex('subject_requests_subject')
    .on('subject_requests')
    .column('subject_id')
    .execute();
  await db.schema
    .createTable('subject_request_steps')
    .addColumn('request_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('step', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('detail', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('subject_request_steps_pk', ['request_id', 'seq'])
    .execute();
  await db.schema
    .createTable('legal_holds')
    .addColumn('subject_id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('placed_by', 'text', (c) => c.notNull())
    .addColumn('placed_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('retention_reports')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text', (c) => c.notNull())
    .addColumn('is_dry_run', 'integer', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('report', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('retention_reports').execute();
  await db.schema.dropTable('legal_holds').execute();
  await db.schema.dropTable('subject_request_steps').execute();
  await db.schema.dropTable('subject_requests').execute();
}

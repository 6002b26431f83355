// Erasure that holds: a suppression entry per erased data subject, so the same person arriving
// again from a source is dropped or quarantined (as `erased_subject`), never sealed under a new
// key. `subject_id` is the subject id — a keyed hash (blind index) of the identifier, never the
// identifier itself. A run counts the records of erased subjects it dropped (`suppressed_count`).

import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('erased_subjects')
    .addColumn('subject_id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('erased_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .alterTable('runs')
    .addColumn('suppressed_count', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  // Subjects shredded before this migration are suppressed too.
  await sql`INSERT INTO erased_subjects (subject_id, erased_at)
    SELECT subject_id, shredded_at FROM subject_keys WHERE shredded_at IS NOT NULL`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('runs').dropColumn('suppressed_count').execute();
  await db.schema.dropTable('erased_subjects').execute();
}

// Provision of personal information to third parties (PIPL Art. 23, issue 18 item 5): one row per
// share — which dataset went to which vendor, under which contract, for which purpose, under which
// consent purpose, how many records went and how many were left out, who did it and when. Counts
// and names only: never a data subject's value or id.

import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('third_party_shares')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('dataset', 'text', (c) => c.notNull())
    .addColumn('vendor', 'text', (c) => c.notNull())
    .addColumn('contract', 'text', (c) => c.notNull())
    /** The purpose the export was read for (access policy). */
    .addColumn('purpose', 'text', (c) => c.notNull())
    /** The purpose the subjects' separate consent to this provision is recorded under. */
    .addColumn('consent_purpose', 'text', (c) => c.notNull())
    /** refuse (the whole share refused when a subject lacks consent) | leave_out */
    .addColumn('without_consent', 'text', (c) => c.notNull())
    .addColumn('format', 'text', (c) => c.notNull())
    /** The record export that carried the share (its audit entries name it). */
    .addColumn('export_id', 'text', (c) => c.notNull())
    /** started | completed | aborted */
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('records', 'integer', (c) => c.notNull().defaultTo(0))
    /** Records left out for want of the subject's separate consent to this provision. */
    .addColumn('left_out', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text')
    .execute();
  await db.schema
    .createIndex('third_party_shares_started_idx')
    .on('third_party_shares')
    .column('started_at')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('third_party_shares').execute();
}
